/**
 * Carries out a plan: writes the generated files, copies the BIOS modules out
 * of the image, runs each step's tool, and renames the finished ISO into place.
 * Everything it makes is inside plan.workDir, which the caller removes.
 */
import * as path from "node:path";
import { InputError, ToolError } from "../errors.ts";
import { readAtMost } from "../read_at_most.ts";
import { commandLine, type Plan, type StagedFiles, type Step } from "./plan.ts";
import type { Progress, Report } from "../progress.ts";
import { run } from "../run.ts";
import { writeLabels } from "../selinux/labels.ts";
import { shellQuote } from "../terminal.ts";
import { makeTempFile } from "../temp_dir.ts";
import type { ToolName } from "../tools.ts";

const STDERR_LINES = 15;

export interface ExecuteOptions {
  tools: Map<ToolName, string>;
  signal: AbortSignal;
  progress: Progress;
  /** Give the ISO to this owner before it is moved into place. */
  owner?: { uid: number; gid: number };
  /** Moves the finished ISO to plan.output (default: a rename; see work_dir.ts). */
  place?: (tempIso: string, owner?: { uid: number; gid: number }) => Promise<void>;
}

/** The number of progress steps `execute` reports (for "[n/total]"). */
export function progressSteps(plan: Plan): number {
  // Staging, one per stage, and the rename.
  return plan.stages.length + 2;
}

/** Writes the generated files and copies the BIOS modules into the work directory. */
export async function stage(plan: StagedFiles): Promise<void> {
  for (const d of plan.dirs) {
    await Deno.mkdir(d.path, { recursive: true, mode: 0o755 });
    await Deno.chmod(d.path, d.mode);
  }
  for (const w of plan.writes) {
    await Deno.mkdir(path.dirname(w.path), { recursive: true, mode: 0o755 });
    await guard(w.path, () => Deno.writeTextFile(w.path, w.content, { createNew: true }));
    if (w.mode !== undefined) await Deno.chmod(w.path, w.mode);
  }
  for (const l of plan.links) {
    await Deno.mkdir(path.dirname(l.path), { recursive: true, mode: 0o755 });
    await Deno.symlink(l.target, l.path);
  }
  for (const c of plan.copies) {
    await Deno.mkdir(path.dirname(c.target), { recursive: true, mode: 0o755 });
    // Written anew with a plain mode: a setuid or setgid bit never comes along. Read no more
    // than discovery saw: a file that grew since is not what was checked.
    const bytes = await readAtMost(c.source, (c.size ?? 0) + 1);
    if (c.size !== undefined && bytes.length > c.size) {
      if (c.fromHost) throw new ToolError(`${c.source} changed while the build ran`);
      throw new InputError(
        `${c.source} changed while the build ran`,
        "build from an image or a tree no one else changes",
      );
    }
    await guard(c.target, () => Deno.writeFile(c.target, bytes, { createNew: true }));
    await Deno.chmod(c.target, c.mode ?? 0o644);
  }
}

/** Runs the plan; returns the ISO's size in bytes. */
export async function execute(plan: Plan, options: ExecuteOptions): Promise<number> {
  const { signal, progress } = options;
  await progress.step("stage boot files", () => stage(plan));
  for (const { title, steps, files, labels } of plan.stages) {
    signal.throwIfAborted();
    await progress.step(title, async (report) => {
      if (files) await stage(files);
      if (labels) {
        const n = await writeLabels(labels, options.tools, signal);
        progress.note(
          `SELinux: ${n.labelled} paths labelled` +
            (n.none ? `, ${n.none} left unlabelled as the policy says (<<none>>)` : ""),
        );
      }
      for (const step of steps) {
        await runStep(step, {
          ...options,
          report: step.tool === "mksquashfs" ? report : undefined,
          workDir: plan.workDir,
        });
      }
    });
  }
  signal.throwIfAborted();
  // Measured here: once placed, the ISO is in a directory someone else may control.
  const size = (await Deno.stat(plan.tempIso)).size;
  await progress.step("move the ISO into place", async () => {
    const place = options.place ?? (async (from, owner) => {
      if (owner) await Deno.chown(from, owner.uid, owner.gid);
      await Deno.rename(from, plan.output);
    });
    await guard(plan.output, () => place(plan.tempIso, options.owner));
  });
  return size;
}

export async function runStep(
  step: Step,
  { tools, signal, report, workDir }: Pick<ExecuteOptions, "tools" | "signal"> & {
    report?: Report;
    /** Root's own directory, for a command line too long for one argument. */
    workDir?: string;
  },
): Promise<void> {
  for (const name of [step.tool, ...(step.via ? [step.via.tool] : [])]) {
    if (!tools.has(name)) throw new ToolError(`internal: tool ${name} was not looked up`);
  }
  const pty = report ? tools.get("script") : undefined;
  const terminal = pty ? await terminalArgs(pty, commandLine(step, tools), workDir) : undefined;
  const [exe, ...args] = terminal ? terminal.args : commandLine(step, tools);
  const timeout = step.timeoutSecs ? AbortSignal.timeout(step.timeoutSecs * 1000) : undefined;
  const result = await run(exe, args, {
    env: pty ? { ...step.env, SHELL: "/bin/sh" } : step.env,
    signal: timeout ? AbortSignal.any([signal, timeout]) : signal,
    onStdout: report ? percentages(report) : undefined,
    cwd: step.cwd,
  }).finally(() => terminal?.file && Deno.remove(terminal.file).catch(() => {}));
  signal.throwIfAborted();
  if (timeout?.aborted) {
    throw new ToolError(
      `${step.tool} did not finish within ${step.timeoutSecs} s during "${step.title}" and was stopped`,
      "it takes a second normally: something it reads from the image blocks it (a FIFO, a device?)",
    );
  }
  const output = withoutProgress(`${result.stderr}\n${result.stdout}`);
  // Through the terminal, a tool killed by a signal shows as script's exit code 128 + N.
  const killed = result.signal ??
    (pty && result.code > 128 ? SIGNALS[result.code - 128] : undefined);
  if (result.code !== 0) {
    if (/no space left on device/i.test(output)) {
      throw diskFull(step.tool);
    }
    const tail = output.split("\n").slice(-STDERR_LINES).join("\n");
    throw new ToolError(
      `${step.tool} failed (exit code ${result.code}${
        killed ? `, killed by ${killed}` : ""
      }) during "${step.title}"`,
      tail ? `its last output:\n${tail}` : undefined,
    );
  }
  const skipped = skippedEntries(step.tool, output);
  if (skipped) throw skipped;
}

const SIGNALS: Record<number, string> = {
  1: "SIGHUP",
  2: "SIGINT",
  6: "SIGABRT",
  7: "SIGBUS",
  9: "SIGKILL",
  11: "SIGSEGV",
  15: "SIGTERM",
};

/**
 * A command run in a pseudo-terminal of its own (util-linux's script):
 * mksquashfs 4.5 shows its progress through a pipe only at 0 and 100 %, on a
 * terminal every quarter second. A new terminal has no width, and mksquashfs
 * then draws nothing: stty gives it one. Its words are quoted for the shell.
 */
export function inTerminal(script: string, command: string[], commandFile?: string): string[] {
  const line = `stty cols 120 2>/dev/null; ${
    commandFile ? `. ${shellQuote(commandFile)}` : terminalCommand(command)
  }`;
  return [script, "-q", "-f", "-e", "-c", line, "/dev/null"];
}

/**
 * The shell line that runs `command` in the terminal. script takes it as one argument, and
 * Linux limits one argument to 128 KiB (a payload of many layers makes mksquashfs's line
 * longer): past TERMINAL_LINE_MAX the line goes into a file the shell reads instead.
 */
export function terminalCommand(command: string[]): string {
  return `exec ${command.map(shellQuote).join(" ")}`;
}
export const TERMINAL_LINE_MAX = 64 * 1024;

/**
 * The terminal's arguments, with the command in a file when its line is too long (in the work
 * directory, root's alone: the shell runs what the file says).
 */
async function terminalArgs(script: string, command: string[], workDir?: string) {
  const line = terminalCommand(command);
  if (new TextEncoder().encode(line).length <= TERMINAL_LINE_MAX) {
    return { args: inTerminal(script, command) };
  }
  const file = workDir
    ? await Deno.makeTempFile({ dir: workDir, prefix: "command-" })
    : await makeTempFile("cniso-command-");
  await Deno.writeTextFile(file, `${line}\n`);
  return { args: inTerminal(script, command, file), file };
}

/** A tool's output without progress bars and carriage returns: the lines a person reads. */
export function withoutProgress(text: string): string {
  return text.split(/\r\n|\r|\n/)
    .filter((l) => l.trim() !== "" && !/^\s*\[[^\]]*\]\s+\d+\/\d+\s+\d+%\s*$/.test(l))
    .join("\n");
}

/**
 * mksquashfs leaves out what it cannot read (and exits 0): "Cannot stat X
 * because Y, ignoring", "Failed to read file X, creating empty file". A live
 * root without them is not the image: the build fails, naming them.
 */
export function skippedEntries(tool: string, stderr: string): ToolError | undefined {
  if (tool !== "mksquashfs") return undefined;
  const lines = withoutProgress(stderr).split("\n")
    .filter((l) => /, ignoring\s*$|creating empty file|^Read failed because/.test(l));
  if (lines.length === 0) return undefined;
  return new ToolError(
    `mksquashfs could not read ${lines.length} entr${
      lines.length > 1 ? "ies" : "y"
    } of the image and would leave ${lines.length > 1 ? "them" : "it"} out:\n${
      lines.slice(0, STDERR_LINES).map((l) => `  ${l.trim()}`).join("\n")
    }`,
    "an entry the kernel refuses to read (an overlay attribute such as trusted.overlay.metacopy in a --rootfs tree, or an I/O error) cannot go into the live root",
  );
}

/** Reads a tool's progress bar (`[====   ] 1234/5678  45%`, redrawn with \r) as percentages. */
export function percentages(report: Report): (text: string) => void {
  let carry = "";
  let last = -1;
  return (text) => {
    const seen = carry + text;
    carry = seen.slice(-64);
    const all = [...seen.matchAll(/\]\s+\d+\/\d+\s+(\d{1,3})%/g)];
    const percent = all.length ? Math.min(100, Number(all[all.length - 1][1])) : -1;
    if (percent > last) {
      last = percent;
      report(percent);
    }
  };
}

/** Turns a full disk into a clear error; other errors pass through. */
async function guard<T>(target: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (/no space left|ENOSPC|os error 28/i.test(String((e as Error).message))) {
      throw diskFull(target);
    }
    throw e;
  }
}

function diskFull(what: string): ToolError {
  return new ToolError(
    `the disk is full (while writing ${what})`,
    "free some space where the ISO goes, or choose another --output; the build removed its temporary files",
  );
}
