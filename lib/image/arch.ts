/**
 * The image's architecture: what its config says (podman image inspect's
 * Architecture) or --arch, cross-checked with every kernel's own header. The
 * host's architecture plays no part: nothing from the image runs in a build.
 */
import { type Arch, ARCH_LAYOUTS, ARCHES, archOfOci } from "../iso/layout.ts";
import type { Findings } from "./findings.ts";
import type { Resolved } from "./image_root.ts";
import { type KernelHeader, readKernelHeader } from "./kernel_arch.ts";

export interface ArchOptions {
  /** --arch: overrides the image's config (a wrong one, or a --rootfs tree's lack of one). */
  arch?: Arch;
  /** The image config's Architecture (amd64, arm64, …); none for a --rootfs tree. */
  configArch?: string;
}

const SUPPORTED = ARCHES.map((a) => `${a} (${ARCH_LAYOUTS[a].oci})`).join(" and ");
const ITEM = "architecture";

export async function findArch(
  kernels: { version: string; kernel: Resolved }[],
  options: ArchOptions,
  f: Findings,
): Promise<Arch | undefined> {
  const declared = declaredArch(options, f);
  if (declared === null) return undefined;
  let arch = declared?.arch;
  const said: string[] = declared ? [declared.source] : [];
  for (const { version, kernel } of kernels) {
    const header = await readKernelHeader(kernel.hostPath)
      .catch((): KernelHeader => ({ format: "unreadable" }));
    if (header.arch === undefined) continue;
    const where = kernel.imagePath;
    if (arch === undefined) {
      arch = ARCHES.find((a) => a === header.arch);
      if (!arch) {
        f.bad(ITEM, where, `kernel ${version} is ${header.arch} (${header.format})`, unsupported());
        return undefined;
      }
    } else if (header.arch !== arch) {
      const detail = `${said[0]} says ${arch}, but kernel ${version} is ${header.arch} ` +
        `(${header.format})`;
      f.bad(ITEM, where, detail, mismatchHint(declared?.source));
      return undefined;
    }
    said.push(`kernel ${version}: ${header.format}`);
  }
  const where = kernels[0]?.kernel.imagePath ?? "the image's config";
  if (arch === undefined) {
    f.ok(
      ITEM,
      where,
      "x86_64 (assumed: no image config, no kernel header cniso knows; --arch to say)",
    );
    return "x86_64";
  }
  f.ok(ITEM, where, `${arch} (${said.join("; ")})`);
  return arch;
}

/** --arch, else the config's; null when the config names one cniso does not build for. */
function declaredArch(options: ArchOptions, f: Findings) {
  if (options.arch) {
    // The config it overrides is named beside it: "--arch (over the image's config: amd64)".
    const config = options.configArch ? ` (over the image's config: ${options.configArch})` : "";
    return { arch: options.arch, source: `--arch${config}` };
  }
  if (options.configArch === undefined || options.configArch === "") return undefined;
  const arch = archOfOci(options.configArch);
  if (!arch) {
    f.bad(ITEM, "the image's config", `the image is ${options.configArch}`, unsupported());
    return null;
  }
  return { arch, source: `the image's config: ${options.configArch}` };
}

function unsupported(): string {
  return `cniso makes ISOs for ${SUPPORTED} images: build the image for one of them ` +
    "(podman build --platform linux/amd64 or linux/arm64)";
}

/** Where the architecture said first came from: --arch, the config, or (undefined) a kernel. */
function mismatchHint(source: string | undefined): string {
  if (source === undefined) {
    return "an ISO boots on one architecture: remove the other kernels from the image, or put " +
      "only the default one on the ISO (--default-kernel-only)";
  }
  return source.startsWith("--arch")
    ? "an ISO boots only on its kernel's architecture: leave --arch out, or give the kernel's"
    : "an ISO boots only on its kernel's architecture: build the image for it (podman build " +
      "--platform linux/amd64 or linux/arm64), or, if only the config is wrong, pass --arch";
}
