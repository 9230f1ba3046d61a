/**
 * Whether this process can read the whole tree it is to squash. Below host
 * root (a plain user, a non-root uid in the builder container, a container
 * without capabilities) some files of an OS tree are root's alone: /root,
 * /etc/shadow (mode 000 on Fedora). mksquashfs would stop on the first of them
 * after minutes of work, or store it empty; cniso names them all first.
 */
import { InputError, ToolError } from "../errors.ts";
import { runBytes } from "../run.ts";
import { printable } from "../terminal.ts";
import { requireTools } from "../tools.ts";

/** How many names the message shows. */
const SHOWN = 8;
const MAX_NAMES_BYTES = 1024 * 1024;

/**
 * The entries (as paths in the image) this process cannot read: a directory it cannot list or
 * enter, a file it cannot open. find's -readable asks access(2), which ignores a non-root uid's
 * capabilities (CAP_DAC_READ_SEARCH), and so does test(1) where seccomp refuses faccessat2;
 * each entry it doubts is tried for real by a shell. Names are handled as bytes.
 */
export async function unreadableEntries(
  rootDir: string,
  signal?: AbortSignal,
): Promise<{ names: string[]; more: boolean }> {
  const tools = await requireTools(["find", "sh"]);
  const sh = tools.get("sh")!;
  // ( unreadable directory -o unreadable file ) -printf: without the outer parentheses -printf
  // would bind to the second alternative alone. The shell enters and lists a directory, and
  // opens a file (a redirection reads nothing), with every right the process has.
  const enters = [sh, "-c", 'cd -- "$1" && ls -A >/dev/null', "sh", "{}", ";"];
  const opens = [sh, "-c", ': <"$1"', "sh", "{}", ";"];
  const expression = [
    ...["(", "(", "-type", "d", "(", "!", "-readable", "-o", "!", "-executable", ")"],
    ...["!", "-exec", ...enters, ")", "-o"],
    ...["(", "-type", "f", "!", "-readable", "!", "-exec", ...opens, ")", ")"],
  ];
  const r = await runBytes(tools.get("find")!, [rootDir, ...expression, "-printf", "%P\\0"], {
    signal,
    maxBytes: MAX_NAMES_BYTES,
  });
  signal?.throwIfAborted();
  const names = new TextDecoder().decode(r.stdout).split("\0");
  // The last piece is "" after a full list, a name cut short after a cut one.
  names.pop();
  if (r.code !== 0 && names.length === 0 && !r.cut) {
    // find says 1 for directories it could not enter, which are named already.
    throw new ToolError(`find could not walk ${rootDir}: ${r.stderr.trim().split("\n").at(-1)}`);
  }
  return { names: names.map((n) => `/${n}`), more: r.cut };
}

/** Exit 2 before any heavy step when some of the tree cannot be read (see the module's note). */
export async function requireReadable(
  rootDir: string,
  name: string,
  signal?: AbortSignal,
): Promise<void> {
  const { names, more: cut } = await unreadableEntries(rootDir, signal);
  if (names.length === 0 && !cut) return;
  const count = `${cut ? "at least " : ""}${names.length}`;
  const shown = names.slice(0, SHOWN).map(printable).join(", ");
  const more = names.length > SHOWN || cut
    ? ` and ${cut ? "more" : names.length - SHOWN + " more"}`
    : "";
  throw new InputError(
    `cannot read ${count} entr${names.length > 1 || cut ? "ies" : "y"} of ${
      printable(name)
    } as uid ${Deno.uid()}: ${shown}${more}`,
    "the live root needs every file read. Run cniso as root; or as uid 0 of a user namespace " +
      "(a plain user's `cniso build IMAGE` does this itself; rootless podman's builder " +
      "container; a Kubernetes pod with hostUsers: false); or give a non-root uid " +
      "CAP_DAC_READ_SEARCH, which reads any file and writes none (podman run --user 1000 " +
      "--cap-drop=all --cap-add=DAC_READ_SEARCH …; docs/without-root.md)",
  );
}
