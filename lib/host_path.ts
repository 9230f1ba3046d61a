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
import { denoFs, type Step, walk } from "./path_walk.ts";

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
  let why: string | undefined;
  // Who could change where the way leads: the owners of its steps; `open`: anyone could.
  const steerers = new Set<number>();
  let open: string | undefined;
  const trust = ({ dir, dirInfo, here, info }: Step<Deno.FileInfo>) => {
    why ??= dirProblem(dir, dirInfo);
    if (!ownedByUs(dirInfo)) steerers.add(dirInfo.uid!);
    if (sharedWritable(dirInfo)) open ??= `${dir} is writable by other users`;
    if (othersMayAdd(dirInfo) && !ownedByUs(info)) {
      why ??= `${here} belongs to uid ${info.uid}`;
      steerers.add(info.uid!);
    }
  };
  // `..` in `given` is taken by name (path.resolve), in a link's target as the kernel does.
  const walked = await walk(path.resolve(given), { symlinks: "follow", trust }, denoFs);
  if (walked.end === "loop") throw new InputError(`${given}: too many levels of symbolic links`);
  // denoFs throws where nothing is, and "follow" goes on through files: nothing else ends it.
  if (walked.end !== "found") throw new Error(`${given}: walk ended ${walked.end}`);
  const real = walked.host;
  why ??= dirProblem(real, await Deno.lstat(real));
  return { real, trusted: why === undefined, why, steerers, open };
}
