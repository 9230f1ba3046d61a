/**
 * Whether this process can read the whole tree it is to squash. Below host
 * root (a plain user, a non-root uid in the builder container, a container
 * without capabilities) some files of an OS tree are root's alone: /root,
 * /etc/shadow (mode 000 on Fedora). mksquashfs would stop on the first of them
 * after minutes of work, or store it empty; cniso names them all first.
 * find's -readable asks the kernel (access(2)), so capabilities and ACLs count.
 */
import * as path from "node:path";
import { InputError, ToolError } from "../errors.ts";
import { runBytes } from "../run.ts";
import { printable } from "../terminal.ts";
import { requireTools } from "../tools.ts";

/** How many names the message shows. */
const SHOWN = 8;

/** The entries (as paths in the image) this process cannot read; 1 MiB of names at most. */
export async function unreadableEntries(rootDir: string, signal?: AbortSignal): Promise<string[]> {
  const find = (await requireTools(["find"])).get("find")!;
  // A directory needs r (list) and x (enter). access(2), which -readable asks, ignores a
  // non-root uid's capabilities (CAP_DAC_READ_SEARCH): each candidate is opened to be sure.
  const r = await runBytes(find, [
    rootDir,
    ...["(", "(", "-type", "d", "(", "!", "-readable", "-o", "!", "-executable", ")", ")"],
    ...["-o", "(", "-type", "f", "!", "-readable", ")", ")", "-printf", "%P\\0"],
  ], { signal, maxBytes: 1024 * 1024 });
  signal?.throwIfAborted();
  const names = new TextDecoder().decode(r.stdout).split("\0").filter((n) => n !== "");
  // find's exit code is 1 for what it could not enter too, which are candidates already.
  if (r.code !== 0 && names.length === 0) {
    throw new ToolError(`find could not walk ${rootDir}: ${r.stderr.trim().split("\n").at(-1)}`);
  }
  const unreadable: string[] = [];
  for (const name of names) {
    signal?.throwIfAborted();
    if (!(await opens(path.join(rootDir, name)))) unreadable.push(`/${name}`);
  }
  return unreadable;
}

/** Whether a directory lists or a regular file opens (never anything else: a FIFO would block). */
async function opens(file: string): Promise<boolean> {
  try {
    const info = await Deno.lstat(file);
    if (info.isDirectory) {
      for await (const _ of Deno.readDir(file)) break;
      return true;
    }
    if (!info.isFile) return true;
    (await Deno.open(file, { read: true })).close();
    return true;
  } catch {
    return false;
  }
}

/** Exit 2 before any heavy step when some of the tree cannot be read (see the module's note). */
export async function requireReadable(
  rootDir: string,
  name: string,
  signal?: AbortSignal,
): Promise<void> {
  const unreadable = await unreadableEntries(rootDir, signal);
  if (unreadable.length === 0) return;
  const shown = unreadable.slice(0, SHOWN).map(printable).join(", ");
  const more = unreadable.length > SHOWN ? ` and ${unreadable.length - SHOWN} more` : "";
  throw new InputError(
    `cannot read ${unreadable.length} entr${unreadable.length > 1 ? "ies" : "y"} of ${
      printable(name)
    } as uid ${Deno.uid()}: ${shown}${more}`,
    "the live root needs every file read. Run cniso as root; or as uid 0 of a user namespace " +
      "(a plain user's `cniso build IMAGE` does this itself; rootless podman's builder " +
      "container; a Kubernetes pod with hostUsers: false); or give a non-root uid " +
      "CAP_DAC_READ_SEARCH, which reads any file and writes none (podman run --user 1000 " +
      "--cap-drop=all --cap-add=DAC_READ_SEARCH …; README, Without root)",
  );
}
