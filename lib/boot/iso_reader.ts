/**
 * What boot-test reads from the ISO it is given (an untrusted file, often
 * downloaded): that it is an ISO 9660 image, and its GRUB config. grub.cfg is
 * read only when it is a regular file inside the ISO and small: Rock Ridge
 * keeps symlinks, and one that points at a host file must never be followed.
 */
import * as path from "node:path";
import type { Cleanup } from "../cleanup.ts";
import { InputError } from "../errors.ts";
import { run } from "../run.ts";
import { makeTempDir } from "../temp_dir.ts";
import { type Arch, ARCH_LAYOUTS, ARCHES, grubConfigPaths } from "../iso/layout.ts";
import type { Firmware } from "./qemu_args.ts";

/** A GRUB config is a few KiB; a larger one is not cniso's and not worth reading. */
export const MAX_GRUB_CFG = 256 * 1024;
/** Listing or extracting one small file takes xorriso a second. */
const XORRISO_SECS = 60;

/** An ISO 9660 image has "CD001" at byte 32769. */
export async function checkIso(iso: string): Promise<void> {
  // Looked at before it is opened: opening a FIFO would wait for a writer forever.
  const info = await Deno.stat(iso).catch(() => undefined);
  if (!info) throw new InputError(`${iso}: no such file`);
  if (!info.isFile) throw new InputError(`${iso}: not a regular file`);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(iso);
  } catch (e) {
    throw new InputError(
      `${iso}: ${e instanceof Deno.errors.NotFound ? "no such file" : "cannot be read"}`,
    );
  }
  try {
    if (!(await file.stat()).isFile) throw new InputError(`${iso}: not a regular file`);
    const head = new Uint8Array(32774);
    let got = 0;
    while (got < head.length) {
      const n = await file.read(head.subarray(got));
      if (n === null) break;
      got += n;
    }
    if (new TextDecoder().decode(head.subarray(32769, 32774)) !== "CD001") {
      throw new InputError(
        `${iso}: not an ISO 9660 image`,
        "boot-test takes an ISO made by cniso build",
      );
    }
  } finally {
    file.close();
  }
}

/** The GRUB config GRUB will read, from the first of its places that holds one. */
export async function readGrubConfig(
  iso: string,
  firmware: Firmware,
  xorriso: string,
  cleanup: Cleanup,
  candidates = grubConfigPaths(firmware),
): Promise<string> {
  const dir = await makeTempDir("cniso-grubcfg-");
  cleanup.defer("remove the extracted grub.cfg", () => Deno.remove(dir, { recursive: true }));
  for (const [i, isoPath] of candidates.entries()) {
    const entry = await isoEntry(xorriso, iso, isoPath);
    if (!entry) continue;
    if (entry.type !== "-") {
      throw new InputError(
        `${iso}: ${isoPath} is ${entry.type === "l" ? "a symbolic link" : "not a regular file"}`,
        "boot-test reads the GRUB config only as a regular file inside the ISO",
      );
    }
    if (entry.size > MAX_GRUB_CFG) {
      throw new InputError(
        `${iso}: ${isoPath} has ${entry.size} bytes; a GRUB config of more than ${MAX_GRUB_CFG} is not read`,
      );
    }
    const dest = path.join(dir, `${i}.cfg`);
    // At most the cap is extracted, whatever the ISO says now: it may have changed since the listing.
    const r = await run(xorriso, [
      ...["-osirrox", "on", "-indev", iso],
      ...["-extract_cut", isoPath, "0", `${Math.min(entry.size, MAX_GRUB_CFG)}`, dest],
    ], { signal: AbortSignal.timeout(XORRISO_SECS * 1000) });
    // Checked again on what was written: a regular file of the size listed.
    const info = await Deno.lstat(dest).catch(() => undefined);
    if (r.code !== 0 || !info?.isFile || info.size > MAX_GRUB_CFG) {
      throw new InputError(`${iso}: ${isoPath} could not be read from the ISO`);
    }
    return await Deno.readTextFile(dest);
  }
  throw new InputError(
    `${iso}: no GRUB config (${candidates.join(", ")})`,
    "boot-test drives the GRUB menu of ISOs laid out as cniso builds them",
  );
}

/** The ISO's architecture: whose removable-media loader (BOOTX64.EFI, BOOTAA64.EFI) it holds. */
export async function isoArch(iso: string, xorriso: string): Promise<Arch> {
  for (const arch of ARCHES) {
    // Only a regular file counts: a link or a directory by that name loads nothing.
    if ((await isoEntry(xorriso, iso, ARCH_LAYOUTS[arch].efi.shim))?.type === "-") return arch;
  }
  // No UEFI loader at all: only BIOS can boot it, and only x86 has BIOS.
  return "x86_64";
}

/** Type (ls's first letter) and size of one file in the ISO, or undefined when it is absent. */
async function isoEntry(
  xorriso: string,
  iso: string,
  isoPath: string,
): Promise<{ type: string; size: number } | undefined> {
  const r = await run(xorriso, ["-indev", iso, "-lsdl", isoPath], {
    signal: AbortSignal.timeout(XORRISO_SECS * 1000),
  });
  // "-rw-r--r--    1 0        0            1234 Nov 26 09:24 '/the/path'"
  const line = r.stdout.split("\n").find((l) => /^[-a-z][-rwxsStT]{9}\s/.test(l));
  if (r.code !== 0 || !line) return undefined;
  const fields = line.trim().split(/\s+/);
  return { type: line[0], size: Number(fields[4]) };
}
