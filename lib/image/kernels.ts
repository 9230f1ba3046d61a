/**
 * The image's kernels: every /usr/lib/modules/<version>/ with a vmlinuz. Those
 * with an initramfs.img go on the ISO (up to MAX_OTHER_KERNELS besides the
 * default, and only versions that can name a directory there); the default
 * one is asked for (--kernel) or the highest by version order (6.10 after
 * 6.9), never the first in text order.
 */
import type { ImageRoot, Resolved } from "./image_root.ts";
import { type Findings, mib } from "./findings.ts";
import { newestFirst } from "./version_order.ts";
import { shellQuote } from "../terminal.ts";
import { kernelPaths } from "../iso/layout.ts";

export interface Kernel {
  version: string;
  kernel: Resolved;
  initramfs: Resolved;
}

export interface Kernels {
  /** The default kernel (the first menu entry boots it). */
  default: Kernel;
  /** Why it is the default, for check and the build's output. */
  reason: string;
  /** The other kernels with an initramfs, newest first. */
  others: Kernel[];
}

export interface KernelOptions {
  /** --kernel VERSION. */
  requested?: string;
  /** Put only the default kernel on the ISO. */
  defaultOnly?: boolean;
}

export const MODULES_DIR = "/usr/lib/modules";

/**
 * A version that can name a directory on the ISO and a GRUB path as it is:
 * kernels name themselves like this; anything else stays off the ISO. A digit
 * first: "vmlinuz" or "initrd.img" would land on the default kernel's files.
 */
const ISO_SAFE_VERSION = /^[0-9][A-Za-z0-9._+~-]{0,63}$/;

/** Kernels on the ISO besides the default: a menu, not an archive. */
export const MAX_OTHER_KERNELS = 15;

export async function findKernels(
  root: ImageRoot,
  options: KernelOptions,
  f: Findings,
): Promise<Kernels | undefined> {
  const found: { version: string; kernel: Resolved; initramfs?: Resolved }[] = [];
  for (const version of await root.list(MODULES_DIR)) {
    const kernel = await root.file(`${MODULES_DIR}/${version}/vmlinuz`);
    if (!kernel) continue;
    const initramfs = await root.file(`${MODULES_DIR}/${version}/initramfs.img`);
    found.push({ version, kernel, initramfs });
  }
  const bootable = found.filter((k) => k.initramfs).map((k) => k.version);
  const chosen = chooseDefault(found.map((k) => k.version), bootable, options.requested, f);
  if (!chosen) return undefined;
  const byVersion = new Map(found.map((k) => [k.version, k]));
  const def = byVersion.get(chosen.version) as Kernel;
  f.ok("kernel", def.kernel.imagePath, `${def.version}, ${mib(def.kernel.size)}; ${chosen.reason}`);
  f.ok("initramfs", def.initramfs.imagePath, mib(def.initramfs.size));
  const others: Kernel[] = [];
  for (const version of newestFirst([...byVersion.keys()])) {
    if (version === def.version) continue;
    const k = byVersion.get(version)!;
    const where = k.kernel.imagePath;
    if (options.defaultOnly) f.ok("kernel", where, `${version}: left out (--default-kernel-only)`);
    else if (!k.initramfs) {
      f.warn("kernel", where, `${version}: no initramfs.img beside it, so it is left out`);
    } else if (!ISO_SAFE_VERSION.test(version)) {
      f.warn("kernel", where, `${version}: left out, its name cannot name a directory on the ISO`);
    } else if (others.length >= MAX_OTHER_KERNELS) {
      f.warn(
        "kernel",
        where,
        `${version}: left out, the ISO takes ${MAX_OTHER_KERNELS + 1} kernels at most`,
      );
    } else {
      others.push(k as Kernel);
      f.ok(
        "kernel",
        where,
        `${version}, ${mib(k.kernel.size)}; also on the ISO at ${kernelPaths(version).kernel}`,
      );
    }
  }
  return { default: def, reason: chosen.reason, others };
}

/**
 * The default kernel's version (one with an initramfs) and why; a finding
 * when there is none.
 */
function chooseDefault(
  versions: string[],
  bootable: string[],
  requested: string | undefined,
  f: Findings,
): { version: string; reason: string } | undefined {
  if (requested !== undefined) {
    if (bootable.includes(requested)) return { version: requested, reason: "default (--kernel)" };
    if (versions.includes(requested)) return missingInitramfs(requested, "--kernel", f);
    f.bad(
      "kernel",
      `${MODULES_DIR}/${requested}/vmlinuz`,
      `--kernel ${requested}: no such kernel in the image`,
      versions.length ? `the image has: ${newestFirst(versions).join(", ")}` : undefined,
    );
    return undefined;
  }
  if (versions.length === 0) {
    f.bad(
      "kernel",
      `${MODULES_DIR}/*/vmlinuz`,
      "no kernel found",
      "install a kernel; Debian-family images keep it in /boot: cp /boot/vmlinuz-$KV /usr/lib/modules/$KV/vmlinuz",
    );
    return undefined;
  }
  if (bootable.length === 0) {
    return missingInitramfs(newestFirst(versions)[0], "the highest version", f);
  }
  const [newest] = newestFirst(bootable);
  return {
    version: newest,
    reason: bootable.length === 1
      ? "the only kernel with an initramfs"
      : `default: the highest version of ${bootable.length} (pick another with --kernel)`,
  };
}

function missingInitramfs(version: string, why: string, f: Findings): undefined {
  f.ok("kernel", `${MODULES_DIR}/${version}/vmlinuz`, `${version} (${why})`);
  const initramfsPath = `${MODULES_DIR}/${version}/initramfs.img`;
  f.bad(
    "initramfs",
    initramfsPath,
    "no initramfs",
    `build one that can boot a live root: dracut --no-hostonly --add dmsquash-live ${
      shellQuote(initramfsPath)
    } ${shellQuote(version)}`,
  );
}
