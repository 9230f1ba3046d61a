/**
 * A plain user's `build` and `check` of an image: cniso runs again inside
 * podman's user namespace (`podman unshare`), where it is root over the user's
 * own container storage and files and nothing else (the kernel still checks
 * every access as the user's). There `podman image mount` works on the user's
 * storage, file owners are the image's (uid 0 is 0, never the user's host
 * uid), and the ISO belongs to the user.
 */
/** Set for the cniso inside the namespace: the file it writes its process ID to. */
export const PID_FILE_ENV = "CNISO_PID_FILE";

import { run } from "../run.ts";

let hostRoot: Promise<boolean> | undefined;

/**
 * Whether cniso is root of the host: uid 0 in the initial user namespace
 * (uid_map maps all 2^32 ids onto themselves). The rules that keep host root
 * from being steered (work_dir.ts, tree_safety.ts) are for it alone; uid 0 in
 * any other namespace (podman unshare, a rootless container) has the user's rights.
 */
export function isHostRoot(): Promise<boolean> {
  if (Deno.uid() !== 0) return Promise.resolve(false);
  hostRoot ??= readUidMap().then((map) => /^\s*0\s+0\s+4294967295\s*$/.test(map));
  return hostRoot;
}

/** Deno lets only --allow-all read /proc/self: cat (in our namespace) reads it for us. */
async function readUidMap(): Promise<string> {
  const r = await run("cat", ["/proc/self/uid_map"]).catch(() => undefined);
  // Unreadable: taken as host root, whose rules are the stricter.
  return r?.code === 0 ? r.stdout : "0 0 4294967295";
}

/** Whether reading `spec` needs podman's user namespace: a plain user's image. */
export function needsUserNamespace(spec: { image?: string; rootfs?: string }): boolean {
  return spec.image !== undefined && Deno.uid() !== 0;
}

/** How this cniso is started again: the compiled binary, or Deno with this program. */
export function selfCommand(execPath: string, mainModule: string): string[] {
  if (!/^deno(\.exe)?$/.test(execPath.split("/").at(-1) ?? "")) return [execPath];
  const main = new URL(mainModule).pathname;
  const config = new URL("../../deno.json", import.meta.url).pathname;
  // The permissions cniso documents (builder/permissions): this process needed all of them.
  const permissions = ["--allow-read", "--allow-write", "--allow-run", "--allow-env"];
  return [execPath, "run", ...permissions, "--allow-sys=uid", "--no-prompt", "--quiet"]
    .concat([`--config=${config}`, main]);
}

/** The inner cniso names itself, so that the outer one can pass signals on to it. */
export function announceInnerProcess(): void {
  const file = Deno.env.get(PID_FILE_ENV);
  if (file) Deno.writeTextFileSync(file, `${Deno.pid}\n`);
}
