/**
 * Cleanup on every exit path. A build registers what it must undo (unmount,
 * remove the work directory) and `withCleanup` runs it after success, error,
 * SIGINT, SIGTERM or SIGHUP. A signal aborts the running step (its child process is
 * killed) and the build ends with InterruptedError.
 */
import { InterruptedError, SIGNAL_EXIT, type StopSignal } from "./errors.ts";
import { printable } from "./terminal.ts";

/** How long one cleanup action may take (unmounting a busy image can take a few seconds). */
const ACTION_SECS = 60;

export class Cleanup {
  #actions: { what: string; fn: () => unknown }[] = [];

  /** Registers an action; actions run last-registered first. */
  defer(what: string, fn: () => unknown): void {
    this.#actions.push({ what, fn });
  }

  async run(): Promise<void> {
    while (this.#actions.length > 0) {
      const { what, fn } = this.#actions.pop()!;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        // Each action is bounded: a stuck one is reported, never a process that will not exit.
        const late = new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no end after ${ACTION_SECS} s`)),
            ACTION_SECS * 1000,
          );
        });
        await Promise.race([fn(), late]);
      } catch (e) {
        const why = printable((e as Error).message);
        console.error(`cniso: warning: cleanup failed (${what}): ${why}`);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

/**
 * Runs `body` with a cleanup list and an abort signal wired to SIGINT/SIGTERM/SIGHUP.
 * Cleanup always runs before this returns or throws.
 */
export async function withCleanup<T>(
  body: (cleanup: Cleanup, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const cleanup = new Cleanup();
  const controller = new AbortController();
  // SIGHUP too: a dropped ssh session must clean up like Ctrl-C.
  const handlers = (Object.keys(SIGNAL_EXIT) as StopSignal[]).map((sig) => {
    const handler = () => {
      if (!controller.signal.aborted) controller.abort(new InterruptedError(sig));
      // A second signal: the user wants out now, even if a cleanup step is stuck.
      else {
        console.error(`cniso: ${sig} again: exiting without finishing the cleanup`);
        Deno.exit(SIGNAL_EXIT[sig]);
      }
    };
    Deno.addSignalListener(sig, handler);
    return () => Deno.removeSignalListener(sig, handler);
  });
  try {
    return await body(cleanup, controller.signal);
  } catch (e) {
    // A step that died because we killed it reports the signal, not its own exit.
    if (controller.signal.aborted) throw controller.signal.reason;
    throw e;
  } finally {
    await cleanup.run();
    for (const remove of handlers) remove();
  }
}
