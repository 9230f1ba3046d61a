/**
 * Whether this host's tools can write SELinux labels into the live root:
 * mksquashfs reads labels from a pseudo file (and leaves the host's out) from
 * squashfs-tools 4.6 on; mkfs.erofs labels from a file_contexts when it was
 * built with libselinux (its help lists --file-contexts).
 */
import { run } from "../run.ts";
import { findTool } from "../tools.ts";

/** mksquashfs's version from `mksquashfs -version` ("mksquashfs version 4.6.1 (2023/03/25)"). */
export function mksquashfsVersion(text: string): [number, number] | undefined {
  const m = /mksquashfs version (\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Whether a mksquashfs of this version reads xattrs from pseudo files and filters them by name. */
export function mksquashfsLabels(version: [number, number] | undefined): boolean {
  return version !== undefined && (version[0] > 4 || (version[0] === 4 && version[1] >= 6));
}

/** Why the tool at `exe` cannot write labels; undefined when it can. */
export async function cannotLabel(
  rootfsType: "squashfs" | "erofs",
  exe: string,
  stop?: AbortSignal,
): Promise<string | undefined> {
  const timeout = AbortSignal.timeout(30_000);
  const signal = stop ? AbortSignal.any([stop, timeout]) : timeout;
  if (rootfsType === "erofs") {
    const r = await run(exe, ["--help"], { signal });
    return /--file-contexts/.test(r.stdout + r.stderr)
      ? undefined
      : "this mkfs.erofs was built without SELinux support (no --file-contexts)";
  }
  const r = await run(exe, ["-version"], { signal });
  stop?.throwIfAborted();
  const version = mksquashfsVersion(r.stdout + r.stderr);
  return mksquashfsLabels(version)
    ? undefined
    : `this mksquashfs (${
      version ? version.join(".") : "version unknown"
    }) cannot write labels; squashfs-tools 4.6 and newer can`;
}

/**
 * What the live root's tool on this host can do with SELinux labels: write
 * them (else why not), and leave the build host's out. A tool that is not
 * installed (a dry run, a check) is taken to be able to.
 */
export async function labelCapability(rootfs: "squashfs" | "erofs", stop?: AbortSignal) {
  const canMount = await canMountView();
  const exe = await findTool(rootfs === "erofs" ? "mkfs.erofs" : "mksquashfs");
  if (!exe) return { cannot: undefined, dropHostLabels: true, canMount };
  const cannot = await cannotLabel(rootfs, exe, stop);
  return { cannot, dropHostLabels: cannot === undefined, canMount };
}

/**
 * Whether cniso may mount the view that adds its own files to the live root
 * (a private mount namespace: root with CAP_SYS_ADMIN; not in an
 * unprivileged container).
 */
export async function canMountView(): Promise<boolean> {
  const unshare = await findTool("unshare");
  if (!unshare) return false;
  const r = await run(unshare, ["--mount", "--propagation", "private", "true"], {
    signal: AbortSignal.timeout(30_000),
  }).catch(() => undefined);
  return r?.code === 0;
}
