/**
 * What an initramfs holds: the names of its members and dracut's records
 * (modules.txt, build-parameter.txt, the passwd it wrote). An initramfs is
 * one or more cpio archives, the first ones often uncompressed (early
 * microcode), the last one compressed; it is read with the host's
 * decompressor, bounded in time and size, and never unpacked to disk.
 */
import { type CpioListing, CpioReader } from "./cpio_reader.ts";
import { readAtMost } from "../read_at_most.ts";
import { COMPRESSIONS, MAX_DECOMPRESSED, PROBE_SECS } from "./initramfs.ts";

/** dracut's records, kept whole; both spellings (lib is a link to usr/lib in newer layouts). */
export const RECORDS = ["modules.txt", "build-parameter.txt", "hostonly-kernel-modules.txt"];
const WANTED = new Set([
  ...RECORDS.flatMap((r) => [`lib/dracut/${r}`, `usr/lib/dracut/${r}`]),
  "etc/passwd",
]);

export type InitramfsListing = CpioListing & { compression: string };

/** The listing, or a reason it could not be read (unknown compression, missing tool, bounds). */
export async function listInitramfs(
  file: string,
  signal?: AbortSignal,
): Promise<InitramfsListing | { unreadable: string }> {
  const bounded = AbortSignal.any([
    AbortSignal.timeout(PROBE_SECS * 1000),
    ...(signal ? [signal] : []),
  ]);
  try {
    const plain = new CpioReader((n) => WANTED.has(n));
    const seen = await feed(readFrom(file, 0), plain, bounded);
    bounded.throwIfAborted();
    if (seen > MAX_DECOMPRESSED) return { unreadable: `over ${MAX_DECOMPRESSED} bytes` };
    if (plain.broken) return { unreadable: plain.broken };
    if (plain.end === undefined) return { ...plain.listing, compression: "none" };
    const head = await readAtMost(file, 8, plain.end);
    const compression = COMPRESSIONS.find((c) => c.magic.every((b, i) => head[i] === b));
    if (!compression) return { unreadable: `an unknown compression at byte ${plain.end}` };
    const inner = new CpioReader((n) => WANTED.has(n));
    const why = await decompressInto(file, plain.end, compression.tool, inner, bounded);
    bounded.throwIfAborted();
    if (why) return { unreadable: why };
    if (inner.broken) return { unreadable: `${compression.tool} data: ${inner.broken}` };
    for (const n of inner.listing.names) plain.listing.names.add(n);
    for (const [k, v] of inner.listing.files) plain.listing.files.set(k, v);
    return { ...plain.listing, compression: compression.tool };
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    if (bounded.aborted) return { unreadable: `reading it took over ${PROBE_SECS} s` };
    if (e instanceof Error) return { unreadable: e.message };
    throw e;
  }
}

async function* readFrom(file: string, offset: number): AsyncGenerator<Uint8Array> {
  using input = await Deno.open(file);
  await input.seek(offset, Deno.SeekMode.Start);
  const buffer = new Uint8Array(256 * 1024);
  for (;;) {
    const n = await input.read(buffer);
    if (n === null) return;
    yield buffer.slice(0, n);
  }
}

async function feed(
  chunks: AsyncIterable<Uint8Array>,
  reader: CpioReader,
  signal: AbortSignal,
): Promise<number> {
  let seen = 0;
  for await (const chunk of chunks) {
    signal.throwIfAborted();
    seen += chunk.length;
    if (!reader.push(chunk) || seen > MAX_DECOMPRESSED) return seen;
  }
  reader.finish();
  return seen;
}

/** Runs the decompressor on the file from `offset`; returns why it failed, if it did. */
async function decompressInto(
  file: string,
  offset: number,
  tool: string,
  reader: CpioReader,
  signal: AbortSignal,
): Promise<string | undefined> {
  const input = await Deno.open(file);
  await input.seek(offset, Deno.SeekMode.Start);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(tool, {
      args: ["-dc"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
      signal,
    }).spawn();
  } catch (e) {
    input.close();
    if (e instanceof Deno.errors.NotFound) return `${tool} is not installed on this host`;
    throw e;
  }
  const feeding = input.readable.pipeTo(child.stdin).catch(() => {});
  const seen = await feed(child.stdout, reader, signal).finally(async () => {
    try {
      child.kill("SIGKILL");
    } catch { /* it ended */ }
    await child.stdout.cancel().catch(() => {});
  });
  // The exit status says nothing more: gzip fails on zero padding after the stream, which the
  // kernel skips; a stream cut short shows as an archive without its TRAILER!!! (finish()).
  await Promise.all([child.status, feeding]);
  if (seen > MAX_DECOMPRESSED) return `over ${MAX_DECOMPRESSED} bytes decompressed`;
  return undefined;
}
