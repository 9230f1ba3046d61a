/**
 * The contract's newer layouts, built and booted (root, podman; slow: QEMU
 * under TCG): EFI files only where Fedora's packages or bootupd put them,
 * booted under Secure Boot; an image with three kernels, whose default by
 * version order boots, and whose other kernels boot from their own paths.
 */
import $ from "dax";
import assert from "node:assert/strict";
import { bootTest, IsoCache, ROOT_ON_OVERLAY } from "../../testing/boot.ts";
import { cniso, testImage, type TestImageName, withMountedImage } from "../../testing/images.ts";
import { inspectIso } from "../../testing/iso_inspect.ts";

const KVER = "6.1.0-";

const cache = new IsoCache("cniso-layout-isos-");

/** Builds (once per run) the ISO of a test image. */
function isoOf(name: TestImageName): Promise<{ iso: string; stderr: string }> {
  return cache.get(name, () => testImage(name));
}

/** The image's own kernel (Debian 12's), read from the mounted image. */
async function imageKernel(image: string): Promise<string> {
  return await withMountedImage(image, async (root) => {
    for await (const e of Deno.readDir(`${root}/usr/lib/modules`)) {
      if (e.name.startsWith(KVER)) return e.name;
    }
    throw new Error(`no ${KVER}* kernel in ${image}`);
  });
}

const boot = bootTest;

Deno.test("layouts (root, podman): EFI files only in /usr/lib/efi/<package>/<version>: the highest version is on the ISO", async () => {
  const image = await testImage("efi-packages");
  const check = await cniso(["check", image]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /version 15\.10-1, the highest of 15\.10-1, 15\.8-1/);
  const { iso, stderr } = await isoOf("efi-packages");
  assert.match(
    stderr,
    /shimx64\.efi: \/usr\/lib\/efi\/shim\/15\.10-1\/EFI\/debian\/shimx64\.efi \(version 15\.10-1, the highest of 15\.10-1, 15\.8-1\)/,
  );
  await inspectIso(iso, image, {
    label: "Debian-GNU-Linux-12",
    vendor: "debian",
    kernelVersion: await imageKernel(image),
    efi: {
      shim: "/usr/lib/efi/shim/15.10-1/EFI/debian/shimx64.efi",
      mm: "/usr/lib/efi/shim/15.10-1/EFI/debian/mmx64.efi",
      gcd: "/usr/lib/efi/grub2/2.06-13/EFI/debian/gcdx64.efi",
    },
  });
});

Deno.test("layouts (root, podman): EFI files only in bootupd's payload: vendor and files from there", async () => {
  const image = await testImage("efi-bootupd");
  const { iso } = await isoOf("efi-bootupd");
  const up = "/usr/lib/bootupd/updates/EFI/debian";
  await inspectIso(iso, image, {
    label: "Debian-GNU-Linux-12",
    vendor: "debian",
    kernelVersion: await imageKernel(image),
    efi: { shim: `${up}/shimx64.efi`, mm: `${up}/mmx64.efi`, gcd: `${up}/gcdx64.efi` },
  });
});

for (const [name, media] of [["efi-packages", "cd"], ["efi-bootupd", "usb"]] as const) {
  Deno.test(`layouts (slow, QEMU): ${name}: boots under Secure Boot from ${media}`, async () => {
    const r = await boot((await isoOf(name)).iso, [
      ...["--firmware", "uefi-secure", "--media", media, "--expect", ROOT_ON_OVERLAY],
    ]);
    assert.equal(r.code, 0, r.all);
  });
}

Deno.test("kernels (root, podman): three kernels: 6.10 is the default by version order, each has an entry", async () => {
  const image = await testImage("kernels");
  const { iso, stderr } = await isoOf("kernels");
  assert.match(stderr, /kernel 6\.10\.3-test: default: the highest version of 3/);
  const own = await imageKernel(image);
  await inspectIso(iso, image, {
    label: "Debian-GNU-Linux-12",
    vendor: "debian",
    kernelVersion: "6.10.3-test",
    otherKernels: ["6.9.12-test", own],
  });
  const cfgPath = `${iso}.grub.cfg`;
  await $`xorriso -osirrox on -indev ${iso} -extract /boot/grub/grub.cfg ${cfgPath}`.quiet();
  const cfg = await Deno.readTextFile(cfgPath);
  await Deno.remove(cfgPath);
  const entries = [...cfg.matchAll(/^menuentry '([^']*)'/gm)].map((m) => m[1]);
  const os = "Debian GNU/Linux 12 (bookworm)";
  assert.deepEqual(entries, [
    os,
    `${os} (kernel 6.9.12-test)`,
    `${os} (kernel ${own})`,
    `${os} (basic graphics)`,
  ]);
  assert.match(cfg, /linux '\/images\/pxeboot\/6\.9\.12-test\/vmlinuz' 'root=live:CDLABEL=/);
  assert.match(cfg, /initrd '\/images\/pxeboot\/6\.9\.12-test\/initrd\.img'/);
  // --default-kernel-only and --kernel, as the plan shows them.
  const only = await cniso(["build", image, "--dry-run", "--default-kernel-only"]);
  assert.equal(only.code, 0, only.stderr);
  assert.doesNotMatch(only.stdout, /\/images\/pxeboot\/6\./);
  const picked = await cniso(["build", image, "--dry-run", "--kernel", "6.9.12-test"]);
  assert.match(
    picked.stdout,
    /\/images\/pxeboot\/vmlinuz\s+<- .*\/usr\/lib\/modules\/6\.9\.12-test\/vmlinuz/,
  );
});

Deno.test("kernels (slow, QEMU): the default entry boots the default kernel to the live root", async () => {
  const log = await Deno.makeTempFile({ prefix: "cniso-kernels-serial-" });
  try {
    const r = await boot((await isoOf("kernels")).iso, [
      ...["--firmware", "bios", "--expect", ROOT_ON_OVERLAY, "--serial-log", log],
    ]);
    assert.equal(r.code, 0, r.all);
    // GRUB tells the kernel which file it booted.
    assert.match(
      await Deno.readTextFile(log),
      /Kernel command line: BOOT_IMAGE=\/images\/pxeboot\/vmlinuz /,
    );
  } finally {
    await Deno.remove(log);
  }
});

Deno.test("kernels (slow, QEMU): another kernel's entry boots it from its own directory", async () => {
  const r = await boot((await isoOf("kernels")).iso, [
    ...["--firmware", "uefi", "--entry", "Debian GNU/Linux 12 (bookworm) (kernel 6.9.12-test)"],
    ...["--expect", "Kernel command line: BOOT_IMAGE=/images/pxeboot/6\\.9\\.12-test/vmlinuz "],
  ]);
  assert.equal(r.code, 0, r.all);
});

Deno.test("layouts: remove the ISOs", async () => {
  await cache.remove();
});
