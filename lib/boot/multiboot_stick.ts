/**
 * boot-test --media file: the ISO as a file on a multiboot USB stick, booted
 * the way GRUB-based multiboot tools boot it. The stick is a disk image with
 * one MBR partition holding ext4 with the ISO at /isos/; a GRUB rescue image
 * of the host's own GRUB (grub-mkrescue) finds the file, makes a loop device
 * of it the root, sets iso_path and runs the ISO's /boot/grub/loopback.cfg.
 * QEMU gets the GRUB image as its CD and the stick as a USB disk, so that
 * dracut's iso-scan must find the ISO file on the stick, as on real hardware.
 */
import * as path from "node:path";
import type { Cleanup } from "../cleanup.ts";
import { ToolError } from "../errors.ts";
import { runBytes } from "../run.ts";
import { makeTempDir } from "../temp_dir.ts";
import { requireTools } from "../tools.ts";

/** The ISO's path on the stick (a plain name: it is written into GRUB's script). */
export const STICK_ISO_PATH = "/isos/live.iso";
const PARTITION_OFFSET = 1024 * 1024;

export interface MultibootStick {
  /** The GRUB rescue image: QEMU's CD. */
  grubImage: string;
  /** The disk image holding the ISO as a file: QEMU's USB disk. */
  stick: string;
}

/** The GRUB script of the stick's own GRUB: GLIM's and Super GRUB2 Disk's loopback dance. */
export function stickGrubConfig(isoPath: string): string {
  return [
    "serial --unit=0 --speed=115200",
    "terminal_input console serial",
    "terminal_output console serial",
    "insmod part_msdos",
    "insmod ext2",
    "insmod iso9660",
    "insmod loopback",
    `search --no-floppy --set=stick --file ${isoPath}`,
    `set iso_path=${isoPath}`,
    "export iso_path",
    "loopback loop ($stick)$iso_path",
    "set root=(loop)",
    "configfile /boot/grub/loopback.cfg",
    "",
  ].join("\n");
}

export async function makeMultibootStick(iso: string, cleanup: Cleanup): Promise<MultibootStick> {
  const tools = await requireTools(["grub-mkrescue", "sfdisk", "mkfs.ext4", "xorriso"]);
  const dir = await makeTempDir("cniso-stick-");
  cleanup.defer("remove the multiboot stick", () => Deno.remove(dir, { recursive: true }));
  const files = path.join(dir, "files");
  await Deno.mkdir(path.join(files, path.dirname(STICK_ISO_PATH)), { recursive: true });
  // mkfs.ext4 -d copies what it finds there: a hard link spares a copy of a big ISO.
  const onStick = path.join(files, STICK_ISO_PATH);
  const real = await Deno.realPath(iso);
  await Deno.link(real, onStick).catch(() => Deno.copyFile(real, onStick));
  const stick = path.join(dir, "stick.img");
  const isoBytes = (await Deno.stat(iso)).size;
  // ext4's own tables and journal, and room to spare: an eighth more, and 64 MiB.
  const fsBytes = Math.ceil((isoBytes * 1.125 + 64 * 2 ** 20) / 2 ** 20) * 2 ** 20;
  await Deno.writeFile(stick, new Uint8Array());
  await Deno.truncate(stick, fsBytes + PARTITION_OFFSET);
  await tool(tools.get("sfdisk")!, ["--quiet", stick], "label: dos\nstart=2048, type=83\n");
  // Without the features GRUB 2.06 cannot read (e2fsprogs 1.47 turns them on).
  await tool(tools.get("mkfs.ext4")!, [
    ...["-q", "-F", "-L", "CNISO-STICK", "-O", "^metadata_csum_seed,^orphan_file"],
    ...["-E", `offset=${PARTITION_OFFSET}`, "-d", files, stick, `${fsBytes / 1024}k`],
  ]);
  await Deno.remove(onStick);
  const rescue = path.join(dir, "rescue");
  await Deno.mkdir(path.join(rescue, "boot", "grub"), { recursive: true });
  await Deno.writeTextFile(
    path.join(rescue, "boot", "grub", "grub.cfg"),
    stickGrubConfig(STICK_ISO_PATH),
  );
  const grubImage = path.join(dir, "grub.iso");
  await tool(tools.get("grub-mkrescue")!, [
    ...["-o", grubImage, `--xorriso=${tools.get("xorriso")!}`, rescue],
  ]);
  return { grubImage, stick };
}

async function tool(exe: string, args: string[], stdin?: string): Promise<void> {
  const r = await runBytes(exe, args, {
    stdin: stdin === undefined ? undefined : new TextEncoder().encode(stdin),
    maxBytes: 64 * 1024,
  });
  if (r.code !== 0) {
    throw new ToolError(
      `${path.basename(exe)} failed while making the multiboot stick (exit code ${r.code})`,
      r.stderr.trim().split("\n").slice(-5).join("\n"),
    );
  }
}
