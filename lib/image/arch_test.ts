import assert from "node:assert/strict";
import * as path from "node:path";
import { discover, type DiscoverOptions } from "./contract.ts";
import { ImageRoot } from "./image_root.ts";
import { KVER, makeTree, peHead, put } from "../../testing/tree.ts";

const X86 = { shim: "shimx64.efi", mm: "mmx64.efi", gcd: "gcdx64.efi" };
const ARM = { shim: "shimaa64.efi", mm: "mmaa64.efi", gcd: "gcdaa64.efi" };

/** The test tree with this kernel header, these EFI names, and BIOS modules or none. */
async function treeOf(machine: number | undefined, efi: typeof X86, bios: boolean) {
  const root = await makeTree();
  const kernel = path.join(root, `usr/lib/modules/${KVER}/vmlinuz`);
  if (machine !== undefined) await Deno.writeFile(kernel, peHead(machine));
  const esp = path.join(root, "boot/efi/EFI/debian");
  await Deno.remove(esp, { recursive: true });
  for (const file of Object.values(efi)) await put(root, `boot/efi/EFI/debian/${file}`, file);
  if (!bios) await Deno.remove(path.join(root, "usr/lib/grub/i386-pc"), { recursive: true });
  return root;
}

async function judge(root: string, options: DiscoverOptions) {
  try {
    const result = await discover(new ImageRoot(root), options);
    const arch = result.findings.find((f) => f.item === "architecture");
    assert.ok(arch, JSON.stringify(result.findings));
    return { ...result, arch };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("architecture: an arm64 image with an arm64 kernel: aa64 EFI names, no BIOS modules needed", async () => {
  const r = await judge(await treeOf(0xaa64, ARM, false), { configArch: "arm64" });
  assert.equal(r.contract?.arch, "aarch64");
  assert.equal(r.contract?.shim.imagePath, "/boot/efi/EFI/debian/shimaa64.efi");
  assert.equal(r.contract?.gcd.imagePath, "/boot/efi/EFI/debian/gcdaa64.efi");
  assert.equal(r.contract?.biosModules, undefined);
  assert.equal(r.arch.severity, "ok");
  assert.match(
    r.arch.detail,
    /^aarch64 \(the image's config: arm64; kernel 6\.1\.0-test: EFI-stub/,
  );
});

Deno.test("architecture: an x86_64 image is as before (x64 names, BIOS modules)", async () => {
  const r = await judge(await treeOf(0x8664, X86, true), { configArch: "amd64" });
  assert.equal(r.contract?.arch, "x86_64");
  assert.equal(r.contract?.shim.imagePath, "/boot/efi/EFI/debian/shimx64.efi");
  assert.equal(r.contract?.biosModules?.length, 15);
});

Deno.test("architecture: the config and the kernel disagree: bad input naming both", async () => {
  const r = await judge(await treeOf(0x8664, ARM, false), { configArch: "arm64" });
  assert.equal(r.contract, undefined);
  assert.equal(r.arch.severity, "error");
  assert.match(r.arch.detail, /config: arm64 says aarch64, but kernel 6\.1\.0-test is x86_64/);
  assert.match(r.arch.hint!, /--platform/);
  assert.equal(r.arch.where, `/usr/lib/modules/${KVER}/vmlinuz`);
});

Deno.test("architecture: --arch overrides a wrong config, and is itself checked against the kernel", async () => {
  const fixed = await judge(await treeOf(0xaa64, ARM, false), {
    configArch: "amd64",
    arch: "aarch64",
  });
  assert.equal(fixed.contract?.arch, "aarch64");
  assert.match(fixed.arch.detail, /--arch \(over the image's config: amd64\)/);
  const wrong = await judge(await treeOf(0xaa64, ARM, false), { arch: "x86_64" });
  assert.equal(wrong.arch.severity, "error");
  assert.match(wrong.arch.hint!, /leave --arch out/);
});

Deno.test("architecture: one cniso does not build for is refused, from the config or the kernel", async () => {
  const config = await judge(await treeOf(0x8664, X86, true), { configArch: "ppc64le" });
  assert.equal(config.arch.severity, "error");
  assert.match(config.arch.detail, /the image is ppc64le/);
  assert.match(config.arch.hint!, /x86_64 \(amd64\) and aarch64 \(arm64\)/);
  const kernel = await judge(await treeOf(0x5064, X86, true), {});
  assert.equal(kernel.arch.severity, "error");
  assert.match(kernel.arch.detail, /kernel 6\.1\.0-test is riscv64/);
});

Deno.test("architecture: without a config (--rootfs) the kernel decides; with neither, x86_64", async () => {
  const arm = await judge(await treeOf(0xaa64, ARM, false), {});
  assert.equal(arm.contract?.arch, "aarch64");
  const unknown = await judge(await treeOf(undefined, X86, true), {});
  assert.equal(unknown.contract?.arch, "x86_64");
  assert.match(unknown.arch.detail, /assumed/);
  // A header cniso does not know leaves the config's word standing.
  const declared = await judge(await treeOf(undefined, ARM, false), { configArch: "arm64" });
  assert.equal(declared.contract?.arch, "aarch64");
});

Deno.test("architecture: an arm64 image with only x64 EFI files names the aa64 ones it needs", async () => {
  const r = await judge(await treeOf(0xaa64, X86, false), { configArch: "arm64" });
  assert.equal(r.contract, undefined);
  const shim = r.findings.find((f) => f.item === "shimaa64.efi" && f.severity === "error");
  assert.ok(shim, JSON.stringify(r.findings));
  assert.match(
    shim.hint!,
    /shim-aa64; Debian: shim-signed \(copy \/usr\/lib\/shim\/shimaa64\.efi\.signed\)/,
  );
});

Deno.test("architecture: two kernels of different architectures (no config): the kernels disagree", async () => {
  const root = await treeOf(0xaa64, ARM, false);
  const other = path.join(root, "usr/lib/modules/6.0.0-other");
  await Deno.mkdir(other, { recursive: true });
  await Deno.writeFile(path.join(other, "vmlinuz"), peHead(0x8664));
  await Deno.writeTextFile(path.join(other, "initramfs.img"), "initramfs");
  const r = await judge(root, {});
  assert.equal(r.arch.severity, "error");
  assert.match(
    r.arch.detail,
    /kernel 6\.1\.0-test: EFI-stub kernel says aarch64, but kernel 6\.0\.0-other is x86_64/,
  );
  assert.match(r.arch.hint!, /--default-kernel-only/);
});
