/**
 * Boot testing, the pure part: the QEMU command line for each firmware and
 * medium, the phases of a boot as they show on the serial console, and the
 * keys that make GRUB's default entry print to that console.
 */
import { InputError } from "./errors.ts";

export type Firmware = "bios" | "uefi" | "uefi-secure";
export type Media = "cd" | "usb";
export type Accel = "kvm" | "tcg";

/** OVMF builds, as Debian (ovmf) and Fedora (edk2-ovmf) install them. */
export const OVMF = {
  uefi: [
    ["/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"],
    ["/usr/share/edk2/ovmf/OVMF_CODE.fd", "/usr/share/edk2/ovmf/OVMF_VARS.fd"],
  ],
  // Secure Boot: the SMM build, with Microsoft's keys enrolled in the variables.
  "uefi-secure": [
    ["/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"],
    ["/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd", "/usr/share/edk2/ovmf/OVMF_VARS.secboot.fd"],
  ],
} as const;

export interface QemuSetup {
  iso: string;
  firmware: Firmware;
  media: Media;
  accel: Accel;
  memoryMiB: number;
  /** QEMU's -cpu model; undefined: "host" under KVM, QEMU's default under TCG. */
  cpu?: string;
  /** OVMF code file, and the per-run copy of its variable store (UEFI only). */
  ovmfCode?: string;
  ovmfVars?: string;
  serialSocket: string;
  serialLog: string;
  qmpSocket: string;
}

export function qemuArgs(s: QemuSetup): string[] {
  const args = ["-name", "cniso-boot-test", "-m", `${s.memoryMiB}`, "-smp", "2"];
  if (s.firmware === "uefi-secure") {
    args.push("-machine", "q35,smm=on", "-global", "driver=cfi.pflash01,property=secure,value=on");
  } else {
    args.push("-machine", s.firmware === "uefi" ? "q35" : "pc");
  }
  args.push(
    ...(s.accel === "kvm"
      ? ["-accel", "kvm", "-cpu", s.cpu ?? "host"]
      : ["-accel", "tcg,thread=multi", ...(s.cpu ? ["-cpu", s.cpu] : [])]),
  );
  if (s.firmware !== "bios") {
    args.push(
      "-drive",
      `if=pflash,format=raw,unit=0,readonly=on,file=${driveValue(s.ovmfCode!)}`,
      "-drive",
      `if=pflash,format=raw,unit=1,file=${driveValue(s.ovmfVars!)}`,
    );
  }
  if (s.media === "cd") {
    args.push(
      "-drive",
      `file=${driveValue(s.iso)},media=cdrom,readonly=on,if=none,id=cd`,
      "-device",
      "ide-cd,drive=cd,bootindex=0",
    );
  } else {
    args.push(
      "-drive",
      `file=${driveValue(s.iso)},format=raw,readonly=on,if=none,id=usb`,
      "-device",
      "qemu-xhci",
      "-device",
      "usb-storage,drive=usb,bootindex=0",
    );
  }
  args.push(
    "-nic",
    "none",
    "-display",
    "none",
    "-no-reboot",
    "-chardev",
    `socket,id=serial0,path=${s.serialSocket},server=on,wait=on,logfile=${s.serialLog}`,
    "-serial",
    "chardev:serial0",
    "-qmp",
    `unix:${s.qmpSocket},server=on,wait=off`,
  );
  return args;
}

/** In a -drive value a comma is written twice. */
function driveValue(p: string): string {
  return p.replaceAll(",", ",,");
}

export interface Phase {
  name: string;
  /** Seen on the serial console when the phase is reached. */
  pattern: RegExp;
}

/** The phases of a live boot, in order, as they show on the serial console. */
export const PHASES: Phase[] = [
  { name: "firmware", pattern: /./ },
  { name: "bootloader menu", pattern: /to edit the commands/ },
  { name: "kernel", pattern: /Linux version \d/ },
  { name: "initramfs", pattern: /Run \/init as init process|dracut-\d+|in initrd/ },
  // The initrd switches to the real root only once /sysroot is mounted.
  { name: "live root mounted", pattern: /Mounted .*[sS]ysroot|initrd-switch-root|Switching root/ },
  {
    name: "target reached",
    pattern: /Reached target .*(Multi-User System|Graphical Interface)|login: /,
  },
];

/**
 * GRUB's errors once the entry was started (before the kernel runs). Errors
 * before that are not fatal: distributions' embedded configs search for files
 * that are not there and carry on ("error: no such device: /.disk/info").
 */
export const BOOTLOADER_FAILURES: RegExp[] = [
  /error: (file .* not found|.*you need to load the kernel first|.*bad shim signature|.*invalid signature|.*[Ss]ecure [Bb]oot forbids)/,
];

/** Signs that the booted system will not get further. */
export const SYSTEM_FAILURES: RegExp[] = [
  /Kernel panic/,
  /You are in emergency mode|Entering emergency mode|dracut Warning: Could not boot|Give root password for maintenance/,
  // The live root never appeared (a CDLABEL that names no medium, a missing driver).
  /Timed out waiting for device .*(by\\x2dlabel|by-label|root|live)|Could not find the root/,
];

export const SECURE_BOOT = /[Ss]ecure boot enabled/;

/** Removes terminal escape sequences (GRUB draws its menu with them). */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\r/g, "");
}

/** Arguments boot-test appends to the default entry so the live system reports on ttyS0. */
export const CONSOLE_ARGS = "console=tty0 console=ttyS0,115200 loglevel=7 systemd.show_status=1";

/**
 * How many lines down GRUB's editor must go from its first line to reach the
 * `linux` command of the default entry. GRUB shows `setparams 'name'` first,
 * then the entry's body as written after `{`.
 */
export function linuxLineInEditor(grubCfg: string): number {
  const defaultMatch = /^\s*set\s+default=["']?([^"'\s]+)/m.exec(grubCfg);
  const entries = menuEntryBodies(grubCfg);
  if (entries.length === 0) {
    throw new InputError("the ISO's grub.cfg has no menuentry", "boot-test drives a GRUB menu");
  }
  let index = 0;
  if (defaultMatch) {
    const value = defaultMatch[1];
    if (/^\d+$/.test(value)) index = Number(value);
    else {
      const byId = entries.findIndex((e) => e.id === value || e.title === value);
      if (byId >= 0) index = byId;
    }
  }
  const body = entries[index]?.body;
  if (body === undefined) {
    throw new InputError(
      `the ISO's grub.cfg sets default=${defaultMatch?.[1]}, which names no entry`,
    );
  }
  const line = body.findIndex((l) => /^\s*(linux|linuxefi|linux16)\s/.test(l));
  if (line < 0) {
    throw new InputError(`the default GRUB entry "${entries[index].title}" has no linux command`);
  }
  return 1 + line; // +1 for the setparams line
}

/** Top-level menuentry blocks: title, --id and body lines (first = rest of the `{` line). */
export function menuEntryBodies(grubCfg: string): { title: string; id?: string; body: string[] }[] {
  const out: { title: string; id?: string; body: string[] }[] = [];
  const lines = grubCfg.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^menuentry\s+(?:'([^']*)'|"([^"]*)"|(\S+))(.*)\{(.*)$/.exec(lines[i]);
    if (!m) continue;
    const id = /--id[= ]\s*['"]?([^'"\s]+)/.exec(m[4])?.[1];
    const body = [m[5]];
    for (i++; i < lines.length && !/^\}\s*$/.test(lines[i]); i++) body.push(lines[i]);
    out.push({ title: m[1] ?? m[2] ?? m[3], id, body });
  }
  return out;
}
