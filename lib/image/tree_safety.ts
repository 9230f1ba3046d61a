/**
 * Whether a --rootfs tree is safe for root to read: no one else can change it
 * while cniso and its tools read it. The tools open paths again minutes after
 * cniso checked them (mcopy and mksquashfs follow a final symlink), so a user
 * who can write anywhere in the tree could swap a file for a link to a host
 * file and have root copy that file into the ISO. A tree is safe when it is on
 * a read-only mount (as podman's image mounts are), or when it, its
 * directories and the directories above it are root's alone.
 */
import * as path from "node:path";
import { run } from "../run.ts";

/** Directories looked at, at most; a tree with more is judged unsafe. */
const MAX_DIRS = 1_000_000;
const SHOWN = 5;

export interface TreeVerdict {
  safe: boolean;
  /** Why not: "DIR/tmp is writable by every user (mode 1777)", at most a few. */
  problems: string[];
}

export async function treeSafety(root: string): Promise<TreeVerdict> {
  const real = await Deno.realPath(root);
  if (await onReadOnlyMount(real)) return { safe: true, problems: [] };
  const problems: string[] = [];
  let count = 0;
  // Above the tree: no one else may rename or replace a directory on the way.
  const parts = real.split("/").filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const dir = "/" + parts.slice(0, i).join("/");
    const problem = dirProblem(dir, await Deno.lstat(dir), true);
    if (problem) problems.push(problem);
  }
  const walk = async (dir: string) => {
    if (problems.length >= SHOWN || ++count > MAX_DIRS) return;
    const problem = dirProblem(dir, await Deno.lstat(dir), false);
    if (problem) problems.push(problem);
    for await (const entry of Deno.readDir(dir)) {
      // Symlinks are not followed: mksquashfs stores them as links.
      if (entry.isDirectory && !entry.isSymlink) await walk(path.join(dir, entry.name));
    }
  };
  await walk(real);
  if (count > MAX_DIRS) problems.push(`it has more than ${MAX_DIRS} directories to check`);
  return { safe: problems.length === 0, problems };
}

/**
 * Why another user (anyone but root and this process's user) could change
 * what is in `dir`, if they could. Above the
 * tree a sticky directory (like /tmp) is fine: others cannot rename root's
 * entries in it. Inside the tree it is not: they can swap their own files.
 */
export function dirProblem(dir: string, info: Deno.FileInfo, above: boolean): string | undefined {
  const mode = (info.mode ?? 0) & 0o7777;
  const octal = mode.toString(8).padStart(4, "0");
  if (info.uid !== 0 && info.uid !== Deno.uid()) return `${dir} is owned by uid ${info.uid}`;
  const sticky = (mode & 0o1000) !== 0;
  if (mode & 0o002 && !(above && sticky)) {
    return `${dir} is writable by every user (mode ${octal})`;
  }
  if (mode & 0o020 && info.gid !== 0 && !(above && sticky)) {
    return `${dir} is writable by group ${info.gid} (mode ${octal})`;
  }
  return undefined;
}

/** Whether `dir` lies on a read-only mount, from /proc/self/mountinfo. */
export async function onReadOnlyMount(dir: string): Promise<boolean> {
  // Read by a child: Deno refuses /proc paths without every permission. /proc/self is cat's own,
  // in the same mount namespace.
  const text = (await run("cat", ["/proc/self/mountinfo"]).catch(() => undefined))?.stdout ?? "";
  let best: { point: string; ro: boolean } | undefined;
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    if (fields.length < 6) continue;
    // Mount points escape space, tab, newline and backslash in octal.
    const point = fields[4].replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    const inside = point === "/" || dir === point || dir.startsWith(point + "/");
    if (inside && (!best || point.length >= best.point.length)) {
      best = { point, ro: fields[5].split(",").includes("ro") };
    }
  }
  return best?.ro ?? false;
}
