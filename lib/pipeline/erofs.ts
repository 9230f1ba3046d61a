/**
 * mkfs.erofs's arguments for an EROFS live root (--rootfs-type erofs): the
 * compression option mapped to its compressors, --exclude patterns as its
 * regular expressions, and a UUID made from the label and the time, so the
 * file system is reproducible. Pure.
 */
import { createHash } from "node:crypto";
import { InputError } from "../errors.ts";
import { type Compression, formatCompression } from "./compression.ts";

/** cniso's names for compressors, and mkfs.erofs's. */
const EROFS_NAMES: Record<Compression["algorithm"], string> = {
  zstd: "zstd",
  gzip: "deflate",
  xz: "lzma",
  lz4: "lz4",
  lz4hc: "lz4hc",
};

/** The default for EROFS: every mkfs.erofs and every kernel with EROFS has it. */
export const EROFS_DEFAULT_COMPRESSION = "lz4hc";

/** The compressors a mkfs.erofs has, from its help ("Available compressors are: lz4hc, lz4"). */
export function erofsCompressors(help: string): string[] | undefined {
  const m = /Available compressors are:\s*([^\n]*)/.exec(help);
  return m ? m[1].split(/[\s,]+/).filter(Boolean) : undefined;
}

/** Throws bad input when the installed mkfs.erofs cannot compress this way. */
export function checkErofsCompression(c: Compression, available: string[] | undefined) {
  const name = EROFS_NAMES[c.algorithm];
  if (available === undefined || available.includes(name)) return;
  throw new InputError(
    `--compression ${formatCompression(c)}: this mkfs.erofs has no ${name} compressor (it has: ${
      available.join(", ")
    })`,
    `use --compression ${
      available.includes("lz4hc") ? "lz4hc" : available[0]
    }, or a newer erofs-utils`,
  );
}

export function mkfsErofsArgs(
  o: {
    output: string;
    rootDir: string;
    compression: Compression;
    uuid: string;
    excludes: string[];
    /** Label every file from this file_contexts (libselinux's lookups, in mkfs.erofs). */
    fileContexts?: string;
  },
): string[] {
  const c = o.compression;
  const z = `-z${EROFS_NAMES[c.algorithm]}${c.level === undefined ? "" : `,${c.level}`}`;
  return [
    "--quiet",
    z,
    // The block size becomes the physical cluster size: larger compresses better.
    ...(c.blockSize === undefined ? [] : [`-C${c.blockSize}`]),
    `-U${o.uuid}`,
    ...o.excludes.map((p) => `--exclude-regex=${excludeRegex(p)}`),
    ...(o.fileContexts ? [`--file-contexts=${o.fileContexts}`] : []),
    o.output,
    o.rootDir,
  ];
}

/**
 * A --exclude pattern (mksquashfs's wildcards, relative to the root) as the
 * regular expression mkfs.erofs matches against the path from the root.
 */
export function excludeRegex(pattern: string): string {
  const anywhere = pattern.startsWith("... ");
  const glob = anywhere ? pattern.slice(4) : pattern;
  // As mksquashfs matches: a wildcard never matches a name's leading dot.
  const body = [...glob].map((ch, i) => {
    const first = i === 0 || glob[i - 1] === "/";
    if (ch === "*") return first ? "([^./][^/]*)?" : "[^/]*";
    if (ch === "?") return first ? "[^./]" : "[^/]";
    return /[\\^$.|+(){}[\]]/.test(ch) ? `\\${ch}` : ch;
  }).join("");
  return anywhere ? `(^|/)${body}$` : `^${body}$`;
}

/** A version-4-shaped UUID from the label and the time: the same build, the same UUID. */
export function erofsUuid(label: string, epoch: number): string {
  const h = createHash("sha256").update(`cniso erofs ${label} ${epoch}`).digest("hex");
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${
    h.slice(20, 32)
  }`;
}
