/** Bounded reads: never more of a file than asked, whatever its size says. */

/** Up to `limit` bytes of a file, whatever its size. */
export async function readAtMost(file: string, limit: number): Promise<Uint8Array> {
  const f = await Deno.open(file);
  try {
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
