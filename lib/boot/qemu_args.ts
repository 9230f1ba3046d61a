/**
 * The QEMU command line for each firmware, medium and accelerator. Pure. Every
 * drive is opened as raw: the ISO is untrusted, and a qcow2 or VMDK file that
 * passes the ISO check must never make QEMU open a backing file it names.
 */
import * as path from "node:path";
import type { Arch } from "../iso/layout.ts";

export type Firmware = "bios" | "uefi" | "uefi-secure";
/** file: the ISO as a file on a multiboot stick (multiboot_stick.ts). */
export type Media = "cd" | "usb" | "file";
export type Accel = "kvm" | "tcg";

/** UEFI firmware builds (code, variables) per architecture, as Debian and Fedora install them. */
export const UEFI_FIRMWARE: Record<Arch, Record<"uefi" | "uefi-secure", [string, string][]>> = {
  // OVMF: Debian's ovmf, Fedora's edk2-ovmf.
  x86_64: {
    uefi: [
      ["/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"],
      ["/usr/share/edk2/ovmf/OVMF_CODE.fd", "/usr/share/edk2/ovmf/OVMF_VARS.fd"],
    ],
    // Secure Boot: the SMM build, with Microsoft's keys enrolled in the variables.
    "uefi-secure": [
      ["/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"],
      ["/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd", "/usr/share/edk2/ovmf/OVMF_VARS.secboot.fd"],
    ],
  },
  // AAVMF: Debian's qemu-efi-aarch64, Fedora's edk2-aarch64.
  aarch64: {
    uefi: [
      ["/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/AAVMF/AAVMF_VARS.fd"],
      [
        "/usr/share/edk2/aarch64/QEMU_EFI-pflash.raw",
        "/usr/share/edk2/aarch64/vars-template-pflash.raw",
      ],
    ],
    // Secure Boot on (no SMM on arm64), Microsoft's keys enrolled.
    "uefi-secure": [["/usr/share/AAVMF/AAVMF_CODE.ms.fd", "/usr/share/AAVMF/AAVMF_VARS.ms.fd"]],
  },
};

/** The emulator of each architecture, and the firmware package hint. */
export const EMULATORS = {
  x86_64: {
    qemu: "qemu-system-x86_64",
    firmwarePackage: "apt-get install ovmf   (Fedora: dnf install edk2-ovmf)",
  },
  aarch64: {
    qemu: "qemu-system-aarch64",
    firmwarePackage: "apt-get install qemu-efi-aarch64   (Fedora: dnf install edk2-aarch64)",
  },
} as const;

/**
 * The CPU emulated for arm64 under TCG: a plain ARMv8.0 core that every arm64
 * distribution kernel runs on ("max" adds pointer authentication, slow to emulate).
 */
export const AARCH64_TCG_CPU = "cortex-a72";

/**
 * QEMU's seccomp filter: no obsolete system calls, no privilege changes, no
 * new processes, no resource limit changes. Used where the QEMU supports it.
 */
export const SANDBOX = "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny";

export interface QemuSetup {
  /** The ISO's architecture: it picks the machine, the firmware and the CD's bus. */
  arch: Arch;
  /** The medium booted: the ISO, or (media "file") the multiboot stick's GRUB image. */
  iso: string;
  /** media "file": the stick holding the ISO as a file, a USB disk next to the GRUB image. */
  stick?: string;
  firmware: Firmware;
  media: Media;
  accel: Accel;
  memoryMiB: number;
  /** QEMU's -cpu model; undefined: "host" under KVM, QEMU's default under TCG. */
  cpu?: string;
  /** OVMF code file, and the per-run copy of its variable store (UEFI only). */
  ovmfCode?: string;
  ovmfVars?: string;
  /** The serial console and QMP: FIFO pairs <path>.in and <path>.out (see fifo.ts). */
  serialPipe: string;
  qmpPipe: string;
  sandbox: boolean;
}

export function qemuArgs(s: QemuSetup): string[] {
  return [
    ...["-name", "cniso-boot-test", "-m", `${s.memoryMiB}`, "-smp", "2"],
    ...machineArgs(s),
    ...firmwareArgs(s),
    ...mediaArgs(s),
    ...["-nic", "none", "-display", "none", "-no-reboot"],
    ...[
      "-chardev",
      `pipe,id=serial0,path=${driveValue(s.serialPipe)}`,
      "-serial",
      "chardev:serial0",
    ],
    ...[
      "-chardev",
      `pipe,id=qmp0,path=${driveValue(s.qmpPipe)}`,
      "-mon",
      "chardev=qmp0,mode=control",
    ],
    ...(s.sandbox ? ["-sandbox", SANDBOX] : []),
  ];
}

function machineArgs(s: QemuSetup): string[] {
  if (s.arch === "aarch64") {
    // The virt machine's pflash takes Secure Boot as it is (no SMM); KVM only on an arm64 host.
    const accel = s.accel === "kvm"
      ? ["-accel", "kvm", "-cpu", s.cpu ?? "host"]
      : ["-accel", "tcg,thread=multi", "-cpu", s.cpu ?? AARCH64_TCG_CPU];
    // Under KVM the host's interrupt controller (many arm64 hosts have only GICv3).
    return ["-machine", s.accel === "kvm" ? "virt,gic-version=host" : "virt", ...accel];
  }
  const machine = s.firmware === "uefi-secure"
    ? ["-machine", "q35,smm=on", "-global", "driver=cfi.pflash01,property=secure,value=on"]
    : ["-machine", s.firmware === "uefi" ? "q35" : "pc"];
  const accel = s.accel === "kvm"
    ? ["-accel", "kvm", "-cpu", s.cpu ?? "host"]
    : ["-accel", "tcg,thread=multi", ...(s.cpu ? ["-cpu", s.cpu] : [])];
  return [...machine, ...accel];
}

function firmwareArgs(s: QemuSetup): string[] {
  if (s.firmware === "bios") return [];
  return [
    "-drive",
    `if=pflash,format=raw,unit=0,readonly=on,file=${driveValue(s.ovmfCode!)}`,
    "-drive",
    `if=pflash,format=raw,unit=1,file=${driveValue(s.ovmfVars!)}`,
  ];
}

function mediaArgs(s: QemuSetup): string[] {
  // Absolute: a name such as "json:{...}" would be read by QEMU as a protocol.
  const file = `file=${driveValue(path.resolve(s.iso))},format=raw,readonly=on,if=none`;
  if (s.media === "usb") {
    return [
      ...["-drive", `${file},id=usb`, "-device", "qemu-xhci"],
      ...["-device", "usb-storage,drive=usb,bootindex=0"],
    ];
  }
  // The virt machine has no IDE: its CD drive is on virtio-scsi.
  const cdDevice = s.arch === "aarch64"
    ? ["-device", "virtio-scsi-pci,id=scsi0", "-device", "scsi-cd,drive=cd,bootindex=0"]
    : ["-device", "ide-cd,drive=cd,bootindex=0"];
  const cd = ["-drive", `${file},media=cdrom,id=cd`, ...cdDevice];
  if (s.media === "cd") return cd;
  // The stick is the test's own copy: writable, as a real stick (iso-scan mounts it read-only).
  // Second in the boot order: OVMF connects only the devices the order names.
  const stick = `file=${driveValue(path.resolve(s.stick!))},format=raw,if=none,id=stick`;
  return [
    ...cd,
    "-drive",
    stick,
    "-device",
    "qemu-xhci",
    "-device",
    "usb-storage,drive=stick,bootindex=1",
  ];
}

/** In a QEMU option value a comma is written twice. */
function driveValue(p: string): string {
  return p.replaceAll(",", ",,");
}
