/**
 * How long a boot may make no progress in each phase before boot-test ends it,
 * under TCG and under KVM: measured values with room for loaded machines.
 */
import type { Arch } from "../iso/layout.ts";

/** How long each phase may go without progress, in seconds. */
export interface StallWindows {
  /** From QEMU's start to the first console output (the firmware). */
  firstOutput: number;
  /** From QEMU's start to GRUB's menu (firmware, then GRUB). */
  menu: number;
  /** From the boot keys (Ctrl-X in GRUB's editor) to the kernel's first line. */
  kernel: number;
  /** Once the kernel runs: console silence. A live root never found looks like this. */
  silence: number;
  /** From the target to what else is required (--expect, the Secure Boot line). */
  afterTarget: number;
}

/**
 * Measured under TCG on 2 cores: menu at 6 s, kernel 10-25 s after the boot keys,
 * the longest silence of a good boot about 50 s (dracut finding the medium).
 * The windows are a few times that, for loaded machines.
 */
export const TCG_WINDOWS: StallWindows = {
  firstOutput: 60,
  menu: 120,
  // Loading kernel and initrd through emulated firmware is the step that suffers most on a
  // loaded machine (seen taking over 120 s with both cores busy).
  kernel: 240,
  silence: 120,
  afterTarget: 60,
};

/**
 * Under KVM the firmware and GRUB take a second or two and the kernel prints
 * within a second of starting. A KVM that runs GRUB but hangs the kernel (seen
 * on machines of this project's kind) is given up on after `kernel` seconds.
 */
export const KVM_WINDOWS: StallWindows = {
  firstOutput: 20,
  menu: 30,
  kernel: 15,
  silence: 60,
  afterTarget: 60,
};

/**
 * An emulated arm64 machine (AAVMF, then an arm64 kernel under TCG) is slower than an
 * emulated x86_64 one: measured (see docs/boot-test.md) the windows are scaled for it.
 */
export const AARCH64_TCG_WINDOWS: StallWindows = {
  firstOutput: 120,
  menu: 240,
  kernel: 360,
  silence: 240,
  afterTarget: 120,
};

/** The TCG windows for an ISO of this architecture. */
export function tcgWindows(arch: Arch): StallWindows {
  return arch === "aarch64" ? AARCH64_TCG_WINDOWS : TCG_WINDOWS;
}
