/**
 * One walker for every path cniso resolves by hand, component by component. Three places did it
 * each their own way (the image's tree, host paths root is given, the room a payload needs);
 * one walk with what happens at a symlink as its parameter is easier to trust and to test.
 *
 * - "within-root": the image is untrusted input. Its symlinks resolve as in a chroot: an
 *   absolute target starts again at `root`, and `..` never climbs above it, so no name in the
 *   image leads out of it.
 * - "follow": a host path, symlinks followed as the kernel follows them. `trust` sees every
 *   step with the directory it was taken in: whoever can change a directory on the way can
 *   change where the way leads.
 * - "never": no symlink is followed. A symlink with more to walk stops the walk; a final one
 *   is the answer itself, as lstat gives it.
 *
 * A file with more to walk stops "within-root" and "never" ("blocked"); "follow" goes on, and
 * the next lookup in it fails (ENOTDIR), as host_path.ts always had it.
 *
 * `..` takes back the last component resolved (the parent of where a symlink led, as the kernel
 * does); at the root it stays there. The walk only looks (lstat, readlink) through `fs`, never
 * opens: tests give it fake trees. It answers for one moment; a tree someone else can change
 * while it is read must be refused before (host_path.ts, tree_safety.ts).
 */
import * as path from "node:path";

/** Symlinks one walk follows at most, as Linux's ELOOP limit. */
export const MAX_SYMLINK_HOPS = 40;

/** What the walk needs of an entry (a Deno.FileInfo is one). */
export interface WalkEntry {
  isSymlink: boolean;
  isDirectory: boolean;
}

/** How the walk looks at the tree. */
export interface WalkFs<I extends WalkEntry> {
  /** The entry at `p`, a final symlink not followed; undefined when nothing is there. */
  lstat(p: string): Promise<I | undefined>;
  readLink(p: string): Promise<string>;
}

/** Deno's own calls: a missing entry throws (NotFound, NotADirectory), as the OS says it. */
export const denoFs: WalkFs<Deno.FileInfo> = {
  lstat: (p) => Deno.lstat(p),
  readLink: (p) => Deno.readLink(p),
};

/** One step of a "follow" walk: `here` (just looked at), in `dir` (looked at just before). */
export interface Step<I> {
  dir: string;
  dirInfo: I;
  here: string;
  info: I;
}

export type Rule<I> =
  | { symlinks: "within-root"; root: string }
  | { symlinks: "follow"; trust?: (step: Step<I>) => void }
  | { symlinks: "never"; root: string };

export interface WalkOptions {
  /** At most this many symlinks are followed (MAX_SYMLINK_HOPS). */
  maxHops?: number;
  /** Checked before every component. */
  signal?: AbortSignal;
}

/**
 * Where a walk ended. `parts`: the components resolved, under the root (for "missing" and
 * "blocked", up to the name that was missing or in the way); `host`: the root joined with them.
 */
export type Walked<I> =
  /** `info`: the entry as its last lookup saw it (none for the root, or after a `..`). */
  | { end: "found"; parts: string[]; host: string; info?: I }
  | { end: "missing"; parts: string[]; host: string }
  /** A component with more to walk that is not a directory (not followed: a symlink too). */
  | { end: "blocked"; parts: string[]; host: string; info: I }
  | { end: "loop" };

/**
 * Walks `p` under `rule`, from the rule's root (`/` for "follow", whatever `p` starts with).
 * A missing entry ends the walk only if `fs.lstat` says undefined; its errors pass through.
 */
export async function walk<I extends WalkEntry>(
  p: string,
  rule: Rule<I>,
  fs: WalkFs<I>,
  options: WalkOptions = {},
): Promise<Walked<I>> {
  // A relative host path would be walked from `/`, not from the working directory.
  if (rule.symlinks === "follow" && !p.startsWith("/")) throw new Error(`not absolute: ${p}`);
  const root = rule.symlinks === "follow" ? "/" : rule.root;
  const trust = rule.symlinks === "follow" ? rule.trust : undefined;
  const pending = components(p);
  const done: string[] = [];
  let last: I | undefined; // the entry at `done`, when its last step was a lookup
  let hops = 0;
  while (pending.length > 0) {
    options.signal?.throwIfAborted();
    const name = pending.shift()!;
    if (name === "..") {
      done.pop();
      last = undefined;
      continue;
    }
    const dir = path.join(root, ...done);
    const dirInfo = trust ? await fs.lstat(dir) : undefined;
    if (trust && !dirInfo) return { end: "missing", parts: [...done], host: dir };
    const here = path.join(dir, name);
    const info = await fs.lstat(here);
    if (!info) return { end: "missing", parts: [...done, name], host: here };
    if (trust) trust({ dir, dirInfo: dirInfo!, here, info });
    if (info.isSymlink && rule.symlinks !== "never") {
      if (++hops > (options.maxHops ?? MAX_SYMLINK_HOPS)) return { end: "loop" };
      const target = await fs.readLink(here);
      if (target.startsWith("/")) done.length = 0; // from the root again, never the host's `/`
      pending.unshift(...components(target));
      last = undefined;
      continue;
    }
    if (pending.length > 0 && !info.isDirectory && rule.symlinks !== "follow") {
      return { end: "blocked", parts: [...done, name], host: here, info };
    }
    done.push(name);
    last = info;
  }
  return { end: "found", parts: done, host: path.join(root, ...done), info: last };
}

/** The names in `p`, `.` and empty ones left out (`..` stays: the walk takes it). */
export function components(p: string): string[] {
  return p.split("/").filter((part) => part !== "" && part !== ".");
}
