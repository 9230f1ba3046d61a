/** The squashfs compression option: `zstd`, `zstd:15`, `gzip:9`, `xz`, `lz4`. */
import { InputError } from "../errors.ts";

export interface Compression {
  algorithm: "zstd" | "gzip" | "xz" | "lz4";
  level?: number;
}

const LEVELS = { zstd: [1, 22], gzip: [1, 9], xz: undefined, lz4: undefined } as const;

/** Parses the option. The default, zstd:3, is fast and small. */
export function parseCompression(text: string): Compression {
  const m = /^(zstd|gzip|xz|lz4)(?::(\d+))?$/.exec(text);
  const hint = "use zstd, zstd:LEVEL (1-22), gzip, gzip:LEVEL (1-9), xz or lz4";
  if (!m) throw new InputError(`--compression ${text}: unknown compression`, hint);
  const algorithm = m[1] as Compression["algorithm"];
  const range = LEVELS[algorithm];
  if (m[2] === undefined) return algorithm === "zstd" ? { algorithm, level: 3 } : { algorithm };
  const level = Number(m[2]);
  if (!range || level < range[0] || level > range[1]) {
    throw new InputError(`--compression ${text}: ${algorithm} takes no level ${level}`, hint);
  }
  return { algorithm, level };
}

export function mksquashfsCompressionArgs(c: Compression): string[] {
  const args = ["-comp", c.algorithm];
  if (c.level !== undefined) args.push("-Xcompression-level", `${c.level}`);
  return args;
}
