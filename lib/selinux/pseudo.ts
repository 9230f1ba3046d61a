/**
 * SELinux labels as mksquashfs pseudo-file definitions (squashfs-tools 4.6 and
 * newer): one line `NAME x security.selinux=0tCONTEXT\000` a path. Names are bytes as
 * the file system has them (not necessarily UTF-8); every white space,
 * double quote and backslash in them is escaped with a backslash, which is how
 * mksquashfs reads a name. A newline cannot be written at all (a pseudo file is
 * read line by line, and a backslash before a newline joins lines), so a name
 * that holds one cannot be labelled. Pure.
 */

const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
/** What mksquashfs's isspace() ends a name at, and the quote it toggles on. */
const SPECIAL = new Set([0x20, 0x09, 0x0b, 0x0c, 0x0d, 0x22, BACKSLASH]);

/** A name as a pseudo file writes it; undefined when it holds a newline. */
export function pseudoName(name: Uint8Array): Uint8Array | undefined {
  if (name.includes(NEWLINE)) return undefined;
  const out: number[] = [];
  for (const b of name) {
    if (SPECIAL.has(b)) out.push(BACKSLASH);
    out.push(b);
  }
  return Uint8Array.from(out);
}

/**
 * The xattr's value as setfiles writes it: the context and a NUL, in
 * mksquashfs's 0t form (text, with \000 for the NUL). Not the 0x form:
 * squashfs-tools 4.6.1 overflows its buffer decoding hex. The context was
 * checked (isContext): it has no backslash.
 */
export function labelValue(context: string): string {
  return `0t${context}\\000`;
}

/** One definition line; undefined when the name cannot be written. */
export function labelLine(name: Uint8Array, context: string): Uint8Array | undefined {
  const escaped = pseudoName(name);
  if (!escaped) return undefined;
  const rest = new TextEncoder().encode(` x security.selinux=${labelValue(context)}\n`);
  const line = new Uint8Array(escaped.length + rest.length);
  line.set(escaped);
  line.set(rest, escaped.length);
  return line;
}

/**
 * A context as the policy writes one (user:role:type[:level]), and nothing
 * else: what matchpathcon prints is checked before it becomes an xattr.
 */
export function isContext(text: string): boolean {
  return /^[A-Za-z0-9_.]+:[A-Za-z0-9_.]+:[A-Za-z0-9_.]+(:[A-Za-z0-9_.,:-]+)?$/.test(text) &&
    text.length <= 4096;
}
