/**
 * A plain user's `build` and `check`: cniso runs again inside podman's user
 * namespace (`podman unshare`), where it is root over the user's own container
 * storage and files, and nothing else: the kernel still checks every access
 * as the user's. There `podman image mount` works on the user's storage, file
 * owners are the image's (uid 0 is 0), and the ISO belongs to the user.
 */
import * as path from "node:path";
import { requireTools } from "../tools.ts";

/** Set in the namespace's cniso: it must not start another. */
export const IN_USERNS = "CNISO_IN_USERNS";

/** Whether cniso runs in the user namespace a plain user's build started. */
export function inUserNamespace(): boolean {
  return Deno.env.get(IN_USERNS) === "1";
}

/** Whether `command` must run in the user namespace: a plain user's build or check. */
export function needsUserNamespace(command: string | undefined): boolean {
  return Deno.uid() !== 0 && !inUserNamespace() && (command === "build" || command === "check");
}

/** How this cniso is started again: the compiled binary, or deno with this program. */
export function selfCommand(execPath: string, mainModule: string): string[] {
  if (path.basename(execPath) !== "deno") return [execPath];
  const main = new URL(mainModule).pathname;
  const config = path.join(path.dirname(main), "deno.json");
  return [execPath, "run", "-A", "--quiet", `--config=${config}`, main];
}

/** Runs cniso with `args` in the user's namespace; its exit code. Signals reach it too. */
export async function runInUserNamespace(args: string[]): Promise<number> {
  const podman = (await requireTools(["podman"])).get("podman")!;
  const child = new Deno.Command(podman, {
    args: ["unshare", "--", ...selfCommand(Deno.execPath(), Deno.mainModule), ...args],
    env: { [IN_USERNS]: "1" },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const forward = (signal: Deno.Signal) => () => {
    try {
      child.kill(signal);
    } catch { /* it ended */ }
  };
  const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) Deno.addSignalListener(s, h);
  try {
    const status = await child.status;
    return status.signal ? 128 + signalNumber(status.signal) : status.code;
  } finally {
    for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
  }
}

function signalNumber(signal: Deno.Signal): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 1;
}
