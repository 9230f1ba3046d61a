/**
 * Whether a --rootfs tree is safe for root to read: no one else can change it
 * while cniso and its tools read it. The tools open paths again minutes after
 * cniso checked them (mcopy and mksquashfs follow a final symlink), so a user
 * who can write anywhere in the tree could swap a file for a link to a host
 * file and have root copy that file into the ISO. A tree is safe when it is on
 * a read-only file system (as podman's image mounts are), or when it, its
 * directories and the directories above it are root's alone. The path is
 * resolved once, and that answer is what gets read.
 */
import * as path from "node:path";
import { dirProblem, resolveTrusted } from "../host_path.ts";
import { run } from "../run.ts";

/** Directories looked at, at most; a tree with more is judged unsafe. */
const MAX_DIRS = 1_000_000;
const SHOWN = 5;

export interface TreeVerdict {
  safe: boolean;
  /** Why not: "DIR/tmp is writable by every user (mode 1777)", at most a few. */
  problems: string[];
  /** The tree's path, resolved once: use this, never the name given. */
  real: string;
}

export async function treeSafety(root: string): Promise<TreeVerdict> {
  const { real, why } = await resolveTrusted(root);
  const problems = why ? [why] : [];
  if (!why && await onReadOnlyMount(real)) return { safe: true, problems, real };
  let count = 0;
  const walk = async (dir: string) => {
    if (problems.length >= SHOWN || ++count > MAX_DIRS) return;
    const problem = dirProblem(dir, await Deno.lstat(dir), true);
    if (problem) problems.push(problem);
    for await (const entry of Deno.readDir(dir)) {
      // Symlinks are not followed: mksquashfs stores them as links.
      if (entry.isDirectory && !entry.isSymlink) await walk(path.join(dir, entry.name));
    }
  };
  await walk(real);
  if (count > MAX_DIRS) problems.push(`it has more than ${MAX_DIRS} directories to check`);
  return { safe: problems.length === 0, problems, real };
}

/** Whether `dir` lies on a read-only mount, from /proc/self/mountinfo. */
export async function onReadOnlyMount(dir: string): Promise<boolean> {
  // Read by a child: Deno refuses /proc paths without every permission. /proc/self is cat's own,
  // in the same mount namespace.
  const text = (await run("cat", ["/proc/self/mountinfo"]).catch(() => undefined))?.stdout ?? "";
  return readOnlyIn(text, dir);
}

/** Whether, by /proc/self/mountinfo's `text`, `dir` lies on a file system no one can write. */
export function readOnlyIn(text: string, dir: string): boolean {
  let best: { point: string; ro: boolean } | undefined;
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    if (fields.length < 6) continue;
    // Mount points escape space, tab, newline and backslash in octal.
    const point = fields[4].replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    const inside = point === "/" || dir === point || dir.startsWith(point + "/");
    if (inside && (!best || point.length >= best.point.length)) {
      // A read-only file system (superblock) cannot be written by any path; a read-only bind
      // of a writable directory can (through its other path), so a per-mount "ro" alone is
      // not enough.
      const dash = fields.indexOf("-");
      const superOptions = dash > 0 ? (fields[dash + 3] ?? "") : "";
      // An overlay is made by root alone (podman's image mounts, in a container too), from
      // layers in root's storage: read-only as a mount, it is read-only for everyone.
      const fsType = dash > 0 ? fields[dash + 1] : "";
      const superRo = superOptions.split(",").includes("ro");
      const ro = superRo || (fsType === "overlay" && fields[5].split(",").includes("ro"));
      best = { point, ro };
    }
  }
  return best?.ro ?? false;
}
