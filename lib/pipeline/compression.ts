/**
 * The compression option: an algorithm, a level where it has one, and a block
 * size: `zstd`, `zstd:15`, `gzip:9`, `xz`, `lz4`, `zstd:6:1M`, `xz:1M`.
 * Pure.
 */
import { InputError } from "../errors.ts";

export interface Compression {
  algorithm: "zstd" | "gzip" | "xz" | "lz4" | "lz4hc";
  level?: number;
  /** The squashfs block size (EROFS: physical cluster size) in bytes; undefined: the tool's. */
  blockSize?: number;
}

const LEVELS = {
  zstd: [1, 22],
  gzip: [1, 9],
  xz: undefined,
  lz4: undefined,
  lz4hc: undefined,
} as const;
/**
 * cniso's defaults, chosen from the benchmark on a 2.9 GB desktop image (docs/performance.md):
 * zstd level 5 in 1 MiB blocks was 11× faster than the reference
 * pipeline's level 15 in 128 KiB blocks, for a live root 3.6 % larger.
 */
export const DEFAULT_ZSTD_LEVEL = 5;
export const DEFAULT_SQUASHFS_BLOCK = 1024 * 1024;

/** mksquashfs takes blocks of 4 KiB to 1 MiB, powers of two. */
const BLOCK_SIZES = [4, 8, 16, 32, 64, 128, 256, 512, 1024].map((k) => k * 1024);
const HINT = "use ALG[:LEVEL][:BLOCK]: zstd, zstd:LEVEL (1-22), gzip, gzip:LEVEL (1-9), xz, " +
  "lz4 or lz4hc, and a block size from 4K to 1M (powers of two), e.g. zstd:6:1M or xz:1M";

/** Parses the option; `zstd` alone is zstd at DEFAULT_ZSTD_LEVEL. */
export function parseCompression(text: string): Compression {
  const m = /^(zstd|gzip|xz|lz4hc|lz4)(?::(\d+))?(?::(\d+)([KM]))?$/i.exec(text);
  if (!m) throw new InputError(`--compression ${text}: unknown compression`, HINT);
  const algorithm = m[1].toLowerCase() as Compression["algorithm"];
  const blockSize = m[3] === undefined ? undefined : blockBytes(text, Number(m[3]), m[4]);
  const block = blockSize === undefined ? {} : { blockSize };
  const range = LEVELS[algorithm];
  if (m[2] === undefined) {
    return algorithm === "zstd"
      ? { algorithm, level: DEFAULT_ZSTD_LEVEL, ...block }
      : { algorithm, ...block };
  }
  const level = Number(m[2]);
  if (!range || level < range[0] || level > range[1]) {
    throw new InputError(`--compression ${text}: ${algorithm} takes no level ${level}`, HINT);
  }
  return { algorithm, level, ...block };
}

function blockBytes(text: string, n: number, unit: string): number {
  const bytes = n * (unit.toUpperCase() === "M" ? 1024 * 1024 : 1024);
  if (!BLOCK_SIZES.includes(bytes)) {
    throw new InputError(`--compression ${text}: no block size ${n}${unit}`, HINT);
  }
  return bytes;
}

/** The option as text again (zstd:5:1M), for messages and the benchmark. */
export function formatCompression(c: Compression): string {
  const block = c.blockSize === undefined
    ? ""
    : c.blockSize >= 1024 * 1024
    ? `:${c.blockSize / 1024 / 1024}M`
    : `:${c.blockSize / 1024}K`;
  return `${c.algorithm}${c.level === undefined ? "" : `:${c.level}`}${block}`;
}

export function mksquashfsCompressionArgs(c: Compression): string[] {
  // squashfs's lz4 has a high-compression mode: the same format, decompressed as fast.
  const args = c.algorithm === "lz4hc" ? ["-comp", "lz4", "-Xhc"] : ["-comp", c.algorithm];
  if (c.level !== undefined) args.push("-Xcompression-level", `${c.level}`);
  // 1 MiB blocks unless asked otherwise: noticeably smaller at the same speed.
  args.push("-b", `${c.blockSize ?? DEFAULT_SQUASHFS_BLOCK}`);
  return args;
}
