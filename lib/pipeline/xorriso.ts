/**
 * xorriso's arguments for the hybrid ISO, from typed options per boot type
 * (as osbuild builds its xorrisofs options): BIOS from CD and USB through
 * GRUB's El Torito image and hybrid MBR, UEFI from CD and USB through the EFI
 * system partition appended as a GPT partition. Pure.
 */
import { BOOT_CATALOG, isoRelative } from "../iso/layout.ts";

/** GPT type of the EFI system partition, and of the ISO's own partition in the MBR. */
export const EFI_PART_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
export const MBR_PART_TYPE = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";

export interface XorrisoOptions {
  /** The ISO file to write. */
  output: string;
  /** The volume id (the label). */
  volumeId: string;
  /**
   * The one time on the ISO (also SOURCE_DATE_EPOCH in xorriso's environment,
   * which sets the volume dates and the GPT GUIDs): every file's dates.
   */
  epoch: number;
  /** BIOS boot; absent for a UEFI-only ISO. */
  bios?: {
    /** GRUB's boot_hybrid.img, the MBR that boots the ISO from USB. */
    hybridMbr: string;
    /** The El Torito image's path on the ISO. */
    eltoritoImage: string;
  };
  /** UEFI boot: the FAT image appended as partition 2, also the El Torito EFI image. */
  efi: { espImage: string };
  /** Files on the ISO: target path -> host path. */
  files: { target: string; source: string }[];
}

export function xorrisoArgs(o: XorrisoOptions): string[] {
  return [
    // -r: Rock Ridge with owner root and read permissions for all, whoever built it with what umask.
    ...["-as", "mkisofs", "-o", o.output, "-r", "-J", "-V", o.volumeId],
    ...["--set_all_file_dates", `=${o.epoch}`],
    // Level 3 lets a squashfs of 4 GiB or more be stored; smaller files are laid out as at level 2.
    ...["-iso-level", "3"],
    ...(o.bios ? ["--grub2-mbr", o.bios.hybridMbr] : []),
    ...["-partition_offset", "16", "-appended_part_as_gpt"],
    ...["-append_partition", "2", EFI_PART_TYPE, o.efi.espImage],
    ...["-iso_mbr_part_type", MBR_PART_TYPE],
    ...["-c", isoRelative(BOOT_CATALOG), "--boot-catalog-hide"],
    ...(o.bios ? biosElTorito(o.bios.eltoritoImage) : []),
    ...["-e", "--interval:appended_partition_2:all::", "-no-emul-boot"],
    "-graft-points",
    ...o.files.map((p) => `${graftEscape(p.target)}=${graftEscape(p.source)}`),
  ];
}

/** GRUB's El Torito image: no emulation, 4 sectors loaded, GRUB's boot info patched in. */
function biosElTorito(image: string): string[] {
  return [
    ...["-b", isoRelative(image), "-no-emul-boot", "-boot-load-size", "4"],
    ...["-boot-info-table", "--grub2-boot-info", "-eltorito-alt-boot"],
  ];
}

/** In mkisofs graft points `=` separates the two paths; a literal one (or `\`) is escaped. */
function graftEscape(p: string): string {
  return p.replace(/[\\=]/g, (c) => `\\${c}`);
}
