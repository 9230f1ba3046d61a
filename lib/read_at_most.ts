/** Bounded reads: never more of a file than asked, whatever its size says. */

/** Up to `limit` bytes of a file from `offset` (default: its start), whatever its size. */
export async function readAtMost(file: string, limit: number, offset = 0): Promise<Uint8Array> {
  const f = await Deno.open(file);
  try {
    if (offset > 0) await f.seek(offset, Deno.SeekMode.Start);
    const buf = new Uint8Array(limit);
    let got = 0;
    while (got < limit) {
      const n = await f.read(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    f.close();
  }
}
