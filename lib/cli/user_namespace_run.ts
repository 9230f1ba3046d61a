/**
 * Running cniso again in podman's user namespace (user_namespace.ts says
 * when). `podman unshare` does not pass signals on to what it runs, so it is
 * started in a session of its own (no terminal's Ctrl-C reaches it) and this
 * process passes SIGINT, SIGTERM and SIGHUP to the inner cniso itself: that one
 * cleans up (unmounts, removes its work directory) and its exit code is ours.
 */
import { InputError, osGuard, ToolError } from "../errors.ts";
import { resolveTrusted } from "../host_path.ts";
import { run } from "../run.ts";
import { requireTools } from "../tools.ts";
import { PID_FILE_ENV, selfCommand } from "../image/user_namespace.ts";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Runs cniso with `args` in the user's namespace; its exit code. `outputDir`: where a build
 * writes, judged here first (see requireOwnWay).
 */
export async function runInUserNamespace(args: string[], outputDir?: string): Promise<number> {
  const tools = await requireTools(["podman", "setsid"]);
  const podman = tools.get("podman")!;
  if (outputDir !== undefined) await requireOwnWay(outputDir);
  await probeNamespace(podman);
  const pidFile = await Deno.makeTempFile({ prefix: "cniso-inner-" });
  try {
    const child = new Deno.Command(tools.get("setsid")!, {
      args: ["--wait", podman, "unshare", "--", ...selfCommand(Deno.execPath(), Deno.mainModule)]
        .concat(args),
      env: { [PID_FILE_ENV]: pidFile },
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    let ended = false;
    const forward = (signal: Deno.Signal) => () => void passOn(pidFile, signal, () => ended);
    const handlers = SIGNALS.map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) Deno.addSignalListener(s, h);
    try {
      return (await child.status).code;
    } finally {
      ended = true;
      for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
    }
  } finally {
    await Deno.remove(pidFile).catch(() => {});
  }
}

/**
 * A plain user's ISO goes only where no other user can redirect it. Judged here, with the host's
 * true owners: inside the namespace root's files and other users' look alike (uid 65534), so the
 * cniso there trusts the way (work_dir.ts).
 */
async function requireOwnWay(dir: string): Promise<void> {
  const way = await osGuard(`cannot open the output directory ${dir}`, () => resolveTrusted(dir));
  if (way.trusted) return;
  throw new InputError(
    `${dir}: ${way.why}`,
    "a build without root writes only where no other user can redirect it: use a directory " +
      "of your own (e.g. -o ~/iso/)",
  );
}

/** A user without sub-uid ranges (or podman's set-up) fails here, in a second, with the reason. */
async function probeNamespace(podman: string): Promise<void> {
  const r = await run(podman, ["unshare", "true"]);
  if (r.code === 0) return;
  throw new ToolError(
    `cannot enter podman's user namespace (podman unshare): ${r.stderr.trim().split("\n").at(-1)}`,
    "a plain user's build mounts the image in rootless podman's namespace: the user needs " +
      "sub-uid and sub-gid ranges (/etc/subuid, /etc/subgid; usermod --add-subuids " +
      "100000-165535 --add-subgids 100000-165535 USER) and a working `podman unshare`; or " +
      "run cniso as root, or the builder image with --rootfs (docs/without-root.md)",
  );
}

/**
 * Signals the inner cniso once it has named itself (a signal before that, say while Deno still
 * fetches its modules, waits for it); never after it ended, when its number may be another's.
 */
async function passOn(pidFile: string, signal: Deno.Signal, ended: () => boolean): Promise<void> {
  while (!ended()) {
    const text = await Deno.readTextFile(pidFile).catch(() => "");
    if (/^\d+\n$/.test(text)) {
      try {
        Deno.kill(Number(text.trim()), signal);
      } catch { /* it ended */ }
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
