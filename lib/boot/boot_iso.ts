/**
 * boot-test's run: reads the checked ISO's GRUB config, then boots it in
 * QEMU. Under `--accel auto` it tries KVM first and falls back to TCG when KVM
 * makes no progress in any phase (or QEMU stops): /dev/kvm that exists but
 * hangs guests is common on the machines this runs on. The first QEMU is
 * stopped and its files removed before the second starts.
 */
import type { Cleanup } from "../cleanup.ts";
import * as path from "node:path";
import { prepareOutput } from "../pipeline/work_dir.ts";
import { osGuard } from "../errors.ts";
import { KVM_WINDOWS, tcgWindows } from "./stall_windows.ts";
import type { PhaseName } from "./console_text.ts";
import { consoleArgs, editorKeys } from "./grub_editor.ts";
import { readGrubConfig } from "./iso_reader.ts";
import { type Arch, LOOPBACK_CONFIG } from "../iso/layout.ts";
import { makeMultibootStick } from "./multiboot_stick.ts";
import { type Accel, type Firmware, type Media, SANDBOX } from "./qemu_args.ts";
import { runSession } from "./qemu_session.ts";

export interface BootOptions {
  /** The ISO, already checked (iso_reader.ts checkIso) when its architecture was read. */
  iso: string;
  /** The ISO's architecture (iso_reader.ts isoArch): the emulator in `qemu` is its. */
  arch: Arch;
  firmware: Firmware;
  media: Media;
  accel: "auto" | Accel;
  expect?: RegExp;
  /** Boot this menu entry (by its title) instead of the default one. */
  entry?: string;
  /** Kernel arguments typed after the console's (checked: plain words). */
  append?: string;
  timeoutSecs: number;
  memoryMiB: number;
  cpu?: string;
  screenshot?: string;
  serialLog?: string;
  /** OVMF's variable store to start from (else the firmware's default one). */
  ovmfVars?: string;
  qemu: string;
  xorriso: string;
  /** Progress lines (phases, the fallback) go here. */
  log: (line: string) => void;
}

export interface BootResult {
  passed: boolean;
  /** Phases reached, with seconds since QEMU started. */
  phases: { name: PhaseName; at: number }[];
  /** Why it failed, when it did. */
  reason?: string;
  accel: Accel;
  /** Why KVM was given up on, when it was. */
  fellBack?: string;
  serialTail: string[];
}

export async function bootIso(
  options: BootOptions,
  cleanup: Cleanup,
  signal: AbortSignal,
): Promise<BootResult> {
  // As a file on a multiboot stick, GRUB shows the ISO's loopback.cfg (multiboot_stick.ts).
  const asFile = options.media === "file";
  const grubCfg = await readGrubConfig(
    options.iso,
    options.firmware,
    options.xorriso,
    cleanup,
    asFile ? [LOOPBACK_CONFIG] : undefined,
  );
  const stick = asFile ? await makeMultibootStick(options.iso, cleanup) : undefined;
  const { menuKeys, downPresses } = editorKeys(grubCfg, options.entry);
  const deadline = Date.now() + options.timeoutSecs * 1000;
  const sandbox = await sandboxSupported(options.qemu);
  const serialLog = options.serialLog
    ? await keptFile(options.serialLog, "--serial-log", cleanup, options.log)
    : undefined;
  const screenshot = options.screenshot
    ? await keptFile(options.screenshot, "--screenshot", cleanup, options.log)
    : undefined;

  let accel: Accel = options.accel === "auto" ? "kvm" : options.accel;
  let fellBack: string | undefined;
  let retried = false;
  for (;;) {
    const { verdict, monitor, qemuExited } = await runSession(
      {
        ...options,
        ...(stick ? { iso: stick.grubImage, stick: stick.stick } : {}),
        accel,
        sandbox,
        deadline,
        serialLog: serialLog?.file,
        screenshot: screenshot && { write: screenshot.path, shown: options.screenshot! },
        monitor: {
          secureBoot: options.firmware === "uefi-secure",
          expect: options.expect,
          menuKeys,
          downPresses,
          consoleArgs: [consoleArgs(options.arch), options.append].filter(Boolean).join(" "),
          windows: accel === "kvm" ? KVM_WINDOWS : tcgWindows(options.arch),
        },
      },
      cleanup,
      signal,
    );
    const kvmStuck = verdict.status === "stall" || qemuExited;
    if (options.accel === "auto" && accel === "kvm" && kvmStuck && Date.now() < deadline) {
      fellBack = verdict.status === "pass" ? undefined : verdict.reason;
      options.log(`KVM made no progress (${fellBack}); falling back to TCG`);
      accel = "tcg";
      continue;
    }
    if (
      !retried && accel === "tcg" && verdict.status === "fail" &&
      tcgFlake(verdict, monitor.phases) && Date.now() < deadline
    ) {
      retried = true;
      options.log(
        `${verdict.reason}; under TCG that early it can be the emulator's: booting once more`,
      );
      continue;
    }
    return {
      passed: verdict.status === "pass",
      phases: monitor.phases,
      reason: verdict.status === "pass" ? undefined : verdict.reason,
      accel,
      fellBack,
      serialTail: monitor.tail(),
    };
  }
}

/**
 * Whether a failed TCG boot may be the emulator's doing: a kernel panic before
 * the initramfs starts. Measured: Debian sid's 7.2 kernel, with two emulated
 * CPUs, now and then hits "Oops: int3" in its first second while it patches
 * its own code (the CPUs race on code one of them rewrites); the next boot
 * passes. A panic that comes again is the kernel's, and fails.
 */
export function tcgFlake(
  verdict: { status: string; reason?: string },
  phases: { name: PhaseName }[],
): boolean {
  return verdict.status === "fail" && /Kernel panic/.test(verdict.reason ?? "") &&
    phases.at(-1)?.name === "kernel";
}

/**
 * A file the user asked to keep (--serial-log, --screenshot): written in
 * root's own work directory, and placed where asked at the end, as the ISO is
 * (work_dir.ts), so a link planted there cannot make root write elsewhere.
 */
async function keptFile(
  dest: string,
  option: string,
  cleanup: Cleanup,
  log: (line: string) => void,
): Promise<{ path: string; file?: Deno.FsFile }> {
  const out = await prepareOutput(path.resolve(dest), cleanup, log);
  const temp = path.join(out.workDir, "kept");
  const file = option === "--serial-log"
    ? await osGuard(
      `${option} ${dest}: cannot write it`,
      () => Deno.open(temp, { write: true, createNew: true }),
    )
    : undefined;
  // Runs before the work directory is removed (the cleanup list runs last-in first).
  cleanup.defer(`keep ${dest}`, async () => {
    file?.close();
    if (await Deno.lstat(temp).then((i) => i.isFile, () => false)) await out.place(temp);
  });
  return { path: temp, file };
}

/** Whether this QEMU has seccomp (-sandbox): asked by starting an empty machine. */
async function sandboxSupported(qemu: string): Promise<boolean> {
  const child = new Deno.Command(qemu, {
    args: [
      ...["-machine", "none", "-nodefaults", "-display", "none", "-monitor", "stdio"],
      ...["-sandbox", SANDBOX],
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  // It exits 0 on the monitor's "quit"; without seccomp it refuses -sandbox at once.
  const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
  try {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("quit\n")).catch(() => {});
    await writer.close().catch(() => {});
    return (await child.status).success;
  } finally {
    clearTimeout(timer);
  }
}
