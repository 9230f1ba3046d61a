/**
 * Progress of a build: on a terminal a live display (dax's progress bar), in
 * logs one line per step with its duration.
 */
import $ from "dax";

export interface Progress {
  /** Runs one step, showing its title while it runs and its duration after. */
  step<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

export function makeProgress(total: number): Progress {
  let n = 0;
  const isTty = Deno.stderr.isTerminal();
  return {
    async step(title, fn) {
      n++;
      const label = `[${n}/${total}] ${title}`;
      const start = performance.now();
      const bar = isTty ? $.progress(label) : undefined;
      try {
        const result = bar ? await bar.with(fn) : await fn();
        const secs = ((performance.now() - start) / 1000).toFixed(1);
        console.error(`${label} ... ${secs}s`);
        return result;
      } catch (e) {
        const secs = ((performance.now() - start) / 1000).toFixed(1);
        console.error(`${label} ... failed after ${secs}s`);
        throw e;
      }
    },
  };
}
