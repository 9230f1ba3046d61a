/**
 * Without root (needs root to set up: a test user with sub-uid ranges and
 * rootless podman). The live test image is saved by root and loaded into the
 * user's own storage; the user runs `cniso build` as README types it, and the
 * ISO is compared with root's build of the same image under the same
 * SOURCE_DATE_EPOCH: byte for byte. The ISO belongs to the user.
 */
import $ from "dax";
import assert from "node:assert/strict";
import { cniso, REPO, testImage } from "../../testing/images.ts";

const USER = "cnisotest";
const EPOCH = "1700000000";

async function testUser(): Promise<{ uid: number; home: string }> {
  const exists = await $`id -u ${USER}`.noThrow().quiet();
  if (exists.code !== 0) await $`useradd -m ${USER}`;
  const uid = Number((await $`id -u ${USER}`.text()).trim());
  return { uid, home: `/home/${USER}` };
}

function asUser(cmd: string) {
  return $`runuser -u ${USER} -- sh -c ${`cd ~ && ${cmd}`}`.stdout("piped").stderr("piped")
    .noThrow();
}

Deno.test("rootless (root sets up, podman): a plain user's build of an image in their own storage is root's ISO, byte for byte, and theirs", async () => {
  const image = await testImage("live");
  const { uid, home } = await testUser();
  const rootDir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-rootless-" });
  try {
    await $`podman save -o ${rootDir}/image.tar ${image}`.quiet();
    await Deno.chmod(rootDir, 0o755);
    await Deno.chmod(`${rootDir}/image.tar`, 0o644);
    const load = await asUser(`podman load -q -i ${rootDir}/image.tar`);
    assert.equal(load.code, 0, load.stderr);
    const user = await asUser(
      `SOURCE_DATE_EPOCH=${EPOCH} deno run -A ${REPO}/main.ts build ${image} -o ${home}/x.iso --progress plain`,
    );
    assert.equal(user.code, 0, user.stderr);
    const info = await Deno.stat(`${home}/x.iso`);
    assert.equal(info.uid, uid, "the ISO is the user's");
    const r = await cniso(["build", image, "-o", `${rootDir}/root.iso`], {
      env: { SOURCE_DATE_EPOCH: EPOCH },
    });
    assert.equal(r.code, 0, r.stderr);
    const same = await $`cmp ${home}/x.iso ${rootDir}/root.iso`.noThrow().quiet();
    assert.equal(same.code, 0, "the user's ISO and root's are the same bytes");
    // Nothing left in the user's storage: no mount, no container.
    const mounts = await asUser("podman unshare podman image mount");
    assert.equal(mounts.stdout.trim(), "");
  } finally {
    await asUser(`podman rmi -f ${image}`);
    await Deno.remove(rootDir, { recursive: true });
    await Deno.remove(`${home}/x.iso`).catch(() => {});
  }
});
