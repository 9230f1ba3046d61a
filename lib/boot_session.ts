/**
 * Boot testing, the running part: starts QEMU on an ISO, drives GRUB's menu
 * over the serial console (adds console=ttyS0 to the default entry), follows
 * the boot phase by phase, and stops QEMU and removes its files in every case.
 */
import $ from "dax";
import * as path from "node:path";
import {
  type Accel,
  BOOTLOADER_FAILURES,
  CONSOLE_ARGS,
  type Firmware,
  linuxLineInEditor,
  type Media,
  OVMF,
  PHASES,
  qemuArgs,
  SECURE_BOOT,
  stripAnsi,
  SYSTEM_FAILURES,
} from "./boot_test.ts";
import type { Cleanup } from "./cleanup.ts";
import { InputError, ToolError } from "./errors.ts";

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
  /** Progress lines (phases) go here. */
  log: (line: string) => void;
}

export interface BootResult {
  passed: boolean;
  /** Phases reached, with seconds since QEMU started. */
  phases: { name: string; at: number }[];
  /** Why it failed, when it did. */
  reason?: string;
  accel: Accel;
  serialTail: string[];
}

/** Seconds KVM gets to show any output before auto falls back to TCG. */
const KVM_GRACE_SECS = 20;
/**
 * Once the kernel runs, a boot that prints nothing for this long is stuck. A
 * live root that is never found looks like this: dracut waits in silence.
 */
export const STALL_SECS = 120;

export async function bootTest(
  options: BootOptions,
  cleanup: Cleanup,
  signal: AbortSignal,
): Promise<BootResult> {
  await checkIso(options.iso);
  const grubCfg = await readGrubConfig(options, cleanup);
  const downPresses = linuxLineInEditor(grubCfg);
  const deadline = Date.now() + options.timeoutSecs * 1000;

  let accel: Accel = options.accel === "auto" ? (await kvmUsable() ? "kvm" : "tcg") : options.accel;
  for (;;) {
    const fallback = options.accel === "auto" && accel === "kvm";
    const result = await bootOnce(options, accel, downPresses, deadline, cleanup, signal, fallback);
    if (result === "kvm-stalled") {
      options.log(
        `KVM does not work here (no output in ${KVM_GRACE_SECS} s, or QEMU stopped); falling back to TCG`,
      );
      accel = "tcg";
      continue;
    }
    return result;
  }
}

async function bootOnce(
  options: BootOptions,
  accel: Accel,
  downPresses: number,
  deadline: number,
  cleanup: Cleanup,
  signal: AbortSignal,
  /** Give up on KVM (return "kvm-stalled") when the guest shows nothing. */
  kvmFallback: boolean,
): Promise<BootResult | "kvm-stalled"> {
  const dir = await Deno.makeTempDir({ prefix: "cniso-boot-" });
  cleanup.defer("remove the boot test's files", () => Deno.remove(dir, { recursive: true }));
  let ovmfCode: string | undefined;
  let ovmfVars: string | undefined;
  if (options.firmware !== "bios") {
    const pair = await firstExisting(OVMF[options.firmware]);
    if (!pair) {
      throw new ToolError(
        `no OVMF firmware for ${options.firmware} (looked for ${
          OVMF[options.firmware].map((p) => p[0]).join(", ")
        })`,
        "install it: apt-get install ovmf   (Fedora: dnf install edk2-ovmf)",
      );
    }
    ovmfCode = pair[0];
    // The variable store is written by the firmware: each run gets its own copy.
    ovmfVars = path.join(dir, "OVMF_VARS.fd");
    await Deno.copyFile(pair[1], ovmfVars);
  }
  const serialLog = options.serialLog ?? path.join(dir, "serial.log");
  const setup = {
    iso: options.iso,
    firmware: options.firmware,
    media: options.media,
    accel,
    memoryMiB: options.memoryMiB,
    cpu: options.cpu,
    ovmfCode,
    ovmfVars,
    serialSocket: path.join(dir, "serial.sock"),
    serialLog,
    qmpSocket: path.join(dir, "qmp.sock"),
  };
  options.log(`QEMU: ${options.firmware}, ${options.media}, ${accel}`);
  const child = new Deno.Command(options.qemu, {
    args: qemuArgs(setup),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stderrText = new Response(child.stderr).text();
  cleanup.defer("stop QEMU", async () => {
    if (!exited) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }
    await status;
  });

  const start = Date.now();
  const seconds = () => (Date.now() - start) / 1000;
  const serial = await connectWhenReady(setup.serialSocket, () => exited);
  if (!serial && kvmFallback) return "kvm-stalled";
  if (!serial) {
    await status;
    throw new ToolError(
      `QEMU did not start: ${(await stderrText).trim().split("\n").slice(-3).join(" ")}`,
    );
  }
  cleanup.defer("close the serial console", () => {
    try {
      serial.close();
    } catch { /* closed */ }
  });

  const phases: { name: string; at: number }[] = [];
  const lines: string[] = []; // complete lines seen, escapes removed
  let partial = ""; // the raw text after the last newline
  let stage: "menu" | "editor" | "booting" = "menu";
  let reason: string | undefined;
  let passed = false;
  let secureSeen = false;
  let lastOutput = Date.now();
  let expectSeen = false;
  const reached = (name: string) => phases.some((p) => p.name === name);
  const keys = (s: string) => serial.write(new TextEncoder().encode(s));
  const buf = new Uint8Array(65536);
  const decoder = new TextDecoder();

  /** Looks at one piece of console text: phases, failures, and the patterns asked for. */
  const look = (line: string) => {
    for (const phase of PHASES) {
      if (!reached(phase.name) && phase.pattern.test(line)) {
        // Phases are ordered: reaching one means the ones before were passed.
        for (const p of PHASES.slice(0, PHASES.indexOf(phase) + 1)) {
          if (!reached(p.name)) {
            phases.push({ name: p.name, at: seconds() });
            options.log(
              p === phase
                ? `  ${p.name.padEnd(18)} ${seconds().toFixed(1)} s`
                : `  ${p.name.padEnd(18)} passed (no sign of it on the console)`,
            );
          }
        }
      }
    }
    if (SECURE_BOOT.test(line)) secureSeen = true;
    if (options.expect?.test(line)) expectSeen = true;
    const failures = stage === "booting" && !reached("kernel")
      ? [...BOOTLOADER_FAILURES, ...SYSTEM_FAILURES]
      : SYSTEM_FAILURES;
    const failure = failures.map((re) => re.exec(line)).find((m) => m);
    if (failure && !reason) reason = `the boot failed: "${failure[0].trim()}"`;
  };

  // One read at a time, with a short timeout so that the deadline is checked.
  let readPromise: Promise<number | null> | undefined;
  while (!reason) {
    if (signal.aborted) throw signal.reason;
    if (Date.now() > deadline) {
      reason = `timed out after ${options.timeoutSecs} s`;
      break;
    }
    if (kvmFallback && phases.length === 0 && (exited || seconds() > KVM_GRACE_SECS)) {
      return "kvm-stalled";
    }
    readPromise ??= serial.read(buf);
    const n = await Promise.race([readPromise, sleep(250).then(() => "idle" as const)]);
    if (n === "idle") {
      if (exited) reason = "QEMU exited (the machine powered off or reset)";
      else if (reached("kernel") && (Date.now() - lastOutput) / 1000 > STALL_SECS) {
        const last = phases.at(-1)!.name;
        reason = `the boot stalled: no console output for ${STALL_SECS} s after the ${last} phase` +
          (last === "initramfs"
            ? " (the live root was not found: does root=live:CDLABEL= name the ISO's label?)"
            : "");
      }
      continue;
    }
    lastOutput = Date.now();
    readPromise = undefined;
    if (n === null) {
      if (kvmFallback && phases.length === 0) return "kvm-stalled";
      reason = "QEMU closed the serial console (the machine stopped)";
      break;
    }
    partial += decoder.decode(buf.subarray(0, n), { stream: true });
    const cut = partial.lastIndexOf("\n");
    if (cut >= 0) {
      for (const raw of partial.slice(0, cut).split("\n")) {
        const line = stripAnsi(raw);
        lines.push(line);
        look(line);
      }
      partial = partial.slice(cut + 1);
    }
    // Prompts (GRUB's, login:) do not end with a newline.
    if (partial) look(stripAnsi(partial.slice(-4096)));

    if (stage === "menu" && reached("bootloader menu")) {
      await keys("e"); // edit the highlighted (default) entry
      stage = "editor";
    } else if (
      stage === "editor" &&
      lines.slice(-30).some((l) => /Minimum Emacs-like screen editing/.test(l))
    ) {
      await sleep(300); // let GRUB finish drawing the entry
      // Down to the linux line, to its end, append the console arguments, boot (Ctrl-X).
      await keys("\x0e".repeat(downPresses) + "\x05" + ` ${CONSOLE_ARGS}` + "\x18");
      stage = "booting";
    }
    if (reached("target reached")) {
      const secureOk = options.firmware !== "uefi-secure" || secureSeen;
      if (secureOk && (!options.expect || expectSeen)) {
        passed = true;
        break;
      }
      // Keep reading: the pattern may come a little later; the deadline bounds the wait.
    }
  }
  if (!passed && reached("target reached") && !reason?.startsWith("the boot failed")) {
    const missing = [];
    if (options.firmware === "uefi-secure" && !secureSeen) {
      missing.push('the kernel never reported "Secure boot enabled"');
    }
    if (options.expect && !expectSeen) {
      missing.push(`--expect ${options.expect.source} never appeared`);
    }
    if (missing.length) reason = `${missing.join("; ")} (${reason})`;
  }
  if (partial) lines.push(stripAnsi(partial));
  if (options.screenshot) await screenshot(setup.qmpSocket, options.screenshot, options.log);
  return {
    passed,
    phases,
    reason,
    accel,
    serialTail: lines.filter((l) => l.trim()).slice(-40),
  };
}

/** An ISO 9660 image has "CD001" at byte 32769. */
async function checkIso(iso: string) {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(iso);
  } catch {
    throw new InputError(`${iso}: no such file`);
  }
  try {
    const head = new Uint8Array(32774);
    let got = 0;
    while (got < head.length) {
      const n = await file.read(head.subarray(got));
      if (n === null) break;
      got += n;
    }
    if (new TextDecoder().decode(head.subarray(32769, 32774)) !== "CD001") {
      throw new InputError(
        `${iso}: not an ISO 9660 image`,
        "boot-test takes an ISO made by cniso build",
      );
    }
  } finally {
    file.close();
  }
}

/** The GRUB config GRUB will read: /EFI/BOOT/grub.cfg under UEFI, /boot/grub2/grub.cfg under BIOS. */
async function readGrubConfig(options: BootOptions, cleanup: Cleanup): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "cniso-grubcfg-" });
  cleanup.defer("remove the extracted grub.cfg", () => Deno.remove(dir, { recursive: true }));
  const candidates = options.firmware === "bios"
    ? ["/boot/grub2/grub.cfg", "/boot/grub/grub.cfg"]
    : ["/EFI/BOOT/grub.cfg", "/boot/grub2/grub.cfg", "/boot/grub/grub.cfg"];
  for (const [i, p] of candidates.entries()) {
    const dest = path.join(dir, `${i}.cfg`);
    const r = await $`${options.xorriso} -osirrox on -indev ${options.iso} -extract ${p} ${dest}`
      .stdout("null").stderr("null").noThrow();
    if (r.code === 0) {
      const text = await Deno.readTextFile(dest).catch(() => undefined);
      if (text !== undefined) return text;
    }
  }
  throw new InputError(
    `${options.iso}: no GRUB config (${candidates.join(", ")})`,
    "boot-test drives the GRUB menu of ISOs laid out as cniso builds them",
  );
}

async function firstExisting(pairs: readonly (readonly [string, string])[]) {
  for (const pair of pairs) {
    if (await exists(pair[0]) && await exists(pair[1])) return pair;
  }
  return undefined;
}

async function exists(p: string) {
  return await Deno.stat(p).then(() => true, () => false);
}

/** Whether /dev/kvm can be opened; whether guests then run is found out by booting. */
async function kvmUsable(): Promise<boolean> {
  try {
    const f = await Deno.open("/dev/kvm", { read: true, write: true });
    f.close();
    return true;
  } catch {
    return false;
  }
}

async function connectWhenReady(
  socket: string,
  gone: () => boolean,
): Promise<Deno.UnixConn | undefined> {
  for (let i = 0; i < 200 && !gone(); i++) {
    try {
      return await Deno.connect({ transport: "unix", path: socket });
    } catch {
      await sleep(50);
    }
  }
  return undefined;
}

/** Asks QEMU (over QMP) for a PNG of the screen. */
async function screenshot(qmpSocket: string, file: string, log: (line: string) => void) {
  try {
    const conn = await Deno.connect({ transport: "unix", path: qmpSocket });
    const enc = new TextEncoder();
    const reader = conn.readable.pipeThrough(new TextDecoderStream()).getReader();
    let received = "";
    const waitFor = async (re: RegExp) => {
      const until = Date.now() + 10000;
      while (!re.test(received) && Date.now() < until) {
        const r = await Promise.race([reader.read(), sleep(10000).then(() => undefined)]);
        if (!r || r.done) break;
        received += r.value;
      }
      return re.test(received);
    };
    await waitFor(/"QMP"/);
    await conn.write(enc.encode('{"execute":"qmp_capabilities"}\n'));
    await waitFor(/"return"/);
    received = "";
    const args = { filename: path.resolve(file), format: "png" };
    await conn.write(enc.encode(JSON.stringify({ execute: "screendump", arguments: args }) + "\n"));
    const ok = await waitFor(/"return"|"error"/);
    if (!ok || /"error"/.test(received)) log(`screenshot failed: ${received.trim()}`);
    else log(`screenshot: ${file}`);
    reader.releaseLock();
    conn.close();
  } catch (e) {
    log(`screenshot failed: ${(e as Error).message}`);
  }
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
