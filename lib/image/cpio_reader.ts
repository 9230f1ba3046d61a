/**
 * A streaming reader of cpio "newc" archives, the format of an initramfs.
 * Fed chunks as they come (from a file or a decompressor), it collects every
 * member's name and the contents of a few small members asked for. Pure: no
 * I/O. Stops at the first bytes that are not an archive (the compressed part
 * of an initramfs that starts with uncompressed ones) and says where.
 */

const HEADER = 110;
/** A member's name is a path: longer is malformed. */
const MAX_NAME = 4096;
/** Members whose contents are kept: dracut's records are a few KiB. */
export const MAX_KEPT = 256 * 1024;
/** Names kept at most: an initramfs has a few thousand. */
export const MAX_NAMES = 200_000;
/** Their bytes, at most (memory: a compressed archive of long names is tiny). */
export const MAX_NAME_BYTES = 32 * 1024 * 1024;

export interface CpioListing {
  names: Set<string>;
  /** Contents of the members asked for (by normalized name). */
  files: Map<string, Uint8Array>;
}

/** "./usr/lib/x" and "/usr/lib/x" are both "usr/lib/x". */
export function normalizeName(name: string): string {
  return name.replace(/^(\.\/|\/)+/, "");
}

export class CpioReader {
  readonly listing: CpioListing = { names: new Set(), files: new Map() };
  /** Set when the input stops being an archive: the offset of the first such byte. */
  end?: number;
  /** Set when a header is malformed or a bound was passed. */
  broken?: string;
  /** Archives that ended properly (with their TRAILER!!! member). */
  trailers = 0;
  #buffer = new Uint8Array(0);
  #offset = 0;
  #skip = 0;
  #keep?: { name: string; size: number };
  #nameBytes = 0;

  constructor(readonly wanted: (name: string) => boolean) {}

  /** Feeds the next bytes; returns false once nothing more is wanted. */
  push(chunk: Uint8Array): boolean {
    if (this.end !== undefined || this.broken) return false;
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    this.#buffer = joined;
    while (this.#step());
    return this.end === undefined && !this.broken;
  }

  /** Whether it stopped taking input (the archive ended in non-archive bytes, or broke). */
  get stopped(): boolean {
    return this.end !== undefined || this.broken !== undefined;
  }

  /** The input ended: a member cut short makes the archive broken. */
  finish() {
    if (this.end !== undefined || this.broken) return;
    if (this.#skip > 0 || this.#buffer.some((b) => b !== 0)) {
      this.broken = `the archive ends inside a member (byte ${this.#offset})`;
    } else if (this.trailers === 0) {
      this.broken = "the archive ends before its TRAILER!!! member";
    }
  }

  /** One member (or padding) at a time; false when more bytes are needed or it ended. */
  #step(): boolean {
    if (this.#skip > 0) {
      const n = Math.min(this.#skip, this.#buffer.length);
      if (this.#keep) this.#take(this.#buffer.subarray(0, n));
      this.#consume(n);
      this.#skip -= n;
      if (this.#skip > 0) return false;
      this.#keep = undefined;
    }
    if (this.#buffer.length === 0) return false;
    // Between archives: zero padding.
    if (this.#buffer[0] === 0) {
      const zeros = this.#buffer.findIndex((b) => b !== 0);
      this.#consume(zeros < 0 ? this.#buffer.length : zeros);
      return zeros >= 0;
    }
    if (this.#buffer.length < 6) return false;
    const magic = new TextDecoder().decode(this.#buffer.subarray(0, 6));
    if (magic !== "070701" && magic !== "070702") {
      this.end = this.#offset;
      return false;
    }
    if (this.#buffer.length < HEADER) return false;
    return this.#member();
  }

  #member(): boolean {
    // Eight hex digits each, as the kernel reads them (no sign, no prefix, no blanks).
    const field = (i: number) => {
      const text = new TextDecoder().decode(this.#buffer.subarray(6 + i * 8, 14 + i * 8));
      return /^[0-9A-Fa-f]{8}$/.test(text) ? parseInt(text, 16) : NaN;
    };
    const size = field(6);
    const nameSize = field(11);
    this.#keep = undefined;
    if (!Number.isSafeInteger(size) || !(nameSize >= 1 && nameSize <= MAX_NAME)) {
      this.broken = `a malformed cpio header at byte ${this.#offset}`;
      return false;
    }
    const headerAndName = align4(HEADER + nameSize);
    if (this.#buffer.length < headerAndName) return false;
    const name = normalizeName(
      new TextDecoder().decode(this.#buffer.subarray(HEADER, HEADER + nameSize - 1)),
    );
    this.#consume(headerAndName);
    this.#skip = align4(size);
    if (name === "TRAILER!!!") {
      this.trailers++;
      return true;
    }
    this.#nameBytes += name.length;
    if (this.listing.names.size >= MAX_NAMES || this.#nameBytes > MAX_NAME_BYTES) {
      this.broken = `more than ${MAX_NAMES} members or ${MAX_NAME_BYTES} bytes of names`;
      return false;
    }
    this.listing.names.add(name);
    // A later member of the same name replaces an earlier one, as when the kernel unpacks it.
    this.listing.files.delete(name);
    if (size > 0 && size <= MAX_KEPT && this.wanted(name)) {
      this.#keep = { name, size };
      this.listing.files.set(name, new Uint8Array(0));
    }
    return true;
  }

  #take(bytes: Uint8Array) {
    const { name, size } = this.#keep!;
    const have = this.listing.files.get(name)!;
    const room = size - have.length;
    if (room <= 0) return;
    const part = bytes.subarray(0, room);
    const joined = new Uint8Array(have.length + part.length);
    joined.set(have);
    joined.set(part, have.length);
    this.listing.files.set(name, joined);
  }

  #consume(n: number) {
    this.#buffer = this.#buffer.subarray(n);
    this.#offset += n;
  }
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}
