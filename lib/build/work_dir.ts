/**
 * Where the build writes, and how the ISO reaches a directory another user
 * may own.
 *
 * cniso runs as root; the output directory often belongs to an ordinary user
 * (the ISO is given to them), who can rename anything inside it at any moment.
 * So root never works there by path. The work directory is root's own (mode
 * 0700) in a directory no one else can change: the output directory itself
 * when it and every directory above it are root's alone (then the finished ISO
 * is renamed into place, as fast as it gets), else /var/tmp. In that case the
 * output directory is opened once and held, and a child process moves the ISO
 * in through the descriptor (/proc/<pid>/fd/<n>), which no rename or symlink
 * can redirect. (Deno's own file calls refuse /proc descriptor paths unless
 * given every permission, so the move is a small shell script.)
 */
import * as path from "node:path";
import type { Cleanup } from "../cleanup.ts";
import { osGuard, ToolError } from "../errors.ts";
import { run } from "../run.ts";
import { dirProblem } from "../image/tree_safety.ts";

/** Where work directories go when the output directory is not root's alone. */
export const SHARED_WORK_BASE = "/var/tmp";

/** Work directories are named for their process, so a later build can tell stale ones. */
const WORK_NAME = /^\.cniso-(\d+)-(\d+)-[0-9a-f]+$/;

export interface Output {
  /** The work directory: root's own; removed by the cleanup list. */
  workDir: string;
  /** The owner and group of the output directory. */
  dirOwner: { uid: number; gid: number };
  /** Moves the finished ISO from the work directory to `isoPath`, giving it `owner`. */
  place(tempIso: string, owner?: { uid: number; gid: number }): Promise<void>;
}

/** Prepares the work directory for an ISO at `isoPath`; removes what killed builds left. */
export async function prepareOutput(
  isoPath: string,
  cleanup: Cleanup,
  note: (line: string) => void,
): Promise<Output> {
  const dir = path.dirname(isoPath);
  const held = await osGuard(`cannot open the output directory ${dir}`, () => Deno.open(dir));
  cleanup.defer("release the output directory", () => held.close());
  const info = await held.stat();
  const trusted = await onlyRootCanChange(dir);
  const base = trusted ? dir : SHARED_WORK_BASE;
  if (!trusted && !(await onlyRootCanChange(base))) {
    throw new ToolError(`${base} can be changed by other users: cniso has no safe place to work`);
  }
  const stale = await removeStaleWorkDirs(base);
  if (stale.length > 0) {
    console.error(`cniso: removed what killed builds left in ${base}: ${stale.join(", ")}`);
  }
  const workDir = await osGuard(
    `cannot write to ${base}`,
    async () =>
      Deno.makeTempDir({
        dir: base,
        prefix: `.cniso-${Deno.pid}-${await startTime(Deno.pid) ?? 0}-`,
      }),
  );
  cleanup.defer("remove the work directory", () => Deno.remove(workDir, { recursive: true }));
  // A directory only root can change is used by path; another user's through the held descriptor.
  const place = trusted
    ? async (tempIso: string, owner?: { uid: number; gid: number }) => {
      if (owner) await Deno.chown(tempIso, owner.uid, owner.gid);
      await osGuard(`cannot write to ${dir}`, () => Deno.rename(tempIso, isoPath));
    }
    : (tempIso: string, owner?: { uid: number; gid: number }) =>
      placeThroughDescriptor(tempIso, info, path.basename(isoPath), owner);
  return { workDir, dirOwner: { uid: info.uid ?? 0, gid: info.gid ?? 0 }, place };
}

/** Whether `dir` and every directory above it can be changed by root alone. */
async function onlyRootCanChange(dir: string): Promise<boolean> {
  const real = await Deno.realPath(dir);
  const parts = real.split("/").filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const at = "/" + parts.slice(0, i).join("/");
    if (dirProblem(at, await Deno.lstat(at), true)) return false;
  }
  return true;
}

/**
 * The move into another user's directory, by a child process that finds the
 * directory this process holds (by device and inode) under /proc/<pid>/fd.
 * Same mount: a rename, which replaces a planted symlink instead of following
 * it. Otherwise: a copy that fails rather than follow or reuse anything found
 * at its name (dd conv=excl), given to its owner without following links, then
 * renamed into place.
 */
const PLACE_SCRIPT = `set -eu
pid=$1 id=$2 src=$3 name=$4 owner=$5
dir=
for fd in /proc/"$pid"/fd/*; do
  if [ -d "$fd" ] && [ "$(stat -L -c %d:%i -- "$fd")" = "$id" ]; then dir=$fd; break; fi
done
[ -n "$dir" ] || { echo "the output directory is no longer open" >&2; exit 3; }
if [ -n "$owner" ]; then chown -- "$owner" "$src"; fi
if [ "$(stat -c %m -- "$src")" = "$(stat -L -c %m -- "$dir")" ]; then
  exec mv -T -- "$src" "$dir/$name"
fi
tmp="$dir/.cniso-placing-$$"
if ! dd if="$src" of="$tmp" bs=4M conv=excl,fsync status=none; then rm -f -- "$tmp"; exit 1; fi
if [ -n "$owner" ]; then chown -h -- "$owner" "$tmp"; fi
mv -T -- "$tmp" "$dir/$name"
`;

async function placeThroughDescriptor(
  tempIso: string,
  dir: Deno.FileInfo,
  name: string,
  owner?: { uid: number; gid: number },
): Promise<void> {
  const args = [
    ...["-c", PLACE_SCRIPT, "cniso-place", `${Deno.pid}`, `${dir.dev}:${dir.ino}`],
    ...[tempIso, name, owner ? `${owner.uid}:${owner.gid}` : ""],
  ];
  const r = await run("sh", args);
  if (r.code !== 0) {
    const why = r.stderr.trim().split("\n").slice(-3).join(" ");
    throw new ToolError(`cannot move the ISO into its directory: ${why}`);
  }
}

/** This process's start time (clock ticks since boot), from /proc/<pid>/stat. */
async function startTime(pid: number): Promise<string | undefined> {
  // Read by a child: Deno refuses /proc paths without every permission.
  const r = await run("cat", [`/proc/${pid}/stat`]).catch(() => undefined);
  const stat = r?.code === 0 ? r.stdout : undefined;
  // The command name (field 2) may hold spaces and parentheses: count from the last ")".
  return stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

/**
 * Removes work directories that builds killed with SIGKILL left behind: ours
 * (same owner, a real directory), named for a process that is gone. A running
 * build's directory is never touched.
 */
export async function removeStaleWorkDirs(base: string): Promise<string[]> {
  const removed: string[] = [];
  for await (const entry of Deno.readDir(base)) {
    const m = WORK_NAME.exec(entry.name);
    if (!m || !entry.isDirectory) continue;
    const info = await Deno.lstat(path.join(base, entry.name)).catch(() => undefined);
    if (!info?.isDirectory || info.uid !== Deno.uid()) continue;
    const now = await startTime(Number(m[1]));
    // Its build still runs (same process, or a start time that could not be read: keep it).
    if (now === m[2] || (now !== undefined && m[2] === "0")) continue;
    await Deno.remove(path.join(base, entry.name), { recursive: true }).catch(() => {});
    removed.push(entry.name);
  }
  return removed;
}
