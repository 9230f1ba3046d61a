/**
 * boot-test's run: checks the ISO, reads its GRUB config, then boots it in
 * QEMU. Under `--accel auto` it tries KVM first and falls back to TCG when KVM
 * makes no progress in any phase (or QEMU stops): /dev/kvm that exists but
 * hangs guests is common on the machines this runs on. The first QEMU is
 * stopped and its files removed before the second starts.
 */
import type { Cleanup } from "../cleanup.ts";
import { osGuard } from "../errors.ts";
import { KVM_WINDOWS, TCG_WINDOWS } from "./console_monitor.ts";
import type { PhaseName } from "./console_text.ts";
import { CONSOLE_ARGS, linuxLineInEditor } from "./grub_editor.ts";
import { checkIso, readGrubConfig } from "./iso_reader.ts";
import { type Accel, type Firmware, type Media, SANDBOX } from "./qemu_args.ts";
import { runSession } from "./qemu_session.ts";

export interface BootOptions {
  iso: string;
  firmware: Firmware;
  media: Media;
  accel: "auto" | Accel;
  expect?: RegExp;
  timeoutSecs: number;
  memoryMiB: number;
  cpu?: string;
  screenshot?: string;
  serialLog?: string;
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
  await checkIso(options.iso);
  const grubCfg = await readGrubConfig(options.iso, options.firmware, options.xorriso, cleanup);
  const downPresses = linuxLineInEditor(grubCfg);
  const deadline = Date.now() + options.timeoutSecs * 1000;
  const sandbox = await sandboxSupported(options.qemu);
  const serialLog = options.serialLog
    ? await osGuard(
      `--serial-log ${options.serialLog}: cannot write it`,
      () => Deno.open(options.serialLog!, { write: true, create: true, truncate: true }),
    )
    : undefined;
  if (serialLog) cleanup.defer("close the serial log", () => serialLog.close());

  let accel: Accel = options.accel === "auto" ? "kvm" : options.accel;
  let fellBack: string | undefined;
  for (;;) {
    const { verdict, monitor, qemuExited } = await runSession(
      {
        ...options,
        accel,
        sandbox,
        deadline,
        serialLog,
        monitor: {
          secureBoot: options.firmware === "uefi-secure",
          expect: options.expect,
          downPresses,
          consoleArgs: CONSOLE_ARGS,
          windows: accel === "kvm" ? KVM_WINDOWS : TCG_WINDOWS,
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
