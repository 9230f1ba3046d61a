/**
 * Without root (root sets up; podman; slow: one boot under QEMU). A test user
 * with sub-uid ranges and rootless podman (overlay storage, podman's default on
 * Fedora) gets the live test image and a payload image by `podman save` /
 * `podman load`, and a copy of cniso's source it can read. As that user, cniso
 * runs as README types it (`deno task cniso …`): the user's ISO is root's ISO
 * byte for byte under the same SOURCE_DATE_EPOCH, and the user's; check,
 * payloads, an interrupted build, unreadable files and a broken `podman
 * unshare` behave as documented; the user's boot-test boots the user's ISO.
 */
import $ from "dax";
import assert from "node:assert/strict";
import * as path from "node:path";
import { cniso, payloadImage, REPO, testImage } from "../../testing/images.ts";

const USER = "cnisotest";
const EPOCH = "1700000000";

interface TestUser {
  uid: number;
  home: string;
  /** A copy of cniso's source the user owns (the clone may be root's alone). */
  src: string;
  /** Where root leaves files for the user. */
  shared: string;
}

async function makeUser(): Promise<TestUser> {
  await removeUser();
  await $`useradd -m ${USER}`;
  const uid = Number((await $`id -u ${USER}`.text()).trim());
  const home = `/home/${USER}`;
  // Podman's overlay storage (Fedora's default; Debian's podman 4.3 picks vfs for a new user):
  // payloads are then read from the user's store in place, as from root's.
  await Deno.mkdir(`${home}/.config/containers`, { recursive: true });
  await Deno.writeTextFile(
    `${home}/.config/containers/storage.conf`,
    '[storage]\ndriver = "overlay"\n',
  );
  const shared = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-rootless-" });
  await Deno.chmod(shared, 0o755);
  const src = path.join(home, "cniso");
  await Deno.mkdir(src);
  for (const f of ["main.ts", "lib", "deno.json", "deno.lock"]) {
    await $`cp -r ${path.join(REPO, f)} ${src}/`;
  }
  await $`chown -R ${USER}: ${home}`;
  return { uid, home, src, shared };
}

/** Everything the user had: processes (podman's pause process), home, podman's run state. */
async function removeUser(): Promise<void> {
  const uid = (await $`id -u ${USER}`.noThrow().quiet().text()).trim();
  if (!uid) return;
  for (let tries = 0; tries < 5; tries++) {
    await $`pkill -KILL -u ${USER}`.noThrow().quiet();
    await new Promise((r) => setTimeout(r, 500));
    if ((await $`userdel -r ${USER}`.noThrow().quiet()).code === 0) break;
  }
  for (const dir of [`/tmp/podman-run-${uid}`, `/tmp/containers-user-${uid}`]) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Runs a shell command as the user in cniso's source directory. */
function asUser(user: TestUser, cmd: string, env: Record<string, string> = {}) {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return $`runuser -u ${USER} -- env ${vars} sh -c ${`cd ${user.src} && ${cmd}`}`
    .stdout("piped").stderr("piped").noThrow();
}

/** Root's image, handed to the user as root would hand it (docs/without-root.md). */
async function give(user: TestUser, image: string): Promise<void> {
  const tar = path.join(user.shared, "image.tar");
  // oci-archive, uncompressed: layers as podman keeps them, so their digests stay the same.
  await $`podman save --format oci-archive --uncompressed -o ${tar} ${image}`.quiet();
  await Deno.chmod(tar, 0o644);
  const load = await asUser(user, `podman load -q -i ${tar}`);
  assert.equal(load.code, 0, load.stderr);
  await Deno.remove(tar);
}

const CNISO = "deno task -q cniso";

Deno.test("rootless (root sets up a user; podman, slow: one boot under QEMU): a plain user builds, checks and boot-tests an image in their own storage, and gets root's ISO", async (t) => {
  const image = await testImage("live");
  const payload = await payloadImage("payload-b");
  const user = await makeUser();
  try {
    await give(user, image);
    await give(user, payload);
    const iso = `${user.home}/live.iso`;

    await t.step("build: the user's ISO is root's, byte for byte, and the user's", async () => {
      const r = await asUser(user, `${CNISO} build ${image} -o ${iso} --progress plain`, {
        SOURCE_DATE_EPOCH: EPOCH,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await Deno.stat(iso)).uid, user.uid, "the ISO belongs to the user");
      const rootIso = path.join(user.shared, "root.iso");
      const root = await cniso(["build", image, "-o", rootIso], {
        env: { SOURCE_DATE_EPOCH: EPOCH },
      });
      assert.equal(root.code, 0, root.stderr);
      const same = await $`cmp ${iso} ${rootIso}`.noThrow().stdout("piped");
      assert.equal(same.code, 0, `the user's ISO and root's differ: ${same.stdout}`);
      await Deno.remove(rootIso);
      await assertNothingLeft(user, ["live.iso"]);
    });

    await t.step("check: OK; a payload only root has is the user's to bring over", async () => {
      const ok = await asUser(user, `${CNISO} check ${image}`);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /OK: .* can be built/);
      const r = await asUser(user, `${CNISO} check ${image} --payload localhost/cniso-payload-a`);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stdout, /in your own \(rootless\) podman storage/);
      assert.match(r.stdout, /sudo podman save localhost\/cniso-payload-a/);
    });

    await t.step("build --payload: an image of the user's storage is embedded", async () => {
      const out = `${user.home}/payload.iso`;
      const r = await asUser(user, `${CNISO} build ${image} --payload ${payload} -o ${out}`);
      assert.equal(r.code, 0, r.stderr);
      const id = (await $`podman image inspect --format {{.Id}} ${payload}`.text()).trim();
      const listing =
        await $`xorriso -osirrox on -indev ${out} -extract /LiveOS/squashfs.img ${user.shared}/sq.img`
          .quiet().then(() => $`unsquashfs -l -d / ${user.shared}/sq.img`.text());
      assert.match(listing, new RegExp(`/var/lib/containers/storage/overlay-images/${id}/`));
      await Deno.remove(out);
      await Deno.remove(`${user.shared}/sq.img`);
      await assertNothingLeft(user, ["live.iso"]);
    });

    await t.step("SIGTERM: the cniso inside the namespace cleans up and says so", async () => {
      const out = `${user.home}/killed.iso`;
      const r = await asUser(
        user,
        `${CNISO} build ${image} -o ${out} --progress plain & p=$!; sleep 8; kill -TERM $p; wait $p`,
      );
      assert.equal(r.code, 143, r.stderr);
      assert.match(r.stderr, /interrupted by SIGTERM/);
      await assertNothingLeft(user, ["live.iso"]);
    });

    await t.step(
      "a file the user cannot read: exit 2 naming it, before any heavy step",
      async () => {
        const tree = `${user.home}/tree`;
        const made = await asUser(
          user,
          `mkdir -p ${tree}/etc ${tree}/root && echo x > ${tree}/etc/shadow && chmod 000 ${tree}/etc/shadow ${tree}/root`,
        );
        assert.equal(made.code, 0, made.stderr);
        const r = await asUser(user, `${CNISO} build --rootfs ${tree} -o ${user.home}/t.iso`);
        assert.equal(r.code, 2, r.stderr);
        assert.match(
          r.stderr,
          /cannot read 2 entries of .*tree as uid \d+: (\/etc\/shadow, \/root|\/root, \/etc\/shadow)\n/,
        );
        assert.match(r.stderr, /CAP_DAC_READ_SEARCH/);
        await asUser(user, `rm -rf ${tree}`);
        await assertNothingLeft(user, ["live.iso"]);
      },
    );

    await t.step(
      "an output directory another user can redirect: exit 2, nothing written",
      async () => {
        const open = `${user.shared}/open`;
        await Deno.mkdir(open);
        await Deno.chmod(open, 0o777); // writable by every user, not sticky
        const r = await asUser(user, `${CNISO} build ${image} -o ${open}/x.iso`);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /writable by every user/);
        assert.match(r.stderr, /a directory of your own/);
        assert.deepEqual([...Deno.readDirSync(open)], []);
        const chown = await asUser(
          user,
          `${CNISO} build ${image} -o ${user.home}/c.iso --chown 0:0`,
        );
        assert.equal(chown.code, 2, chown.stderr);
        assert.match(chown.stderr, /--chown 0:0: only root gives the ISO to another owner/);
        await assertNothingLeft(user, ["live.iso"]);
      },
    );

    await t.step(
      "podman unshare failing (a stand-in podman): exit 1 with how to fix it",
      async () => {
        const fake = `${user.shared}/fake-podman`;
        await Deno.mkdir(fake);
        await Deno.writeTextFile(
          `${fake}/podman`,
          '#!/bin/sh\n[ "$1" = unshare ] || exec /usr/bin/podman "$@"\n' +
            "echo 'Error: cannot set up namespace using \"/usr/bin/newuidmap\": exit status 1' >&2\n" +
            "exit 125\n",
        );
        await Deno.chmod(fake, 0o755);
        await Deno.chmod(`${fake}/podman`, 0o755);
        const r = await asUser(
          user,
          `PATH=${fake}:$PATH ${CNISO} build ${image} -o ${user.home}/u.iso`,
        );
        assert.equal(r.code, 1, r.stderr);
        assert.match(
          r.stderr,
          /cannot enter podman's user namespace \(podman unshare\): .*newuidmap/,
        );
        assert.match(r.stderr, /\/etc\/subuid/);
        await assertNothingLeft(user, ["live.iso"]);
      },
    );

    await t.step("boot-test (slow, QEMU): the user's ISO boots to the live system", async () => {
      const r = await asUser(user, `${CNISO} boot-test ${iso} --firmware bios --media usb`);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /PASS: .* booted \(.*\) to the live system/);
    });
  } finally {
    await Deno.remove(user.shared, { recursive: true }).catch(() => {});
    await removeUser();
  }
});

/** No mount in the user's storage, nothing in the home directory but `keep`, no work directory. */
async function assertNothingLeft(user: TestUser, keep: string[]): Promise<void> {
  const mounts = await asUser(user, "podman unshare podman image mount");
  assert.equal(mounts.code, 0, mounts.stderr);
  assert.equal(mounts.stdout.trim(), "", "nothing stays mounted in the user's storage");
  const names = [...Deno.readDirSync(user.home)].map((e) => e.name)
    .filter((n) => !n.startsWith(".") && n !== "cniso");
  assert.deepEqual(names.sort(), keep.sort(), "the home directory holds the ISO alone");
  const work = [...Deno.readDirSync(user.home)].filter((e) => e.name.startsWith(".cniso-"));
  assert.deepEqual(work, [], "no work directory is left");
}
