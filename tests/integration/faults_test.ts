/**
 * Fault injection: missing executables, a tool that crashes, a full disk,
 * signals at each step, two concurrent builds of one image. After each: the
 * right exit code and message, and no mounted image, temp directory or
 * partial ISO. The tree-based cases use `--rootfs --no-bios` (no root needed);
 * the image-based ones need root and podman.
 */
import $ from "dax";
import assert from "node:assert/strict";
import {
  cniso,
  payloadImage,
  spawnCniso,
  testImage,
  waitForProcess,
} from "../../testing/images.ts";
import { fakePath, sleeperScript } from "../../testing/fake_tools.ts";
import { report } from "../../testing/iso_inspect.ts";
import { makeTree, put } from "../../testing/tree.ts";

function leftovers(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name);
}

async function mounted(): Promise<string> {
  return (await $`podman image mount`.text()).trim();
}

/** Builds a test tree (`--rootfs --no-bios`) with only `PATH` on the PATH; nothing may be left. */
async function buildWithPath(bin: string) {
  const root = await makeTree();
  const out = await Deno.makeTempDir();
  try {
    const r = await cniso(["build", "--rootfs", root, "--no-bios", "-o", out], {
      env: { PATH: bin },
    });
    assert.deepEqual(leftovers(out), [], "nothing left at the output");
    return r;
  } finally {
    for (const d of [bin, root, out]) await Deno.remove(d, { recursive: true });
  }
}

Deno.test("fault: a missing executable names its package (exit 1)", async () => {
  const r = await buildWithPath(await fakePath({ xorriso: null, implantisomd5: null }));
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /missing executables: xorriso, implantisomd5/);
  assert.match(r.stderr, /apt-get install xorriso isomd5sum/);
});

Deno.test("fault: a tool that crashes: exit 1 with its last output, nothing left", async () => {
  const r = await buildWithPath(
    await fakePath({ mksquashfs: 'echo "mksquashfs: about to crash" >&2; kill -SEGV $$' }),
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /mksquashfs failed \(exit code 139, killed by SIGSEGV\) during "squashfs of the image"/,
  );
  assert.match(r.stderr, /about to crash/);
});

Deno.test("fault (root): a full disk: exit 1, 'disk is full', the work files removed", async () => {
  const mnt = await Deno.makeTempDir({ prefix: "cniso-full-" });
  const root = await makeTree();
  try {
    await $`mount -t tmpfs -o size=8m tmpfs ${mnt}`;
    // 16 MiB that do not compress: the squashfs cannot fit in 8 MiB.
    const noise = new Uint8Array(16 * 1024 * 1024);
    for (let i = 0; i < noise.length; i += 65536) {
      crypto.getRandomValues(noise.subarray(i, i + 65536));
    }
    await Deno.writeFile(`${root}/noise.bin`, noise);
    const r = await cniso(["build", "--rootfs", root, "--no-bios", "-o", `${mnt}/x.iso`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /the disk is full/);
    assert.deepEqual(leftovers(mnt), []);
  } finally {
    await $`umount ${mnt}`.noThrow();
    await Deno.remove(mnt, { recursive: true });
    await Deno.remove(root, { recursive: true });
  }
});

// A step that takes long enough to be interrupted: the tool is replaced by a sleeper.
for (
  const [tool, signal, code] of [
    ["grub-mkimage", "SIGINT", 130],
    ["mkfs.fat", "SIGTERM", 143],
    ["xorriso", "SIGINT", 130],
    ["implantisomd5", "SIGTERM", 143],
    // A dropped ssh session.
    ["mksquashfs", "SIGHUP", 129],
  ] as const
) {
  Deno.test(`fault (root, podman): ${signal} while ${tool} runs: exit ${code}, nothing left`, async () => {
    const image = await testImage("live");
    // A duration no other process has, so the sleeper is found by its command line.
    const sleeper = `sleep 120.${Math.floor(Math.random() * 1e6)}`;
    const bin = await fakePath({ [tool]: sleeperScript(sleeper) });
    const out = await Deno.makeTempDir({ prefix: "cniso-signal-" });
    try {
      // The sleeper shadows the real tool; podman still finds what it needs.
      const child = spawnCniso(["build", image, "-o", out], {
        PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`,
      });
      assert.ok(await waitForProcess(`^${sleeper}$`), `${tool} (the sleeper) started`);
      child.kill(signal);
      const result = await child.output();
      const stderr = new TextDecoder().decode(result.stderr);
      assert.equal(result.code, code, stderr);
      assert.match(stderr, new RegExp(`interrupted by ${signal}`));
      assert.deepEqual(leftovers(out), []);
      assert.equal(await mounted(), "");
      assert.equal(
        await $`pgrep -f ${`^${sleeper}$`}`.noThrow().quiet().code(),
        1,
        "the tool was stopped",
      );
    } finally {
      await Deno.remove(bin, { recursive: true });
      await Deno.remove(out, { recursive: true });
    }
  });
}

Deno.test("fault (root, podman): SIGINT while mksquashfs reads a payload's view: exit 130, no mount left anywhere", async () => {
  const image = await testImage("live");
  const payload = await payloadImage("payload-b");
  const sleeper = `sleep 120.${Math.floor(Math.random() * 1e6)}`;
  const bin = await fakePath({ mksquashfs: sleeperScript(sleeper) });
  const out = await Deno.makeTempDir({ prefix: "cniso-signal-" });
  try {
    const child = spawnCniso(["build", image, "-o", out, "--payload", payload], {
      PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`,
    });
    assert.ok(await waitForProcess(`^${sleeper}$`), "mksquashfs (the sleeper) started");
    // The view is mounted, in the namespace only: the host never sees it.
    assert.doesNotMatch(
      await Deno.readTextFile("/proc/self/mountinfo"),
      /cniso-view|\/payload\/view/,
    );
    child.kill("SIGINT");
    const result = await child.output();
    const stderr = new TextDecoder().decode(result.stderr);
    assert.equal(result.code, 130, stderr);
    assert.deepEqual(leftovers(out), []);
    assert.equal(await mounted(), "");
    assert.doesNotMatch(await Deno.readTextFile("/proc/self/mountinfo"), new RegExp(out));
  } finally {
    await Deno.remove(bin, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("fault (root, podman): skopeo fails copying a payload: exit 1 with its output, nothing left", async () => {
  const image = await testImage("live");
  const payload = await payloadImage("payload-b");
  const podman = await $.which("podman");
  const bin = await fakePath({
    // A store cniso cannot read in place (so skopeo copies), and a skopeo that fails.
    podman: `if [ "$1" = info ]; then printf '/x\\tvfs\\n'; exit 0; fi\nexec ${podman} "$@"`,
    skopeo: 'echo "skopeo: writing blob: no luck" >&2; exit 1',
  });
  const out = await Deno.makeTempDir({ prefix: "cniso-skopeo-" });
  try {
    const r = await cniso(["build", image, "-o", out, "--payload", payload], {
      env: { PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin` },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /skopeo failed \(exit code 1\) during "payload localhost\/cniso-payload-b:latest"/,
    );
    assert.match(r.stderr, /writing blob: no luck/);
    assert.deepEqual(leftovers(out), []);
    assert.equal(await mounted(), "");
  } finally {
    await Deno.remove(bin, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("fault (root, podman): two concurrent builds of one image both succeed and unmount", async () => {
  const image = await testImage("live");
  const out = await Deno.makeTempDir({ prefix: "cniso-concurrent-" });
  try {
    const [a, b] = await Promise.all([
      cniso(["build", image, "-o", `${out}/a.iso`]),
      cniso(["build", image, "-o", `${out}/b.iso`]),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    for (const iso of ["a.iso", "b.iso"]) {
      assert.equal((await report(`${out}/${iso}`)).volumeId, "CNISO-TEST-2");
    }
    assert.deepEqual((leftovers(out)).sort(), ["a.iso", "b.iso"]);
    assert.equal(await mounted(), "");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("build (root): the ISO belongs to the output directory's owner, or to --chown", async () => {
  const root = await makeTree();
  const out = await Deno.makeTempDir();
  try {
    await put(root, "etc/hostname", "x\n");
    await Deno.chown(out, 4242, 4343);
    const r = await cniso(["build", "--rootfs", root, "--no-bios", "-o", `${out}/a.iso`]);
    assert.equal(r.code, 0, r.stderr);
    const a = await Deno.stat(`${out}/a.iso`);
    assert.deepEqual([a.uid, a.gid], [4242, 4343]);
    const r2 = await cniso([
      "build",
      "--rootfs",
      root,
      "--no-bios",
      "-o",
      `${out}/b.iso`,
      "--chown",
      "1001:1002",
    ]);
    assert.equal(r2.code, 0, r2.stderr);
    const b = await Deno.stat(`${out}/b.iso`);
    assert.deepEqual([b.uid, b.gid], [1001, 1002]);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});
