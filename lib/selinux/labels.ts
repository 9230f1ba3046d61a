/**
 * The SELinux label of every path of the live root, as the image's own policy
 * assigns it: find lists the paths (as bytes, with their type), and
 * libselinux's matchpathcon looks each one up in a copy of the policy's
 * file_contexts (with its .local, .homedirs, .subs and .subs_dist), the same
 * lookup setfiles and restorecon make. The labels become a mksquashfs pseudo
 * file (pseudo.ts). Nothing is set on any file: this works as any user, on any
 * host, with or without SELinux.
 */
import { InputError, ToolError } from "../errors.ts";
import { runBytes } from "../run.ts";
import { printable } from "../terminal.ts";
import type { ToolName } from "../tools.ts";
import { isContext, labelLine } from "./pseudo.ts";

/** What the executor does for a labelled squashfs (plan data). */
export interface LabelJob {
  /**
   * The trees whose entries make the live root, each walked at its place in
   * it; where two hold the same path, the first one listed is the one the
   * live root shows.
   */
  trees: { dir: string; at: string }[];
  /** The copy of the policy's file_contexts in the work directory (the others beside it). */
  contexts: string;
  /** The pseudo file written for mksquashfs. */
  pseudo: string;
}

export interface LabelStats {
  labelled: number;
  /** Paths the policy leaves unlabelled on purpose (`<<none>>`). */
  none: number;
}

/** A walk's output is a few dozen bytes a path; the paths themselves are bounded below. */
const MAX_LISTING = 1024 * 1024 * 1024;
/** A desktop image has a few hundred thousand paths; millions would exhaust the build's memory. */
export const MAX_PATHS = 5_000_000;
/** Longer than Linux's PATH_MAX: no live system could open it (and mksquashfs's lines are 16 KiB). */
const MAX_PATH_BYTES = 4096;
/** matchpathcon runs at once, at most. */
const MAX_RUNS = 8;
/** matchpathcon's arguments per run (xargs -s): fewer runs, each reading file_contexts once. */
const ARGS_BYTES = "1000000";

/** find's type letters; matchpathcon -m reads the same first letters. */
const TYPES = ["f", "d", "l", "c", "b", "p", "s"] as const;

type Entry = { path: Uint8Array; type: string };

export async function writeLabels(
  job: LabelJob,
  tools: Map<ToolName, string>,
  signal: AbortSignal,
): Promise<LabelStats> {
  const entries = await liveRootEntries(job.trees, tools.get("find")!, signal);
  const long = entries.find((e) => e.path.length > MAX_PATH_BYTES);
  if (long) {
    throw new InputError(
      `the image has a path longer than ${MAX_PATH_BYTES} bytes, which no live system can open: ${
        printable(new TextDecoder().decode(long.path.subarray(0, 200)))
      }…`,
      "shorten it, or leave it out with --exclude",
    );
  }
  const odd = entries.find((e) => !(TYPES as readonly string[]).includes(e.type));
  if (odd) {
    throw new ToolError(
      `find reported an entry of unknown type ${JSON.stringify(odd.type)}: ${
        printable(new TextDecoder().decode(odd.path))
      }`,
    );
  }
  const newline = entries.find((e) => e.path.includes(0x0a));
  if (newline) {
    throw new InputError(
      `the image has a path with a newline in its name, which mksquashfs cannot be given a label for: ${
        printable(new TextDecoder().decode(newline.path))
      }`,
      "rename it, or build with --selinux off (the live root is then unlabelled)",
    );
  }
  const lines: Uint8Array[] = [];
  const stats = { labelled: 0, none: 0 };
  for (const type of TYPES) {
    const ofType = entries.filter((e) => e.type === type);
    if (ofType.length === 0) continue;
    const contexts = await lookUp(ofType, type, job.contexts, tools, signal);
    ofType.forEach((e, i) => {
      if (contexts[i] === "<<none>>") {
        stats.none++;
        return;
      }
      lines.push(labelLine(e.path, contexts[i])!);
      stats.labelled++;
    });
  }
  await Deno.writeFile(job.pseudo, concat(lines), { createNew: true, mode: 0o600 });
  return stats;
}

/** Every path of the live root with its type; the first tree that holds a path wins. */
async function liveRootEntries(
  trees: LabelJob["trees"],
  find: string,
  signal: AbortSignal,
): Promise<Entry[]> {
  const seen = new Set<string>();
  const out: Entry[] = [];
  const enc = new TextEncoder();
  for (const tree of trees) {
    // %y: the entry's type letter; %P: its path below the tree, "" for the tree itself.
    const r = await runBytes(find, [tree.dir, "-printf", "%y%P\\0"], {
      signal,
      maxBytes: MAX_LISTING,
    });
    signal.throwIfAborted();
    if (r.cut) throw new InputError(`the image has too many files to label (over 2 GiB of names)`);
    if (r.code !== 0) {
      throw new ToolError(
        `find could not list ${tree.dir} (exit code ${r.code})`,
        printable(r.stderr.trim().split("\n").slice(-5).join("\n")),
      );
    }
    const at = enc.encode(tree.at === "/" ? "" : tree.at);
    for (const record of split(r.stdout)) {
      const type = String.fromCharCode(record[0]);
      const rel = record.subarray(1);
      const path = rel.length === 0
        ? (at.length ? at : enc.encode("/"))
        : concat([at, enc.encode("/"), rel]);
      const key = latin1(path);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ path, type });
      if (out.length > MAX_PATHS) {
        throw new InputError(
          `the live root has more than ${MAX_PATHS} paths to label`,
          "build with --selinux off, or leave paths out with --exclude",
        );
      }
    }
  }
  return out;
}

/** Paths per matchpathcon run at the least: each run reads and compiles file_contexts. */
const MIN_CHUNK = 4000;

/**
 * The policy's label for each path (all of one type), in order, looked up on
 * every core (a lookup takes a fraction of a millisecond; an image has a
 * hundred thousand paths).
 */
async function lookUp(
  entries: Entry[],
  type: string,
  contexts: string,
  tools: Map<ToolName, string>,
  signal: AbortSignal,
): Promise<string[]> {
  const cores = Math.min(navigator.hardwareConcurrency, MAX_RUNS);
  const n = Math.max(1, Math.min(cores, Math.ceil(entries.length / MIN_CHUNK)));
  const size = Math.ceil(entries.length / n);
  const chunks = Array.from({ length: n }, (_, i) => entries.slice(i * size, (i + 1) * size));
  // One failing run stops the others.
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  const results = await Promise.all(
    chunks.map((chunk) =>
      lookUpChunk(chunk, type, contexts, tools, both).catch((e) => {
        stop.abort();
        throw e;
      })
    ),
  );
  return results.flat();
}

/** The policy's label for each path (all of one type), in order; `<<none>>` where it gives none. */
async function lookUpChunk(
  entries: Entry[],
  type: string,
  contexts: string,
  tools: Map<ToolName, string>,
  signal: AbortSignal,
): Promise<string[]> {
  const input = concat(entries.flatMap((e) => [e.path, new Uint8Array([0])]));
  const r = await runBytes(
    tools.get("xargs")!,
    [
      ...["-0", "-r", "-s", ARGS_BYTES, "--"],
      ...[tools.get("matchpathcon")!, "-N", "-n", "-m", type, "-f", contexts],
    ],
    { stdin: input, signal, maxBytes: MAX_LISTING },
  );
  signal.throwIfAborted();
  const lines = new TextDecoder().decode(r.stdout).split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (r.code !== 0 || lines.length !== entries.length) {
    throw new ToolError(
      `matchpathcon gave ${lines.length} labels for ${entries.length} paths (exit code ${r.code})`,
      printable(r.stderr.trim().split("\n").slice(-5).join("\n")) || undefined,
    );
  }
  const bad = lines.find((l) => l !== "<<none>>" && !isContext(l));
  if (bad !== undefined) {
    throw new InputError(
      `the image's file_contexts gives a label that is not a security context: ${printable(bad)}`,
      "check the policy's file_contexts files",
    );
  }
  return lines;
}

function split(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      out.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A byte string as a JavaScript string, one character a byte (a key, never shown). */
function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return s;
}
