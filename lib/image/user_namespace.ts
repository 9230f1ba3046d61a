/**
 * Who cniso runs as, for the rules that depend on it. Host root (uid 0 that
 * is uid 0 of the host) must never be steered by other users' files
 * (image_source.ts, work_dir.ts). A plain user's `build` and `check` of an
 * image run again as uid 0 of rootless podman's user namespace
 * (cli/user_namespace_run.ts), which is the user's own rights and nothing
 * more: there `podman image mount` works on the user's storage, file owners are
 * the image's (uid 0 is 0, never the user's host uid), and the ISO is the user's.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../run.ts";

/** Set for the cniso inside the namespace: the file it writes its process ID to. */
export const PID_FILE_ENV = "CNISO_PID_FILE";

let hostRoot: Promise<boolean> | undefined;
let privileged: Promise<boolean> | undefined;

/**
 * Whether cniso is host root: uid 0 whose uid_map maps it onto the host's uid 0
 * (the identity map, or `0 0 1` of `unshare -r` run by root). Anything unclear
 * counts as host root, whose rules are the stricter.
 */
export function isHostRoot(): Promise<boolean> {
  if (Deno.uid() !== 0) return Promise.resolve(false);
  hostRoot ??= readProc("uid_map").then((map) => map === undefined || mapsToHostRoot(map));
  return hostRoot;
}

/** Whether a uid_map maps uid 0 onto the host's uid 0 (or cannot be read). Pure. */
export function mapsToHostRoot(uidMap: string): boolean {
  const lines = uidMap.trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number));
  if (lines.some((l) => l.length !== 3 || l.some((n) => !Number.isSafeInteger(n)))) return true;
  const zero = lines.find(([inside, , count]) => inside <= 0 && 0 < inside + count);
  return zero === undefined || zero[1] - zero[0] === 0;
}

/**
 * Whether cniso may read more than its uid's own rights: host root, or any
 * effective capability (a non-root uid given CAP_DAC_READ_SEARCH). Such a
 * process reads a --rootfs tree only when no one else can change it.
 */
export function readsBeyondOwnRights(): Promise<boolean> {
  privileged ??= (async () => {
    if (await isHostRoot()) return true;
    if (Deno.uid() === 0) return false; // uid 0 of a user namespace: the user's rights
    const status = await readProc("status");
    const eff = status?.match(/^CapEff:\s*([0-9a-f]+)$/m)?.[1];
    return eff === undefined || BigInt(`0x${eff}`) !== 0n;
  })();
  return privileged;
}

/** Deno lets only --allow-all read /proc/self: cat (our child, same namespace and rights) does. */
async function readProc(name: string): Promise<string | undefined> {
  const r = await run("cat", [`/proc/self/${name}`]).catch(() => undefined);
  return r?.code === 0 && r.stdout.trim() !== "" ? r.stdout : undefined;
}

/** Whether reading `spec` needs podman's user namespace: a plain user's image. */
export function needsUserNamespace(spec: { image?: string; rootfs?: string }): boolean {
  return spec.image !== undefined && Deno.uid() !== 0;
}

/** How this cniso is started again: the compiled binary, or Deno with this program. */
export function selfCommand(execPath: string, mainModule: string): string[] {
  if (!/^deno(\.exe)?$/.test(path.basename(execPath))) return [execPath];
  // The permissions cniso documents (builder/permissions): this process needed all of them.
  const flags = ["--allow-read", "--allow-write", "--allow-run", "--allow-env", "--allow-sys=uid"]
    .concat(["--no-prompt", "--quiet"]);
  if (!mainModule.startsWith("file:")) return [execPath, "run", ...flags, mainModule];
  const config = fileURLToPath(new URL("../../deno.json", import.meta.url));
  return [execPath, "run", ...flags, `--config=${config}`, fileURLToPath(mainModule)];
}

/**
 * The inner cniso names itself, so that the outer one can pass signals on to it: only as uid 0
 * of a user namespace, only into an existing file of its own, and tools never see the variable.
 */
export async function announceInnerProcess(): Promise<void> {
  const file = Deno.env.get(PID_FILE_ENV);
  if (file === undefined) return;
  Deno.env.delete(PID_FILE_ENV);
  if (Deno.uid() !== 0 || await isHostRoot()) return;
  const info = await Deno.lstat(file).catch(() => undefined);
  if (!info?.isFile || info.uid !== 0 || info.size !== 0) return;
  await Deno.writeTextFile(file, `${Deno.pid}\n`, { create: false, append: true });
}
