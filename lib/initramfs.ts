/**
 * Looks inside an initramfs for dracut's dmsquash-live module, the piece that
 * finds and mounts a live root. An initramfs is one or more cpio archives, the
 * first ones often uncompressed (early microcode), the last compressed.
 */
import $ from "dax";

const MAGICS: { name: string; bytes: number[]; command?: string[] }[] = [
  { name: "gzip", bytes: [0x1f, 0x8b] },
  { name: "zstd", bytes: [0x28, 0xb5, 0x2f, 0xfd], command: ["zstd", "-dcq"] },
  { name: "xz", bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], command: ["xz", "-dcq"] },
];

/**
 * true: the module is there; false: it is not; undefined: could not tell
 * (a compression cniso cannot read here).
 */
export async function hasDmsquashLive(file: string): Promise<boolean | undefined> {
  const data = await Deno.readFile(file);
  const needle = new TextEncoder().encode("dmsquash-live");
  if (indexOf(data, needle) >= 0) return true;
  // The compressed archive starts after the uncompressed ones (at a 4-byte boundary).
  for (let offset = 0; offset < Math.min(data.length, 64 * 1024 * 1024); offset += 4) {
    const magic = MAGICS.find((m) => m.bytes.every((b, i) => data[offset + i] === b));
    if (!magic) {
      if (offset === 0 && !startsWith(data, "070701") && !startsWith(data, "070702")) break;
      continue;
    }
    const stream = new Blob([data.subarray(offset)]).stream();
    if (magic.name === "gzip") {
      return await streamHas(stream.pipeThrough(new DecompressionStream("gzip")), needle);
    }
    if (!magic.command || !(await $.which(magic.command[0]))) return undefined;
    const child = new Deno.Command(magic.command[0], {
      args: magic.command.slice(1),
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const writing = stream.pipeTo(child.stdin).catch(() => {});
    const found = await streamHas(child.stdout, needle);
    try {
      child.kill();
    } catch { /* done */ }
    await writing;
    await child.status;
    return found;
  }
  return undefined;
}

async function streamHas(stream: ReadableStream<Uint8Array>, needle: Uint8Array): Promise<boolean> {
  let carry = new Uint8Array(0);
  try {
    for await (const chunk of stream) {
      const joined = new Uint8Array(carry.length + chunk.length);
      joined.set(carry);
      joined.set(chunk, carry.length);
      if (indexOf(joined, needle) >= 0) return true;
      carry = joined.slice(Math.max(0, joined.length - needle.length + 1));
    }
  } catch {
    // A truncated or corrupt archive: whatever was read did not have it.
  }
  return false;
}

function startsWith(data: Uint8Array, text: string): boolean {
  return [...text].every((c, i) => data[i] === c.charCodeAt(0));
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
