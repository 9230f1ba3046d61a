/**
 * Typed errors: each carries the message the user sees and the exit code.
 * lib/cli/cli.ts prints them in one place; nothing else calls Deno.exit.
 */
import { printableLines } from "./terminal.ts";

/** Exit codes, as documented in docs/options.md (Exit codes). */
export const ExitCode = {
  ok: 0,
  /** A tool failed or the environment is unfit (missing executable, disk full). */
  failure: 1,
  /** Bad input: unknown image, contract violation, bad iso.yaml, bad option. */
  badInput: 2,
  /** Interrupted by SIGINT (128 + 2); SIGHUP gives 129, SIGTERM 143. */
  interrupted: 130,
} as const;

export class CnisoError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** One or more lines telling the user how to fix it. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input from the user or the image: exit 2. */
export class InputError extends CnisoError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.badInput, hint);
  }
}

/** A tool or the environment failed: exit 1. */
export class ToolError extends CnisoError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.failure, hint);
  }
}

/** The build was stopped by a signal: exit 128 + signal number. */
export const SIGNAL_EXIT = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT;

export class InterruptedError extends CnisoError {
  constructor(readonly signal: StopSignal) {
    super(`interrupted by ${signal}`, SIGNAL_EXIT[signal]);
  }
}

/**
 * The environment's refusals (permissions, a read-only or full file system, a
 * missing directory) as one clear line, exit 1: `doing` says what failed.
 * Anything else passes through.
 */
export function osError(e: unknown, doing: string): unknown {
  if (e instanceof CnisoError || !(e instanceof Error)) return e;
  const m = e.message;
  if (e instanceof Deno.errors.PermissionDenied || /os error (1|13)\b/.test(m)) {
    return new ToolError(
      `${doing}: permission denied`,
      "run cniso as a user that may do this, or choose another place",
    );
  }
  if (/os error 30\b|read-only file system/i.test(m)) {
    return new ToolError(`${doing}: the file system is read-only`, "choose another place");
  }
  if (/os error 28\b|no space left/i.test(m)) {
    return new ToolError(`${doing}: the disk is full`, "free some space, or choose another place");
  }
  if (e instanceof Deno.errors.NotFound || /os error 2\b/.test(m)) {
    return new ToolError(`${doing}: no such file or directory`);
  }
  return e;
}

/** Runs `fn`, turning the environment's refusals into a clear error (see osError). */
export async function osGuard<T>(doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw osError(e, doing);
  }
}

function isOsError(e: unknown): e is Error {
  return Object.values(Deno.errors).some((kind) => e instanceof kind) ||
    (e instanceof Error && /\(os error \d+\)/.test(e.message));
}

/** A message quoting a path, at most this long (a hostile tree's paths run to 4 KiB and more). */
const MAX_QUOTED = 300;

/**
 * Any error as cniso reports it: its own as they are; a name too long or a loop of links
 * (ENAMETOOLONG, ELOOP: what a hostile tree gives) as bad input, exit 2; the OS's other
 * refusals as failures, exit 1; anything else as an internal error, exit 1.
 */
export function asCnisoError(e: unknown): CnisoError {
  if (e instanceof CnisoError) return e;
  if (isOsError(e)) {
    const message = e.message.length > MAX_QUOTED
      ? `${e.message.slice(0, MAX_QUOTED)}... (${e.message.length} characters)`
      : e.message;
    if (/\(os error (36|40)\)/.test(e.message) || e instanceof Deno.errors.FilesystemLoop) {
      return new InputError(
        `${message}: a path is longer than the system allows, or its links loop`,
        "a path may be at most 4095 bytes: shorten the tree's paths or remove its looping links " +
          "(or, if the path is the output's or TMPDIR's, choose a shorter one)",
      );
    }
    return new CnisoError(message, ExitCode.failure);
  }
  return new CnisoError(`internal error: ${(e as Error)?.stack ?? e}`, ExitCode.failure);
}

/**
 * Formats an error for the terminal: `cniso: error: …`, then its other lines and the hint's,
 * each behind cniso's own marker. Messages quote the image (paths, names, tool output): control
 * characters are escaped, and no line can begin with outside text (a CI runner reads a line
 * starting with "::" as a command, after trimming blanks, so indentation would not protect).
 */
export function formatError(error: CnisoError): string {
  const [first, ...rest] = printableLines(error.message).split("\n");
  const lines = [`cniso: error: ${first}`, ...rest.map((line) => `cniso:   ${line}`)];
  if (error.hint) {
    for (const line of printableLines(error.hint).split("\n")) lines.push(`cniso: hint: ${line}`);
  }
  return lines.join("\n");
}
