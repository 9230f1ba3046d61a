/**
 * The ISO's layout: every fixed path on the ISO (and in its EFI system
 * partition) is written here and nowhere else. The plan, the menu, the GRUB
 * config and boot-test import it. Paths are absolute on the ISO.
 */

/** The live root: the whole image, compressed. dracut's dmsquash-live looks here. */
export const LIVE_ROOT = "/LiveOS/squashfs.img";

/** The kernel and initramfs, where the contract (and lorax, and PXE setups) put them. */
export const KERNEL = "/images/pxeboot/vmlinuz";
export const INITRD = "/images/pxeboot/initrd.img";

/**
 * A kernel's paths on the ISO: the default one at KERNEL and INITRD, every
 * other in a directory named for its version beside them.
 */
export function kernelPaths(version?: string): { kernel: string; initrd: string } {
  if (version === undefined) return { kernel: KERNEL, initrd: INITRD };
  return {
    kernel: `/images/pxeboot/${version}/vmlinuz`,
    initrd: `/images/pxeboot/${version}/initrd.img`,
  };
}

/**
 * The marker file Debian's and Ubuntu's CD GRUB search for to find their
 * medium (`search --file /.disk/info`) before reading /boot/grub/grub.cfg.
 */
export const DISK_INFO = "/.disk/info";

/** The FAT image that is also appended to the ISO as its EFI system partition. */
export const EFI_IMAGE = "/images/efiboot.img";

/** The BIOS El Torito boot image (GRUB for i386-pc, built from the image's modules). */
export const ELTORITO_IMAGE = "/images/eltorito.img";

/** The El Torito boot catalog (hidden from the file tree). */
export const BOOT_CATALOG = "/boot.cat";

/** Where GRUB's BIOS files go; eltorito.img's prefix points here. */
export const BIOS_PREFIX = "/boot/grub2";
export const BIOS_MODULES_DIR = `${BIOS_PREFIX}/i386-pc`;

/** The removable-media EFI directory, on the ISO and in the EFI image alike. */
export const EFI_BOOT_DIR = "/EFI/BOOT";

/** The architectures cniso makes ISOs for (the kernel's names). */
export const ARCHES = ["x86_64", "aarch64"] as const;
export type Arch = (typeof ARCHES)[number];

/**
 * What differs between architectures, as data: the plan, the contract discovery and
 * boot-test read it here, and no other module names these files.
 */
export interface ArchLayout {
  /** The name in OCI image configs (podman image inspect's Architecture). */
  oci: string;
  /** The PE/COFF machine type of its EFI binaries and EFI-stub kernels. */
  peMachine: number;
  /** BIOS boot: an El Torito GRUB image and hybrid MBR boot code (x86 only). */
  bios: boolean;
  /** shim, the MOK manager and the CD GRUB, as the image holds them. */
  imageEfi: { shim: string; mm: string; gcd: string };
  /** On the ISO and in its ESP: shim as the firmware's loader; it loads GRUB from its own directory. */
  efi: { shim: string; mm: string; grub: string };
  /** The serial console of the machine boot-test emulates. */
  console: string;
  /** A PC serial port (com0) that GRUB drives itself; elsewhere the firmware's console serves. */
  comPort: boolean;
}

export const ARCH_LAYOUTS: Record<Arch, ArchLayout> = {
  x86_64: {
    oci: "amd64",
    peMachine: 0x8664,
    bios: true,
    imageEfi: { shim: "shimx64.efi", mm: "mmx64.efi", gcd: "gcdx64.efi" },
    efi: {
      shim: `${EFI_BOOT_DIR}/BOOTX64.EFI`,
      mm: `${EFI_BOOT_DIR}/mmx64.efi`,
      grub: `${EFI_BOOT_DIR}/grubx64.efi`,
    },
    console: "ttyS0",
    comPort: true,
  },
  aarch64: {
    oci: "arm64",
    peMachine: 0xaa64,
    bios: false,
    imageEfi: { shim: "shimaa64.efi", mm: "mmaa64.efi", gcd: "gcdaa64.efi" },
    efi: {
      shim: `${EFI_BOOT_DIR}/BOOTAA64.EFI`,
      mm: `${EFI_BOOT_DIR}/mmaa64.efi`,
      grub: `${EFI_BOOT_DIR}/grubaa64.efi`,
    },
    console: "ttyAMA0",
    comPort: false,
  },
};

/** The architecture an OCI config's name stands for, if cniso builds for it. */
export function archOfOci(name: string): Arch | undefined {
  return ARCHES.find((a) => ARCH_LAYOUTS[a].oci === name || a === name);
}

/**
 * One GRUB config, at every place where distributions' GRUBs look for it: the
 * EFI directory (Fedora's CD GRUB), /boot/grub2 (Fedora, BIOS) and /boot/grub
 * (Debian and Ubuntu). UEFI firmware reads the first; BIOS GRUB the others.
 */
export const GRUB_CONFIGS = {
  efi: `${EFI_BOOT_DIR}/grub.cfg`,
  grub2: `${BIOS_PREFIX}/grub.cfg`,
  grub: "/boot/grub/grub.cfg",
} as const;

/** The menu for booting the ISO as a file (loopback_config.ts), where multiboot tools look. */
export const LOOPBACK_CONFIG = "/boot/grub/loopback.cfg";

/** Where GRUB under this firmware looks for its config, in order. */
export function grubConfigPaths(firmware: "bios" | "uefi" | "uefi-secure"): string[] {
  return firmware === "bios"
    ? [GRUB_CONFIGS.grub2, GRUB_CONFIGS.grub]
    : [GRUB_CONFIGS.efi, GRUB_CONFIGS.grub2, GRUB_CONFIGS.grub];
}

/** A path on the ISO as xorriso's El Torito options want it: relative to the ISO's root. */
export function isoRelative(isoPath: string): string {
  return isoPath.replace(/^\/+/, "");
}
