/**
 * Progress of a build, in one of three forms:
 *   tty    a live bar on the terminal (stderr), with the long step's percentage and time left;
 *   plain  one line per step with its duration, and a line every 10 % of the long step;
 *   json   one JSON object per line on stdout, for CI systems and GUIs (schema in docs/options.md, --progress json).
 * `auto` is tty on a terminal, else plain.
 */
import $ from "dax";
import type { CnisoError } from "./errors.ts";
import { jsonText, printable } from "./terminal.ts";

export const PROGRESS_MODES = ["auto", "tty", "plain", "json"] as const;
export type ProgressModeOption = typeof PROGRESS_MODES[number];
export type ProgressMode = Exclude<ProgressModeOption, "auto">;

/** Called with a percentage (0-100) as a step advances. */
export type Report = (percent: number) => void;

export interface Progress {
  readonly mode: ProgressMode;
  /** How many steps the build has (for "[n/total]"); set once the plan is made. */
  total: number;
  /** Runs one step, showing its title while it runs, its percentage if it reports one, its duration after. */
  step<T>(title: string, fn: (report: Report) => Promise<T>): Promise<T>;
  warning(message: string): void;
  /** A line for people (plain and tty only). */
  note(message: string): void;
  result(result: { iso: string; bytes: number; label: string }): void;
  error(error: CnisoError): void;
}

export function resolveMode(mode: ProgressModeOption): ProgressMode {
  if (mode !== "auto") return mode;
  return Deno.stderr.isTerminal() ? "tty" : "plain";
}

/** Seconds left, from the time so far and the share done; undefined before it means anything. */
export function timeLeft(elapsedSecs: number, percent: number): number | undefined {
  if (percent < 2 || elapsedSecs < 1) return undefined;
  return Math.round(elapsedSecs * (100 - percent) / percent);
}

export function makeProgress(mode: ProgressMode): Progress {
  return mode === "json" ? jsonProgress() : humanProgress(mode);
}

function humanProgress(mode: "tty" | "plain"): Progress {
  let n = 0;
  return {
    mode,
    total: 0,
    async step(title, fn) {
      n++;
      const label = printable(`[${n}/${this.total}] ${title}`);
      const start = performance.now();
      const secs = () => (performance.now() - start) / 1000;
      const bar = mode === "tty" ? $.progress(label, { length: 100 }) : undefined;
      let shown = 0;
      const report: Report = (percent) => {
        const left = timeLeft(secs(), percent);
        const eta = left === undefined ? "" : ` (about ${left} s left)`;
        if (bar) bar.position(percent).message(eta.trim());
        else if (percent >= shown + 10 && percent < 100) {
          shown = percent - (percent % 10);
          console.error(`${label} ... ${percent}%${eta}`);
        }
      };
      try {
        const result = bar ? await bar.with(() => fn(report)) : await fn(report);
        console.error(`${label} ... ${secs().toFixed(1)}s`);
        return result;
      } catch (e) {
        console.error(`${label} ... failed after ${secs().toFixed(1)}s`);
        throw e;
      }
    },
    warning: (message) => console.error(`cniso: warning: ${printable(message)}`),
    note: (message) => console.error(`cniso: ${printable(message)}`),
    result: ({ iso, bytes }) =>
      console.log(`${printable(iso)} (${(bytes / 1024 / 1024).toFixed(0)} MiB)`),
    error: () => {}, // printed once, by the CLI
  };
}

/** One JSON object per line on stdout; nothing else goes there. */
function jsonProgress(): Progress {
  const emit = (event: Record<string, unknown>) => console.log(jsonText(event));
  let n = 0;
  return {
    mode: "json",
    total: 0,
    async step(title, fn) {
      const index = ++n;
      const start = performance.now();
      const secs = () => (performance.now() - start) / 1000;
      emit({ event: "step", index, total: this.total, title });
      let last = -1;
      const report: Report = (percent) => {
        if (percent === last) return;
        last = percent;
        emit({
          event: "progress",
          index,
          title,
          percent,
          seconds_left: timeLeft(secs(), percent) ?? null,
        });
      };
      try {
        const result = await fn(report);
        emit({ event: "step_done", index, title, seconds: Number(secs().toFixed(3)) });
        return result;
      } catch (e) {
        emit({ event: "step_failed", index, title, seconds: Number(secs().toFixed(3)) });
        throw e;
      }
    },
    warning: (message) => emit({ event: "warning", message }),
    note: (message) => emit({ event: "note", message }),
    result: ({ iso, bytes, label }) => emit({ event: "result", iso, bytes, label }),
    error: (e) =>
      emit({ event: "error", exit_code: e.exitCode, message: e.message, hint: e.hint ?? null }),
  };
}
