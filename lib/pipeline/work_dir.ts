/**
 * Where the build writes, and how the ISO reaches a directory another user
 * may own.
 *
 * cniso runs as root; the output directory often belongs to an ordinary user
 * (the ISO is given to them), who can rename anything inside it at any moment.
 * So root never works there by path. The output directory is resolved once
 * (host_path.ts). When that way, and the directory, are root's alone, the work
 * directory goes inside it and the finished ISO is renamed into place. Else
 * the work directory is root's own in /var/tmp, the output directory is held
 * open, and a child process moves the ISO in through the descriptor
 * (/proc/<pid>/fd/<n>), working inside it by relative names, with the
 * directory owner's own privileges for every write there. (Deno's own file
 * calls refuse /proc descriptor paths, so the move is a small shell script.)
 */
import * as path from "node:path";
import type { Cleanup } from "../cleanup.ts";
import { InputError, osGuard, ToolError } from "../errors.ts";
import { dirProblem, resolveTrusted } from "../host_path.ts";
import { run } from "../run.ts";
import { isHostRoot } from "../image/user_namespace.ts";

/** Where work directories go when the output directory is not root's alone. */
export const SHARED_WORK_BASE = "/var/tmp";

/** Work directories: named for their process (for people), locked while in use (for builds). */
const WORK_NAME = /^\.cniso-\d+-[0-9a-f]+$/;
const LOCK = ".lock";

type Owner = { uid: number; gid: number };

export interface Output {
  /** The work directory: root's own; removed by the cleanup list. */
  workDir: string;
  /** The owner and group of the output directory. */
  dirOwner: Owner;
  /**
   * Moves a finished file from the work directory to its place, giving it
   * `owner` (default: the directory's owner); a copy into another user's
   * directory on another file system is always theirs.
   */
  place(temp: string, owner?: Owner): Promise<void>;
}

/** Prepares the work directory for a file at `destPath`; removes what killed builds left. */
export async function prepareOutput(
  destPath: string,
  cleanup: Cleanup,
  note: (line: string) => void,
): Promise<Output> {
  const given = path.dirname(destPath);
  const name = path.basename(destPath);
  // Resolved once; from here on only `real` (root's alone) or the held descriptor is used.
  const way = await osGuard(
    `cannot open the output directory ${given}`,
    () => resolveTrusted(given),
  );
  const { real, steerers, open } = way;
  // uid 0 of a user namespace writes with the user's own rights; there root's files and other
  // users' look alike (65534), so a plain user's way was judged before (user_namespace_run.ts).
  const trusted = way.trusted || (Deno.uid() === 0 && !(await isHostRoot()));
  if (!(await Deno.stat(real)).isDirectory) throw new InputError(`${given}: not a directory`);
  const base = trusted ? real : SHARED_WORK_BASE;
  if (!trusted && !(await resolveTrusted(base)).trusted) {
    throw new ToolError(`${base} can be changed by other users: cniso has no safe place to work`);
  }
  const stale = await removeStaleWorkDirs(base);
  if (stale.length > 0) note(`removed what killed builds left in ${base}: ${stale.join(", ")}`);
  const workDir = await makeWorkDir(base, cleanup);
  if (trusted) {
    const info = await Deno.stat(real);
    return {
      workDir,
      dirOwner: { uid: info.uid ?? 0, gid: info.gid ?? 0 },
      async place(temp, owner) {
        if (owner) await Deno.chown(temp, owner.uid, owner.gid);
        await osGuard(`cannot write to ${given}`, () => Deno.rename(temp, path.join(real, name)));
      },
    };
  }
  const held = await holdForeignDir(real, given, cleanup, { steerers, open });
  const dirOwner = { uid: held.uid ?? 0, gid: held.gid ?? 0 };
  return {
    workDir,
    dirOwner,
    place: (temp, owner) => placeThroughDescriptor(temp, held, name, dirOwner, owner ?? dirOwner),
  };
}

/** A root-only work directory, locked while this build runs (see removeStaleWorkDirs). */
async function makeWorkDir(base: string, cleanup: Cleanup): Promise<string> {
  const workDir = await osGuard(
    `cannot write to ${base}`,
    () => Deno.makeTempDir({ dir: base, prefix: `.cniso-${Deno.pid}-` }),
  );
  cleanup.defer("remove the work directory", () => Deno.remove(workDir, { recursive: true }));
  const lock = await Deno.open(path.join(workDir, LOCK), { write: true, createNew: true });
  cleanup.defer("release the work directory's lock", () => lock.close());
  await lock.lock(true);
  return workDir;
}

/**
 * Holds an output directory that someone else can change. It must be someone
 * else's: a directory only root can write, reached by a way that someone else
 * can change, may be where that someone pointed root on purpose.
 */
async function holdForeignDir(
  real: string,
  given: string,
  cleanup: Cleanup,
  way: { steerers: Set<number>; open?: string },
): Promise<Deno.FileInfo> {
  const held = await osGuard(`cannot open the output directory ${given}`, () => Deno.open(real));
  cleanup.defer("release the output directory", () => held.close());
  const info = await held.stat();
  if (!info.isDirectory) throw new InputError(`${given}: not a directory`);
  const fix = "give the directory's real path, or write the ISO to a directory its user owns";
  if (info.uid === 0 && !dirProblem(given, info)) {
    throw new ToolError(
      `${given} is reached by a path that other users can change, but only root can write there`,
      fix,
    );
  }
  // Root writes only into the directory of the one user who could steer the way there: never
  // into a third user's directory that someone else's symlink points at.
  const others = [...way.steerers].filter((uid) => uid !== info.uid);
  if (way.open || others.length > 0) {
    const by = way.open ?? `uid ${others.join(", uid ")} can change the way there`;
    throw new ToolError(
      `${given} leads to ${real}, which belongs to uid ${info.uid}, but ${by}: ` +
        `cniso does not write into a directory another user may have been steered to`,
      fix,
    );
  }
  return info;
}

/**
 * The move into another user's directory, by a child process that finds the
 * directory this process holds (by device and inode) under /proc/<pid>/fd and
 * works inside it by relative names only. Same mount: root renames the file
 * (first given to its owner: --chown, else the directory's) in, which replaces
 * a planted symlink instead of following it. Otherwise the directory owner's
 * own process copies it in, and it is theirs (its
 * stdin opened by root) under a fresh name and renames it: a write that can
 * only land where that user could write anyway.
 */
const PLACE_SCRIPT = `set -eu
pid=$1 id=$2 src=$3 name=$4 uid=$5 gid=$6 owner=$7
dir=
for fd in /proc/"$pid"/fd/*; do
  if [ -d "$fd" ] && [ "$(stat -L -c %d:%i -- "$fd")" = "$id" ]; then dir=$fd; break; fi
done
[ -n "$dir" ] || { echo "the output directory is no longer open" >&2; exit 3; }
cd -- "$dir"
if [ "$(stat -c %m -- "$src")" = "$(stat -c %m -- .)" ]; then
  chown -- "$owner" "$src"
  exec mv -T -- "$src" "./$name"
fi
as_owner() { setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"; }
tmp=./.cniso-placing-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \\n')
trap 'as_owner rm -f -- "$tmp"' EXIT
as_owner dd of="$tmp" bs=4M conv=excl,fsync status=none < "$src"
as_owner mv -T -- "$tmp" "./$name"
trap - EXIT
`;

async function placeThroughDescriptor(
  temp: string,
  dir: Deno.FileInfo,
  name: string,
  dirOwner: Owner,
  owner: Owner,
): Promise<void> {
  const args = [
    ...["-c", PLACE_SCRIPT, "cniso-place", `${Deno.pid}`, `${dir.dev}:${dir.ino}`],
    ...[temp, name, `${dirOwner.uid}`, `${dirOwner.gid}`, `${owner.uid}:${owner.gid}`],
  ];
  const r = await run("sh", args);
  if (r.code !== 0) {
    const why = r.stderr.trim().split("\n").slice(-3).join(" ");
    throw new ToolError(`cannot move ${name} into its directory: ${why}`);
  }
}

/**
 * Removes work directories that builds killed with SIGKILL left behind: ours
 * (same owner, a real directory, our name), whose lock no running build holds.
 * A lock, unlike a process id, also holds across PID namespaces (two builder
 * containers both run cniso as PID 1).
 */
export async function removeStaleWorkDirs(base: string): Promise<string[]> {
  const removed: string[] = [];
  for await (const entry of Deno.readDir(base)) {
    if (!WORK_NAME.test(entry.name) || !entry.isDirectory) continue;
    const dir = path.join(base, entry.name);
    const info = await Deno.lstat(dir).catch(() => undefined);
    if (!info?.isDirectory || info.uid !== Deno.uid()) continue;
    const free = await run("flock", ["--nonblock", "--exclusive", path.join(dir, LOCK), "true"])
      .catch(() => undefined);
    if (free?.code !== 0) continue; // a running build holds it (or it cannot be told)
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    removed.push(entry.name);
  }
  return removed;
}

/**
 * Who gets the ISO: `--chown`, or by default the owner of its directory, so a
 * build run as root (sudo, or the builder container) does not leave the user an
 * ISO they cannot delete. Undefined: leave it as it is.
 */
export function isoOwner(
  dir: { uid: number; gid: number },
  owner: { uid: number; gid: number } | undefined,
  hostRoot: boolean,
): { uid: number; gid: number } | undefined {
  if (Deno.uid() !== 0) return undefined;
  if (owner) return owner;
  // In a user namespace the ISO is already the user's; a directory of someone else's (/tmp)
  // shows there as an unmapped id that no chown can give.
  if (!hostRoot) return undefined;
  return dir.uid ? { uid: dir.uid, gid: dir.gid ?? 0 } : undefined;
}
