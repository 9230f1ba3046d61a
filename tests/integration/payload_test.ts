/**
 * Installer payloads (--payload): real images embedded by a real build, then
 * proven on the host from the ISO alone. The squashfs is extracted, and podman
 * runs the payloads from that storage: the host's image IDs, the whiteout and
 * the opaque directory of payload-a's top layer kept. The image's own files
 * are compared with a build without payload. Needs root and podman.
 */
import $ from "dax";
import assert from "node:assert/strict";
import { fakePath } from "../../testing/fake_tools.ts";
import { cniso, payloadImage, testImage } from "../../testing/images.ts";

const STORE = "var/lib/containers/storage";

/** Builds an ISO of the live test image into `dir` and extracts its squashfs there. */
async function buildAndExtract(
  dir: string,
  name: string,
  args: string[],
  env?: Record<string, string>,
) {
  const image = await testImage("live");
  const iso = `${dir}/${name}.iso`;
  const r = await cniso(["build", image, "-o", iso, "--progress", "plain", ...args], { env });
  assert.equal(r.code, 0, r.stderr);
  const squashfs = `${dir}/${name}.squashfs`;
  await $`xorriso -osirrox on -indev ${iso} -extract /LiveOS/squashfs.img ${squashfs}`.quiet();
  return { squashfs, stderr: r.stderr };
}

/** The squashfs's listing with directory sizes left out (a directory with one entry more grows). */
async function listing(squashfs: string): Promise<Set<string>> {
  const text = await $`unsquashfs -lln -d / ${squashfs}`.text();
  return new Set(
    text.split("\n").filter((l) => /^[-dlcbps]/.test(l)).map((l) =>
      l.startsWith("d") ? l.replace(/^(\S+ \S+)\s+\d+/, "$1") : l
    ),
  );
}

/** The path of a listing's line (after the date and time; a link's target left out). */
function entryPath(line: string): string {
  const m = /\d{4}-\d\d-\d\d \d\d:\d\d \/+(.*?)(?: -> .*)?$/.exec(line);
  assert.ok(m, line);
  return `/${m[1]}`;
}

async function hostId(ref: string): Promise<string> {
  return (await $`podman image inspect --format {{.Id}} ${ref}`.text()).trim();
}

/**
 * Builds with payload-a and payload-b, then proves from the ISO alone: the
 * image's entries unchanged, podman runs both payloads from the extracted
 * store with the host's IDs, the whiteout and the opaque directory kept.
 */
async function provePayloads(step: RegExp, env?: Record<string, string>) {
  const a = await payloadImage("payload-a");
  const b = await payloadImage("payload-b");
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-payload-" });
  try {
    const built = await buildAndExtract(dir, "with", ["--payload", a, "--payload", b], env);
    assert.match(built.stderr, step, "the payload's progress step");
    assert.match(
      built.stderr,
      /payload: 2 images, [\d.]+ MiB unpacked, in \/var\/lib\/containers\/storage; roughly \d+ % of the ISO/,
    );
    const bare = await buildAndExtract(dir, "without", []);

    // The image's own entries are all there, as they were; what is new is the payload's.
    const withPayload = await listing(built.squashfs);
    const without = await listing(bare.squashfs);
    for (const line of without) assert.ok(withPayload.has(line), `changed or missing: ${line}`);
    const added = [...withPayload].filter((l) => !without.has(l)).map(entryPath);
    const allowed = [
      `/${STORE}`,
      "/var/lib/containers",
      "/usr/lib/cniso",
      "/usr/lib/systemd/system/cniso-payload-store.service",
      "/usr/lib/systemd/system/sysinit.target.wants/cniso-payload-store.service",
    ];
    for (const p of added) {
      assert.ok(allowed.some((a) => p === a || p.startsWith(`${a}/`)), `unexpected: ${p}`);
    }

    // The store, from the ISO alone: podman runs both payloads from it.
    const x = `${dir}/x`;
    await $`unsquashfs -q -d ${x} ${built.squashfs} ${STORE}`.quiet();
    const podman = ["--root", `${x}/${STORE}`, "--runroot", `${dir}/run`];
    const ids = (await $`podman ${podman} images --no-trunc --format {{.ID}}`.text()).split("\n");
    for (const ref of [a, b]) {
      const id = await hostId(ref);
      assert.ok(ids.some((i) => i.endsWith(id)), `${ref} has the host's ID ${id}: ${ids}`);
    }
    const ranA = await $`podman ${podman} run --rm --network none ${a}`.text();
    assert.equal(ranA.trim(), "payload-a: kept opq / opq: new", "deleted and opq/old stay gone");
    assert.equal((await $`podman ${podman} run --rm --network none ${b}`.text()).trim(), "b");
    await $`podman ${podman} rm -a -f`.quiet().noThrow();

    // The top layer holds the whiteout as a 0/0 character device and the opaque directory's xattr.
    const whiteouts = (await $`find ${x}/${STORE}/overlay -path ${"*/diff/data/deleted"} -type c`
      .text()).trim().split("\n").filter(Boolean);
    assert.equal(whiteouts.length, 1, "one whiteout");
    assert.equal((await $`stat -c %t:%T ${whiteouts[0]}`.text()).trim(), "0:0");
    const opq = whiteouts[0].replace(/deleted$/, "opq");
    const xattr = await $`getfattr --only-values -n trusted.overlay.opaque ${opq}`.text();
    assert.equal(xattr.trim(), "y");
    assert.equal((await $`podman image mount`.text()).trim(), "", "nothing left mounted");
  } finally {
    await $`umount -R ${dir}/run`.quiet().noThrow();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("payload (root, podman): two payloads, layers read in place from the host's store, run from the extracted squashfs with the host's IDs, whiteouts kept, the image's files unchanged", async () => {
  await provePayloads(/\[2\/8\] payload: 2 images, layers read in place/);
});

Deno.test("payload (root, podman): the same through skopeo, when the host's store is not plain overlay (a stand-in podman says vfs)", async () => {
  const bin = await fakePath({
    podman:
      `if [ "$1" = info ]; then printf '/var/lib/containers/storage\\tvfs\\n'; exit 0; fi\nexec ${await $
        .which(
          "podman",
        )} "$@"`,
  });
  try {
    await provePayloads(
      /payload: copied by skopeo \(the host's storage driver is vfs\)[\s\S]*payload: 2 images \(containers-storage, copied by skopeo\)/,
      { PATH: `${bin}:${Deno.env.get("PATH")}` },
    );
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
});

Deno.test("payload (root, podman): --payload-bound embeds no host image a payload picks; only those the user names too", async () => {
  const a = await payloadImage("payload-a");
  const b = await payloadImage("payload-b");
  const image = await testImage("live");
  // payload-a binds payload-b, which is in local storage: a payload's choice, so left out.
  const r = await cniso(["check", image, "--payload", a, "--payload-bound", "--json"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const doc = JSON.parse(r.stdout);
  const rows = doc.findings.filter((f: { what: string }) => /payload|bound/.test(f.what));
  const byWhere = (x: string[], y: string[]) => x[2] < y[2] ? -1 : 1;
  assert.deepEqual(
    rows.map((f: { what: string; status: string; where: string }) => [f.what, f.status, f.where])
      .sort(byWhere),
    [
      ["payload", "ok", a],
      ["bound image", "warning", "localhost/cniso-payload-b:latest"],
      ["bound image", "warning", "localhost/cniso-no-such-image:1"],
      [
        "bound image",
        "warning",
        "containers-storage:[overlay@/tmp/cniso-evil-store+/tmp/cniso-evil-run]x",
      ],
    ].sort(byWhere),
  );
  const bRow = rows.find((f: { where: string }) => f.where === "localhost/cniso-payload-b:latest");
  assert.match(bRow.detail, /b\.image\): left out \(a payload does not choose/);
  assert.match(bRow.hint, /name it too: --payload localhost\/cniso-payload-b:latest/);
  const evil = rows.find((f: { where: string }) => /evil/.test(f.where));
  assert.match(evil.detail, /not a full reference/);
  for (const p of ["/tmp/cniso-evil-store", "/tmp/cniso-evil-run"]) {
    assert.equal(await Deno.lstat(p).catch(() => undefined), undefined, `podman never saw ${p}`);
  }
  const dry = await cniso(["build", image, "--payload", a, "--payload-bound", "--dry-run"]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.doesNotMatch(dry.stdout, /cniso-payload-b/, "not in the plan");
  assert.match(dry.stderr, /warning: localhost\/cniso-payload-b:latest: named by .*left out/);
  // Named by the user too: embedded, and the bound row says so.
  const both = await cniso([
    "check",
    image,
    "--payload",
    a,
    "--payload",
    b,
    "--payload-bound",
    "--json",
  ]);
  assert.equal(both.code, 0, both.stdout + both.stderr);
  const named = JSON.parse(both.stdout).findings.find((f: { what: string; where: string }) =>
    f.what === "bound image" && f.where === "localhost/cniso-payload-b:latest"
  );
  assert.equal(named.status, "ok");
  assert.match(named.detail, /embedded: you named it/);
});

Deno.test("payload (root, podman): an ID takes no host tag; a digest reference is the name; host signatures stay home", async () => {
  const a = await payloadImage("payload-a");
  const image = await testImage("live");
  const id = await hostId(a);
  // An internal-looking second name on the host: it must not reach the ISO.
  await $`podman tag ${a} internal.corp.example/team/payload-a:secret`;
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-payload-names-" });
  try {
    const byId = await cniso(["check", image, "--payload", id.slice(0, 12)]);
    assert.equal(byId.code, 2, byId.stdout + byId.stderr);
    assert.match(byId.stderr, /no name for it in the ISO .*internal registry/);
    const digest = (await $`podman image inspect --format {{.Digest}} ${a}`.text()).trim();
    const ref = `localhost/cniso-payload-a@${digest}`;
    const built = await buildAndExtract(dir, "digest", ["--payload", ref]);
    await $`unsquashfs -q -d ${dir}/x ${built.squashfs} ${STORE}/overlay-images`.quiet();
    const records = await Deno.readTextFile(`${dir}/x/${STORE}/overlay-images/images.json`);
    assert.doesNotMatch(records, /internal\.corp\.example/);
    const names = JSON.parse(records).map((i: { names: string[] }) => i.names);
    assert.deepEqual(names, [[ref]]);
    // Signatures: the record keeps no sizes and the files are empty.
    for await (const e of Deno.readDir(`${dir}/x/${STORE}/overlay-images/${id}`)) {
      if (atob(e.name.slice(1)).startsWith("signature-")) {
        assert.equal((await Deno.stat(`${dir}/x/${STORE}/overlay-images/${id}/${e.name}`)).size, 0);
      }
    }
  } finally {
    await $`podman untag ${a} internal.corp.example/team/payload-a:secret`.noThrow();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("payload (root, podman): --payload-format oci writes an OCI layout whose layers carry the whiteouts", async () => {
  const a = await payloadImage("payload-a");
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-payload-oci-" });
  try {
    const built = await buildAndExtract(dir, "oci", ["--payload", a, "--payload-format", "oci"]);
    await $`unsquashfs -q -d ${dir}/x ${built.squashfs} var/lib/cniso/payload`.quiet();
    const layout = `${dir}/x/var/lib/cniso/payload`;
    const manifest = JSON.parse(await $`skopeo inspect --raw ${`oci:${layout}:${a}`}`.text());
    assert.equal(manifest.config.digest, `sha256:${await hostId(a)}`, "the host's image ID");
    const names: string[] = [];
    for (const layer of manifest.layers) {
      const blob = `${layout}/blobs/sha256/${layer.digest.replace("sha256:", "")}`;
      names.push(...(await $`tar -tf ${blob}`.text()).split("\n"));
    }
    assert.ok(names.includes("data/.wh.deleted"), names.join(" "));
    assert.ok(names.includes("data/opq/.wh..wh..opq"), names.join(" "));
    await $`unsquashfs -q -d ${dir}/y ${built.squashfs} usr/lib/cniso`.quiet().noThrow();
    assert.ok(!(await Deno.stat(`${dir}/y/usr/lib/cniso`).catch(() => undefined)), "no boot unit");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
