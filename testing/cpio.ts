/** Initramfs stand-ins for unit tests: cpio (newc) archives made in memory. */
/** A cpio archive (newc) with the given files, as dracut and the kernel read them. */
export function cpio(files: Record<string, string>): Uint8Array<ArrayBuffer> {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const pad = (n: number) => new Uint8Array((4 - (n % 4)) % 4);
  let ino = 1;
  for (const [name, content] of [...Object.entries(files), ["TRAILER!!!", ""]]) {
    const data = enc.encode(content);
    const hex = (n: number) => n.toString(16).padStart(8, "0");
    const fields = [ino++, 0o100644, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length + 1, 0];
    const header = enc.encode("070701" + fields.map(hex).join("") + name + "\0");
    parts.push(header, pad(header.length), data, pad(data.length));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), at += p.length);
  return out;
}

export async function gzip(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Parts joined into one file's bytes. */
export function join(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (all.set(p, at), at += p.length);
  return all;
}
