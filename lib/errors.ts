/**
 * Typed errors: each carries the message the user sees and the exit code.
 * lib/cli/cli.ts prints them in one place; nothing else calls Deno.exit.
 */
import { printableLines } from "./terminal.ts";

/** Exit codes, as documented in README. */
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

/** Formats an error for the terminal: `cniso: error: …` plus the hint, indented. */
export function formatError(error: CnisoError): string {
  // Messages quote the image (paths, names, tool output): printed safely.
  const lines = [`cniso: error: ${printableLines(error.message)}`];
  if (error.hint) {
    for (const line of printableLines(error.hint).split("\n")) lines.push(`  ${line}`);
  }
  return lines.join("\n");
}
