/**
 * Looks inside an initramfs for dracut's dmsquash-live module, the piece that
 * finds and mounts a live root. An initramfs is one or more cpio archives: the
 * first ones often uncompressed (early microcode), the last one compressed.
 * The search runs in native tools (grep, gzip/zstd/xz) as far as it can, so
 * `build` can do it while mksquashfs runs; it is bounded in time and size.
 */
import { readAtMost } from "../read_at_most.ts";
import { run } from "../run.ts";

const NEEDLE = "dmsquash-live";

/** An initramfs's compressions by their magic bytes, and the tool that decompresses each. */
export const COMPRESSIONS: { magic: number[]; tool: string }[] = [
  { magic: [0x1f, 0x8b], tool: "gzip" },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], tool: "zstd" },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], tool: "xz" },
  { magic: [0x02, 0x21, 0x4c, 0x18], tool: "lz4" },
];

/** A probe that takes longer is given up on (a decompression bomb, a slow disk). */
export const PROBE_SECS = 120;
/** Decompressed bytes looked at, at most: an initramfs is well below this. */
export const MAX_DECOMPRESSED = 4 * 1024 * 1024 * 1024;

/**
 * true: the module is there; false: it is not; undefined: could not tell (an
 * unknown compression or a malformed archive, its tool is not installed, or
 * the probe ran past its bounds). Stops early when `signal` aborts.
 */
export function hasDmsquashLive(
  file: string,
  signal?: AbortSignal,
): Promise<boolean | undefined> {
  return initramfsContains(file, NEEDLE, signal);
}

/** Whether the initramfs holds `needle` (a module's or file's name); same answers as above. */
export async function initramfsContains(
  file: string,
  needle: string,
  signal?: AbortSignal,
): Promise<boolean | undefined> {
  const bounded = AbortSignal.any([
    AbortSignal.timeout(PROBE_SECS * 1000),
    ...(signal ? [signal] : []),
  ]);
  try {
    const plain = await run("grep", ["-q", "-a", "-F", "-e", needle, file], { signal: bounded });
    signal?.throwIfAborted();
    if (plain.code === 0) return true;
    if (bounded.aborted) return undefined;
    const offset = await compressedOffset(file);
    if (offset === undefined) return undefined;
    const head = await readAtMost(file, 8, offset);
    const compression = COMPRESSIONS.find((c) => c.magic.every((b, i) => head[i] === b));
    if (!compression) return undefined;
    const found = await searchDecompressed(file, offset, compression.tool, needle, bounded);
    signal?.throwIfAborted();
    return found;
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    // A probe is advice: anything it cannot read means "could not tell".
    if (e instanceof Error) return undefined;
    throw e;
  }
}

/** Feeds the file from `offset` to the decompressor and looks for the needle in what comes out. */
async function searchDecompressed(
  file: string,
  offset: number,
  tool: string,
  text: string,
  signal: AbortSignal,
): Promise<boolean | undefined> {
  const child = new Deno.Command(tool, {
    args: ["-dcq"],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
    signal,
  }).spawn();
  const input = await Deno.open(file);
  await input.seek(offset, Deno.SeekMode.Start);
  const feeding = input.readable.pipeTo(child.stdin).catch(() => {});
  const needle = new TextEncoder().encode(text);
  let carry = new Uint8Array(0);
  let seen = 0;
  let found: boolean | undefined = false;
  for await (const chunk of child.stdout) {
    const window = new Uint8Array(carry.length + chunk.length);
    window.set(carry);
    window.set(chunk, carry.length);
    seen += chunk.length;
    if (indexOf(window, needle) >= 0) found = true;
    else if (seen > MAX_DECOMPRESSED) found = undefined;
    else {
      carry = window.slice(-needle.length);
      continue;
    }
    break;
  }
  try {
    child.kill("SIGKILL");
  } catch { /* it ended */ }
  await Promise.all([child.status, feeding, child.stdout.cancel().catch(() => {})]);
  return signal.aborted ? undefined : found;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  for (
    let i = hay.indexOf(first);
    i >= 0 && i <= hay.length - needle.length;
    i = hay.indexOf(first, i + 1)
  ) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** Skips the uncompressed cpio archives (newc format) at the start; returns where the rest begins. */
async function compressedOffset(file: string): Promise<number | undefined> {
  const size = (await Deno.stat(file)).size;
  let offset = 0;
  for (let entries = 0; offset < size && entries < 100000; entries++) {
    const header = await readAtMost(file, 110, offset);
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
    // A malformed header: stop here, as if the rest were compressed (the probe then can't tell).
    if (!Number.isSafeInteger(fileSize) || !(nameSize >= 1 && nameSize <= 4096)) return undefined;
    const name = new TextDecoder().decode(await readAtMost(file, nameSize - 1, offset + 110));
    offset += align4(110 + nameSize) + align4(fileSize);
    if (name === "TRAILER!!!") continue;
  }
  return offset < size ? offset : undefined;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
