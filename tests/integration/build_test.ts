/**
 * Integration: real images (built with podman), real ISOs (built by the CLI
 * with the real tools), inspected with independent tools. Needs root.
 */
import $ from "dax";
import assert from "node:assert/strict";
import {
  cniso,
  spawnCniso,
  testImage,
  waitForProcess,
  withMountedImage,
} from "../../testing/images.ts";
import { inspectIso } from "../../testing/iso_inspect.ts";

async function kernelVersion(image: string) {
  return await withMountedImage(image, async (root) => {
    const names: string[] = [];
    for await (const e of Deno.readDir(`${root}/usr/lib/modules`)) names.push(e.name);
    assert.equal(names.length, 1);
    return names[0];
  });
}

async function mountedImages(): Promise<string> {
  return (await $`podman image mount`.text()).trim();
}

Deno.test("build (root, podman): iso.yaml at the second path, own label, non-first default", async () => {
  const image = await testImage("live");
  const dir = await Deno.makeTempDir({ prefix: "cniso-build-" });
  try {
    const iso = `${dir}/x.iso`;
    const r = await cniso(["build", image, "-o", iso]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${iso} \\(\\d+ MiB\\)`));
    // One line per step with its duration when not on a terminal.
    assert.match(r.stderr, /\[2\/\d\] squashfs of the image \.\.\. \d+\.\ds/);
    // The broken neighbours use paths that are not on the ISO: cniso warns.
    assert.match(r.stderr, /warning: .*no-such-initrd\.img is not on the ISO/);
    await inspectIso(iso, image, {
      label: "CNISO-TEST-2",
      vendor: "debian",
      kernelVersion: await kernelVersion(image),
    });
    const cfg =
      await $`xorriso -osirrox on -indev ${iso} -extract /boot/grub2/grub.cfg ${dir}/grub.cfg`
        .quiet().then(() => Deno.readTextFile(`${dir}/grub.cfg`));
    assert.match(cfg, /^set default=1$/m);
    assert.match(cfg, /search --no-floppy --set=root --label 'CNISO-TEST-2'/);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["grub.cfg", "x.iso"]);
    assert.equal(await mountedImages(), "", "nothing left mounted");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build (root, podman): no iso.yaml: label from os-release, generated entry, output dir", async () => {
  const image = await testImage("noyaml");
  const dir = await Deno.makeTempDir({ prefix: "cniso-build-" });
  try {
    const r = await cniso(["build", image, "--output", dir, "--compression", "gzip:1"]);
    assert.equal(r.code, 0, r.stderr);
    const iso = `${dir}/Debian-GNU-Linux-12.iso`;
    await inspectIso(iso, image, {
      label: "Debian-GNU-Linux-12",
      vendor: "debian",
      kernelVersion: await kernelVersion(image),
    });
    await $`xorriso -osirrox on -indev ${iso} -extract /EFI/BOOT/grub.cfg ${dir}/grub.cfg`.quiet();
    const cfg = await Deno.readTextFile(`${dir}/grub.cfg`);
    assert.match(
      cfg,
      /linux '\/images\/pxeboot\/vmlinuz' 'root=live:CDLABEL=Debian-GNU-Linux-12' 'rd\.live\.image' 'rd\.live\.overlay\.overlayfs=1'/,
    );
    assert.match(cfg, /menuentry 'Debian GNU\/Linux 12 \(bookworm\)'/);
    // What Fedora's and Debian's live media offer beside the live entry.
    // The image has no checkisomd5: dracut would refuse rd.live.check, so no such entry.
    assert.doesNotMatch(cfg, /check the medium first|rd\.live\.check/);
    assert.match(cfg, /menuentry 'Debian GNU\/Linux 12 \(bookworm\) \(basic graphics\)'/);
    assert.match(cfg, /^set default=0$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build (root, podman): --dry-run prints the plan and writes nothing", async () => {
  const image = await testImage("live");
  const dir = await Deno.makeTempDir({ prefix: "cniso-build-" });
  try {
    const r = await cniso(["build", image, "-o", dir, "--dry-run"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /label: {2}CNISO-TEST-2/);
    assert.match(r.stdout, /\/LiveOS\/squashfs\.img\s+<- .*squashfs\.img/);
    assert.match(r.stdout, /mksquashfs \/var\/lib\/containers\/storage\/.*\/merged /);
    assert.match(r.stdout, /xorriso -as mkisofs/);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    assert.equal(await mountedImages(), "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build (root, podman): a label mismatch stops the build; the flag turns it into a warning", async () => {
  const image = await testImage("badlabel");
  const dir = await Deno.makeTempDir({ prefix: "cniso-build-" });
  try {
    const r = await cniso(["build", image, "-o", dir]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /iso\.yaml:\d+:\d+: grub2\.entries\[0\]\.linux: root=live:CDLABEL=NOT-THIS-ISO does not match the ISO label "CNISO-BADLABEL"/,
    );
    assert.match(r.stderr, /--allow-label-mismatch/);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    assert.equal(await mountedImages(), "");
    const ok = await cniso(["build", image, "-o", dir, "--allow-label-mismatch"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /warning: .*NOT-THIS-ISO/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build (root, podman): SIGINT during mksquashfs leaves no mount, no temp files, no ISO", async () => {
  const image = await testImage("live");
  const dir = await Deno.makeTempDir({ prefix: "cniso-build-" });
  try {
    // xz is slow enough to be caught in the middle.
    const child = spawnCniso(["build", image, "-o", `${dir}/x.iso`, "--compression", "xz"]);
    assert.ok(await waitForProcess(`mksquashfs .*${dir}`), "mksquashfs started");
    child.kill("SIGINT");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 130, stderr);
    assert.match(stderr, /interrupted by SIGINT/);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no temp files, no ISO");
    assert.equal(await mountedImages(), "", "nothing left mounted");
    assert.equal(
      await $`pgrep -f ${"mksquashfs .*" + dir}`.noThrow().quiet().code(),
      1,
      "no mksquashfs left",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
