/**
 * Findings: what discovery concluded about each piece of the contract, one
 * line each of `check`'s table, and the one rule for choosing among several
 * candidates found in the image.
 */
import { printable } from "../terminal.ts";

export type Severity = "ok" | "warning" | "error";

/** One line of `cniso check`'s table. */
export interface Finding {
  item: string;
  severity: Severity;
  /** Where in the image it was found (or looked for). */
  where: string;
  detail: string;
  hint?: string;
}

/**
 * A finding whose text is one line each: names from the image (a directory
 * called "6.1\ncniso: OK") cannot add lines that look like cniso's own.
 */
export function finding(f: Finding): Finding {
  return {
    ...f,
    where: printable(f.where),
    detail: printable(f.detail),
    ...(f.hint === undefined ? {} : { hint: printable(f.hint) }),
  };
}

/** Collects the findings of a discovery. */
export class Findings {
  readonly list: Finding[] = [];
  ok(item: string, where: string, detail: string) {
    this.list.push(finding({ item, severity: "ok", where, detail }));
  }
  warn(item: string, where: string, detail: string, hint?: string) {
    this.list.push(finding({ item, severity: "warning", where, detail, hint }));
  }
  bad(item: string, where: string, detail: string, hint?: string) {
    this.list.push(finding({ item, severity: "error", where, detail, hint }));
  }
  get failed(): boolean {
    return this.list.some((f) => f.severity === "error");
  }
}

/** How one of several candidates (vendors) is named in findings. */
export interface Choice {
  item: string;
  /** The option that picks one, e.g. "--vendor NAME". */
  option: string;
  /** Singular and plural, e.g. "vendor directory", "vendor directories". */
  noun: [string, string];
  /** Where a candidate is (or all are, for "*"). */
  where: (name: string) => string;
  /** Detail and hint when there is none. */
  none: [string, string];
}

/**
 * The one candidate to use: the one asked for, or the only one. Never picks one
 * of several silently: a finding says which there are and how to choose.
 */
export function pickOne(
  choice: Choice,
  candidates: string[],
  requested: string | undefined,
  f: Findings,
): string | undefined {
  const flag = choice.option.split(" ")[0];
  if (requested !== undefined) {
    if (candidates.includes(requested)) return requested;
    const has = candidates.length ? `the image has: ${candidates.join(", ")}` : undefined;
    f.bad(
      choice.item,
      choice.where(requested),
      `${flag} ${requested}: no such ${choice.noun[0]}`,
      has,
    );
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) f.bad(choice.item, choice.where("*"), ...choice.none);
  else {
    f.bad(
      choice.item,
      choice.where("*"),
      `several ${choice.noun[1]}: ${candidates.join(", ")}`,
      `pick one with ${choice.option}`,
    );
  }
  return undefined;
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
