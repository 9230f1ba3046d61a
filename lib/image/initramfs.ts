/**
 * Looks inside an initramfs for dracut's dmsquash-live module, the piece that
 * finds and mounts a live root. An initramfs is one or more cpio archives: the
 * first ones often uncompressed (early microcode), the last one compressed.
 * The search runs in native tools (grep, gzip/zstd/xz), off the JS thread, so
 * `build` can do it while mksquashfs runs.
 */
import { run } from "../run.ts";
import type { Contract } from "./contract.ts";

const NEEDLE = "dmsquash-live";

const COMPRESSIONS: { magic: number[]; tool: string }[] = [
  { magic: [0x1f, 0x8b], tool: "gzip" },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], tool: "zstd" },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], tool: "xz" },
];

/**
 * true: the module is there; false: it is not; undefined: could not tell
 * (an unknown compression, or its tool is not installed).
 */
export async function hasDmsquashLive(file: string): Promise<boolean | undefined> {
  const plain = await run("grep", ["-q", "-a", "-F", "-e", NEEDLE, file]);
  if (plain.code === 0) return true;
  const offset = await compressedOffset(file);
  if (offset === undefined) return undefined;
  const head = await readAt(file, offset, 8);
  const compression = COMPRESSIONS.find((c) => c.magic.every((b, i) => head[i] === b));
  if (!compression) return undefined;
  // The file name is passed as "$1", never spliced into the script.
  const script = `tail -c +${
    offset + 1
  } "$1" | ${compression.tool} -dcq 2>/dev/null | grep -q -a -F -e ${NEEDLE}`;
  const r = await run("sh", ["-c", script, "sh", file]);
  if (r.code === 0) return true;
  return r.code === 1 ? false : undefined;
}

/** Skips the uncompressed cpio archives (newc format) at the start; returns where the rest begins. */
async function compressedOffset(file: string): Promise<number | undefined> {
  const size = (await Deno.stat(file)).size;
  let offset = 0;
  for (let entries = 0; offset < size && entries < 100000; entries++) {
    const header = await readAt(file, offset, 110);
    const magic = new TextDecoder().decode(header.subarray(0, 6));
    if (magic !== "070701" && magic !== "070702") {
      // Between archives: zero padding up to the next one.
      if (header.every((b) => b === 0)) {
        offset += 110;
        continue;
      }
      const zeros = header.findIndex((b) => b !== 0);
      if (zeros > 0) {
        offset += zeros;
        continue;
      }
      return offset;
    }
    const field = (i: number) =>
      parseInt(new TextDecoder().decode(header.subarray(6 + i * 8, 14 + i * 8)), 16);
    const fileSize = field(6);
    const nameSize = field(11);
    const name = new TextDecoder().decode(await readAt(file, offset + 110, nameSize - 1));
    offset += align4(110 + nameSize) + align4(fileSize);
    if (name === "TRAILER!!!") continue;
  }
  return offset < size ? offset : undefined;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

async function readAt(file: string, offset: number, length: number): Promise<Uint8Array> {
  const f = await Deno.open(file);
  try {
    await f.seek(offset, Deno.SeekMode.Start);
    const buf = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = await f.read(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    f.close();
  }
}

/** The warning for an initramfs without dmsquash-live, or undefined. */
export async function initramfsWarning(contract: Contract): Promise<string | undefined> {
  const found = await hasDmsquashLive(contract.initramfs.hostPath);
  if (found === true) return undefined;
  const where = contract.initramfs.imagePath;
  const check = `lsinitrd ${where} | grep dmsquash-live`;
  return found === false
    ? `${where} has no dracut dmsquash-live module: the ISO will not find its live root. Rebuild it with dracut --add dmsquash-live (check: ${check})`
    : `could not look inside ${where} (unknown compression); make sure it has dmsquash-live: ${check}`;
}
