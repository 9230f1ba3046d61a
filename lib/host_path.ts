/**
 * Host paths that root is given (the output directory, --rootfs): resolved
 * once, component by component, noting whether anyone but root (and this
 * process's user) could change any step of the way. A path is only as safe as
 * every directory it passes through: whoever can write a directory can swap
 * the next name in it for a symlink, and a symlink is only as fixed as the
 * directory that holds it. Callers use the resolved path from then on, never
 * the name they were given.
 */
import * as path from "node:path";
import { InputError } from "./errors.ts";

const MAX_SYMLINK_HOPS = 40;

/** Why someone else could change what is in `dir`, or undefined (`within`: inside a tree). */
export function dirProblem(dir: string, info: Deno.FileInfo, within = false): string | undefined {
  const mode = (info.mode ?? 0) & 0o7777;
  const octal = mode.toString(8).padStart(4, "0");
  if (!ownedByUs(info)) return `${dir} is owned by uid ${info.uid}`;
  // A sticky directory (like /tmp) lets others add entries but not rename ours; inside a
  // tree that is not enough (they can swap their own entries there).
  const sticky = (mode & 0o1000) !== 0 && !within;
  if (mode & 0o002 && !sticky) return `${dir} is writable by every user (mode ${octal})`;
  if (mode & 0o020 && info.gid !== 0 && !sticky) {
    return `${dir} is writable by group ${info.gid} (mode ${octal})`;
  }
  return undefined;
}

function ownedByUs(info: Deno.FileInfo): boolean {
  return info.uid === 0 || info.uid === Deno.uid();
}

/** Whether users other than its owner may rename entries of `info` (writable, not sticky). */
function sharedWritable(info: Deno.FileInfo): boolean {
  const mode = info.mode ?? 0;
  if (mode & 0o1000) return false;
  return (mode & 0o002) !== 0 || ((mode & 0o020) !== 0 && info.gid !== 0);
}

/** Whether others may add entries to `info` (a sticky world- or group-writable directory). */
function othersMayAdd(info: Deno.FileInfo): boolean {
  return ((info.mode ?? 0) & 0o022) !== 0;
}

/**
 * Resolves `given` (symlinks followed on the host) and says whether the way
 * there is root's alone: every directory passed through passes dirProblem,
 * and every name in a sticky shared directory belongs to root or us.
 */
export async function resolveTrusted(
  given: string,
): Promise<{ real: string; trusted: boolean; why?: string; steerers: Set<number>; open?: string }> {
  const pending = path.resolve(given).split("/").filter((p) => p && p !== ".");
  const done: string[] = [];
  let why: string | undefined;
  let hops = 0;
  // Who could change where the way leads: the owners of its steps; `open`: anyone could.
  const steerers = new Set<number>();
  let open: string | undefined;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === "..") {
      done.pop();
      continue;
    }
    const parent = "/" + done.join("/");
    const parentInfo = await Deno.lstat(parent);
    const problem = dirProblem(parent, parentInfo);
    why ??= problem;
    if (!ownedByUs(parentInfo)) steerers.add(parentInfo.uid!);
    if (sharedWritable(parentInfo)) open ??= `${parent} is writable by other users`;
    const here = path.join(parent, name);
    const info = await Deno.lstat(here);
    if (othersMayAdd(parentInfo) && !ownedByUs(info)) {
      why ??= `${here} belongs to uid ${info.uid}`;
      steerers.add(info.uid!);
    }
    if (info.isSymlink) {
      if (++hops > MAX_SYMLINK_HOPS) {
        throw new InputError(`${given}: too many levels of symbolic links`);
      }
      const target = await Deno.readLink(here);
      if (target.startsWith("/")) done.length = 0;
      pending.unshift(...target.split("/").filter((p) => p && p !== "."));
      continue;
    }
    done.push(name);
  }
  const real = "/" + done.join("/");
  why ??= dirProblem(real, await Deno.lstat(real));
  return { real, trusted: why === undefined, why, steerers, open };
}
