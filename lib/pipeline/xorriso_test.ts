import assert from "node:assert/strict";
import { EFI_PART_TYPE, MBR_PART_TYPE, xorrisoArgs, type XorrisoOptions } from "./xorriso.ts";

const base: XorrisoOptions = {
  output: "/w/out.iso",
  volumeId: "My-Live",
  epoch: 1700000000,
  efi: { espImage: "/w/efiboot.img" },
  files: [
    { target: "/LiveOS/squashfs.img", source: "/w/squashfs.img" },
    { target: "/odd=name", source: "/w/a\\b" },
  ],
};
const bios = {
  ...base,
  bios: { hybridMbr: "/w/i386-pc/boot_hybrid.img", eltoritoImage: "/images/eltorito.img" },
};

/** The values that follow `flag` (n of them). */
function after(args: string[], flag: string, n = 1): string[] {
  const i = args.indexOf(flag);
  assert.ok(i >= 0, `no ${flag} in ${args.join(" ")}`);
  return args.slice(i + 1, i + 1 + n);
}

Deno.test("xorriso options: output and volume id", () => {
  const args = xorrisoArgs(base);
  assert.deepEqual(args.slice(0, 2), ["-as", "mkisofs"]);
  assert.deepEqual(after(args, "-o"), ["/w/out.iso"]);
  assert.deepEqual(after(args, "-V"), ["My-Live"]);
  assert.ok(args.includes("-r") && args.includes("-J"), "Rock Ridge (owner root) and Joliet");
  assert.deepEqual(after(args, "--set_all_file_dates"), ["=1700000000"], "every date is the epoch");
  assert.deepEqual(after(args, "-iso-level"), ["3"]);
});

Deno.test("xorriso options: efi: the ESP image appended as GPT partition 2 and booted from there", () => {
  const args = xorrisoArgs(base);
  assert.deepEqual(after(args, "-append_partition", 3), ["2", EFI_PART_TYPE, "/w/efiboot.img"]);
  assert.ok(args.includes("-appended_part_as_gpt"));
  assert.deepEqual(after(args, "-partition_offset"), ["16"]);
  assert.deepEqual(after(args, "-iso_mbr_part_type"), [MBR_PART_TYPE]);
  assert.deepEqual(after(args, "-e", 2), [
    "--interval:appended_partition_2:all::",
    "-no-emul-boot",
  ]);
  assert.deepEqual(after(args, "-c", 2), ["boot.cat", "--boot-catalog-hide"]);
});

Deno.test("xorriso options: bios: hybrid MBR and GRUB's El Torito image, before the EFI entry", () => {
  const args = xorrisoArgs(bios);
  assert.deepEqual(after(args, "--grub2-mbr"), ["/w/i386-pc/boot_hybrid.img"]);
  assert.deepEqual(after(args, "-b", 6), [
    "images/eltorito.img",
    "-no-emul-boot",
    "-boot-load-size",
    "4",
    "-boot-info-table",
    "--grub2-boot-info",
  ]);
  assert.ok(
    args.indexOf("-eltorito-alt-boot") < args.indexOf("-e"),
    "EFI is the alternative entry",
  );
  const none = xorrisoArgs(base);
  for (const flag of ["--grub2-mbr", "-b", "-eltorito-alt-boot", "--grub2-boot-info"]) {
    assert.ok(!none.includes(flag), `UEFI-only: no ${flag}`);
  }
});

Deno.test("xorriso options: files as graft points, = and \\ escaped", () => {
  const args = xorrisoArgs(base);
  const grafts = args.slice(args.indexOf("-graft-points") + 1);
  assert.deepEqual(grafts, ["/LiveOS/squashfs.img=/w/squashfs.img", "/odd\\=name=/w/a\\\\b"]);
});
