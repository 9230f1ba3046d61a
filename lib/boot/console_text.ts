/**
 * What a boot looks like on the serial console: the phases in order, the
 * lines that mean it will get no further, and how console text is made safe
 * to match and to print.
 */

export const PHASE_NAMES = [
  "firmware",
  "bootloader menu",
  "kernel",
  "initramfs",
  "live root mounted",
  "target reached",
] as const;
export type PhaseName = typeof PHASE_NAMES[number];

/** Seen on the serial console when a phase is reached (firmware: any output at all). */
export const PHASE_PATTERNS: Record<PhaseName, RegExp> = {
  "firmware": /\S/,
  "bootloader menu": /to edit the commands/,
  "kernel": /Linux version \d/,
  "initramfs": /Run \/init as init process|dracut-\d+|in initrd/,
  // The initrd switches to the real root only once /sysroot is mounted.
  "live root mounted": /Mounted .*[sS]ysroot|initrd-switch-root|Switching root/,
  "target reached": /Reached target .*(Multi-User System|Graphical Interface)|login: /,
};

/** GRUB's entry editor is open (the keys to boot can be typed). */
export const GRUB_EDITOR = /Minimum Emacs-like screen editing/;

/** GRUB found no config and shows its own prompt instead of a menu. */
export const GRUB_PROMPT = /(^|\s)grub(?: rescue)?> ?$/;

/** GRUB's own error lines, quoted when it gives up. */
export const GRUB_ERROR = /^\s*error: /;

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
  // The firmware refused the medium's bootloader (Secure Boot: no db entry vouches for shim).
  /BdsDxe: failed to load Boot\S* .*: (Access Denied|Security Violation)/,
  /Kernel panic/,
  // dracut gave up (e.g. "FATAL: CD check failed!"), or the system halted or powered off.
  /dracut: FATAL:|dracut: Refusing to continue|reboot: System halted|reboot: Power down/,
  /You are in emergency mode|Entering emergency mode|dracut Warning: Could not boot|Give root password for maintenance/,
  // The live root never appeared (a CDLABEL that names no medium, a missing driver).
  /Timed out waiting for device .*(by\\x2dlabel|by-label|root|live)|Could not find the root/,
];

export const SECURE_BOOT = /[Ss]ecure boot enabled/;

export { printable, stripAnsi } from "../terminal.ts";
