/**
 * aarch64 (root, podman; slow: arm64 under TCG): an arm64 Debian 12 image made on this
 * x86_64 host (tests/fixtures/arm64) is judged, converted and its ISO inspected with
 * independent tools, then booted under AAVMF to the live system. One boot here (Secure
 * Boot from CD: the whole chain); the others (UEFI from USB and CD; Secure Boot with AAVMF's
 * own keys) in the release checks (release/aarch64_test.ts).
 */
import $ from "dax";
import assert from "node:assert/strict";
import {
  bootTest,
  IsoCache,
  only2023Vars,
  removeVars,
  ROOT_ON_OVERLAY,
} from "../../testing/boot.ts";
import { arm64Image, cniso, withMountedImage } from "../../testing/images.ts";
import { inspectIso, report } from "../../testing/iso_inspect.ts";

const cache = new IsoCache("cniso-aarch64-isos-");
const LABEL = "Debian-GNU-Linux-12";

/** The ISO of the arm64 image, built once for the file. */
export function arm64Iso() {
  return cache.get("arm64", arm64Image);
}

async function imageKernel(image: string): Promise<string> {
  return await withMountedImage(image, async (root) => {
    for await (const e of Deno.readDir(`${root}/usr/lib/modules`)) {
      if (e.name.endsWith("-arm64")) return e.name;
    }
    throw new Error(`no *-arm64 kernel in ${image}`);
  });
}

Deno.test("aarch64 (root, podman): check reports the architecture, from the config and the kernel's header", async () => {
  const image = await arm64Image();
  assert.equal(
    (await $`podman image inspect --format {{.Architecture}} ${image}`.text()).trim(),
    "arm64",
  );
  const r = await cniso(["check", image]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /architecture.*aarch64 \(the image's config: arm64; kernel \S+-arm64: EFI-stub kernel\)/,
  );
  assert.match(r.stdout, /shimaa64\.efi/);
  assert.match(r.stdout, /gcdaa64\.efi/);
  assert.doesNotMatch(r.stdout, /BIOS modules|i386-pc/);
  const json = JSON.parse((await cniso(["check", image, "--json"])).stdout);
  const arch = json.findings.find((f: { what: string }) => f.what === "architecture");
  assert.equal(arch.status, "ok");
});

Deno.test("aarch64 (root, podman): the UEFI-only ISO, inspected by independent tools", async () => {
  const image = await arm64Image();
  const { iso, stderr } = await arm64Iso();
  assert.match(stderr, /architecture aarch64: a UEFI-only ISO/);
  await inspectIso(iso, image, {
    arch: "aarch64",
    label: LABEL,
    vendor: "debian",
    kernelVersion: await imageKernel(image),
    bios: false,
  });
  // No BIOS boot record: El Torito has only the UEFI image, the MBR no boot code.
  assert.deepEqual((await report(iso)).elTorito, ["UEFI"]);
  const mbr = new Uint8Array(440);
  using f = await Deno.open(iso);
  await f.read(mbr);
  assert.ok(mbr.every((b) => b === 0), "the MBR holds no boot code");
  const listing = await $`xorriso -indev ${iso} -find / -type f`.stderr("null").text();
  assert.doesNotMatch(listing, /BOOTX64|x64\.efi|eltorito|i386-pc/);
});

Deno.test("aarch64 (root, podman): --arch is checked against the kernel; a --rootfs tree's kernel decides", async () => {
  const image = await arm64Image();
  await withMountedImage(image, async (root) => {
    const wrong = await cniso(["check", "--rootfs", root, "--arch", "x86_64"]);
    assert.equal(wrong.code, 2, wrong.stdout + wrong.stderr);
    assert.match(wrong.stdout, /--arch says x86_64, but kernel \S+-arm64 is aarch64/);
    // No --no-bios: implied for aarch64.
    const plan = await cniso(["build", "--rootfs", root, "--dry-run"]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /\/EFI\/BOOT\/BOOTAA64\.EFI/);
    assert.doesNotMatch(plan.stdout, /grub-mkimage|BOOTX64/);
  });
});

Deno.test("aarch64 (root): boot-test refuses what an arm64 ISO cannot boot with (exit 2)", async () => {
  const { iso } = await arm64Iso();
  for (
    const [args, says] of [
      [["--firmware", "bios"], /boots only under UEFI/],
      [["--firmware", "uefi", "--media", "file"], /not an aarch64 ISO/],
      [["--firmware", "uefi", "--accel", "kvm"], /KVM runs only x86_64 guests/],
    ] as const
  ) {
    const r = await cniso(["boot-test", iso, ...args]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, says);
  }
});

Deno.test("aarch64 (slow, QEMU): Secure Boot from CD: AAVMF verifies the image's shim, GRUB and kernel, and the live root comes up", async () => {
  const { iso } = await arm64Iso();
  // Firmware that trusts only Microsoft's UEFI CA 2023: shim's second signature (the release
  // checks boot its first, under AAVMF's own 2011 keys).
  const vars = await only2023Vars("aarch64");
  const r = await bootTest(iso, [
    ...["--firmware", "uefi-secure", "--ovmf-vars", vars, "--media", "cd"],
    ...["--expect", ROOT_ON_OVERLAY, "--timeout", "900"],
  ]);
  assert.equal(r.code, 0, r.all);
  assert.match(r.all, /PASS: .* booted \(uefi-secure, cd, tcg\)/);
});

Deno.test({
  name: "aarch64: remove the ISOs and the variable store",
  sanitizeResources: false,
  fn: async () => {
    await cache.remove();
    await removeVars();
  },
});
