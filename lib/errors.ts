/**
 * Typed errors: each carries the message the user sees and the exit code.
 * main.ts prints them in one place; nothing else calls Deno.exit.
 */

/** Exit codes, as documented in README. */
export const ExitCode = {
  ok: 0,
  /** A tool failed or the environment is unfit (missing executable, disk full). */
  failure: 1,
  /** Bad input: unknown image, contract violation, bad iso.yaml, bad option. */
  badInput: 2,
  /** Interrupted by SIGINT (128 + 2); SIGTERM gives 143. */
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
export class InterruptedError extends CnisoError {
  constructor(readonly signal: "SIGINT" | "SIGTERM") {
    super(`interrupted by ${signal}`, signal === "SIGINT" ? 130 : 143);
  }
}

/** Formats an error for the terminal: `cniso: error: …` plus the hint, indented. */
export function formatError(error: CnisoError): string {
  const lines = [`cniso: error: ${error.message}`];
  if (error.hint) {
    for (const line of error.hint.split("\n")) lines.push(`  ${line}`);
  }
  return lines.join("\n");
}
