/**
 * Where each file goes on the ISO and in its EFI boot image, and where it
 * comes from: the image's boot files, the work directory's generated ones.
 * Pure: the paths come from layout.ts.
 */
import * as path from "node:path";
import type { Contract } from "../image/contract.ts";
import type { Resolved } from "../image/image_root.ts";
import {
  ARCH_LAYOUTS,
  BIOS_MODULES_DIR,
  DISK_INFO,
  EFI_IMAGE,
  ELTORITO_IMAGE,
  GRUB_CONFIGS,
  kernelPaths,
  LIVE_ROOT,
  LOOPBACK_CONFIG,
} from "../iso/layout.ts";
import type { Placement, WorkFiles } from "./plan.ts";

export function espPlacements(contract: Contract, files: WorkFiles): Placement[] {
  const efi = ARCH_LAYOUTS[contract.arch].efi;
  return [
    { target: efi.shim, source: contract.shim.hostPath },
    { target: efi.mm, source: contract.mm.hostPath },
    { target: efi.grub, source: contract.gcd.hostPath },
    { target: GRUB_CONFIGS.efi, source: files.grubCfg },
  ];
}

export function isoPlacements(
  files: WorkFiles,
  kernels: KernelPlacement[],
  esp: Placement[],
  bios: boolean,
): Placement[] {
  return [
    { target: LIVE_ROOT, source: files.squashfs },
    ...kernels.map(({ target, source }) => ({ target, source })),
    { target: DISK_INFO, source: files.diskInfo },
    { target: EFI_IMAGE, source: files.efiboot },
    ...esp,
    // Distributions' GRUBs look for their config in different places; give them all one file.
    { target: GRUB_CONFIGS.grub2, source: files.grubCfg },
    { target: GRUB_CONFIGS.grub, source: files.grubCfg },
    { target: LOOPBACK_CONFIG, source: files.loopbackCfg },
    ...(bios
      ? [
        { target: ELTORITO_IMAGE, source: files.eltorito },
        { target: BIOS_MODULES_DIR, source: files.biosDir },
      ]
      : []),
  ];
}

export type KernelPlacement = Placement & { copy?: Placement };

/**
 * The default kernel at the contract's paths, every other one under its version; grafted from
 * the image, or (`files` given: copyKernels) from copies in the work directory.
 */
export function kernelPlacements(contract: Contract, files?: WorkFiles): KernelPlacement[] {
  const kernels = [
    { at: kernelPaths(), kernel: contract.kernel, initramfs: contract.initramfs },
    ...contract.otherKernels.map((k) => ({ at: kernelPaths(k.version), ...k })),
  ];
  const place = (target: string, file: Resolved): KernelPlacement => {
    if (!files) return { target, source: file.hostPath };
    const copy = path.join(files.kernelsDir, target.replaceAll("/", "_"));
    return { target, source: copy, copy: { source: file.hostPath, target: copy, size: file.size } };
  };
  return kernels.flatMap(({ at, kernel, initramfs }) => [
    place(at.kernel, kernel),
    place(at.initrd, initramfs),
  ]);
}

/** FAT needs room for its tables and cluster slack: 1 MiB over the files is plenty. */
export function espSizeKiB(contract: Contract, grubConfig: string): number {
  const bytes = contract.shim.size + contract.mm.size + contract.gcd.size +
    new TextEncoder().encode(grubConfig).length;
  return Math.ceil(bytes / 1024) + 1024;
}
