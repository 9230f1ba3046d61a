/**
 * One QEMU run: starts QEMU, passes the serial console's text to the console
 * monitor, types the keys it asks for, and stops QEMU and removes its files
 * before returning, whatever happened. The monitor decides; this only moves
 * bytes and time.
 */
import * as path from "node:path";
import { Cleanup } from "../cleanup.ts";
import { ToolError } from "../errors.ts";
import { makeTempDir } from "../temp_dir.ts";
import { ConsoleMonitor, type MonitorOptions, type Verdict } from "./console_monitor.ts";
import { EMULATORS, type Firmware, qemuArgs, type QemuSetup, UEFI_FIRMWARE } from "./qemu_args.ts";
import type { Arch } from "../iso/layout.ts";
import { printable } from "./console_text.ts";
import { type Channel, makeFifos, openChannel } from "./fifo.ts";
import { screenshot } from "./screenshot.ts";

/** How often the windows are checked when the console is quiet. */
const POLL_MS = 250;
/** While typing: how often to look, the gap after an answered key, the wait for an unanswered one. */
const KEY_POLL_MS = 20;
const KEY_GAP_MS = 30;
const KEY_WAIT_MS = 400;
/** What --serial-log keeps at most: a guest flooding the console must not fill the disk. */
export const MAX_SERIAL_LOG = 64 * 1024 * 1024;

/** The machine to start (as qemu_args.ts describes it), and how to follow it. */
export interface SessionOptions extends
  Pick<
    QemuSetup,
    "arch" | "iso" | "stick" | "firmware" | "media" | "accel" | "memoryMiB" | "cpu" | "sandbox"
  > {
  qemu: string;
  /** Wall-clock time (ms) after which the run ends. */
  deadline: number;
  timeoutSecs: number;
  monitor: MonitorOptions;
  /** Where QEMU writes the screenshot, and the name the user gave. */
  screenshot?: { write: string; shown: string };
  /** --ovmf-vars: the variable store to copy instead of the firmware's default. */
  ovmfVars?: string;
  /** Where --serial-log text goes (opened by the caller; shared by the attempts). */
  serialLog?: Deno.FsFile;
  log: (line: string) => void;
}

export interface SessionResult {
  verdict: Verdict;
  monitor: ConsoleMonitor;
  /** QEMU stopped on its own before the verdict (e.g. KVM refused, or crashed). */
  qemuExited: boolean;
}

/** Runs QEMU once; `outer` gets a cleanup entry so a signal mid-run still stops QEMU. */
export async function runSession(
  options: SessionOptions,
  outer: Cleanup,
  signal: AbortSignal,
): Promise<SessionResult> {
  const cleanup = new Cleanup();
  outer.defer("stop QEMU and remove its files", () => cleanup.run());
  try {
    return await session(options, cleanup, signal);
  } finally {
    await cleanup.run();
  }
}

async function session(options: SessionOptions, cleanup: Cleanup, signal: AbortSignal) {
  const dir = await makeTempDir("cniso-boot-");
  cleanup.defer("remove the boot test's files", () => Deno.remove(dir, { recursive: true }));
  const setup = {
    ...options,
    ...(await firmwareFiles(options.arch, options.firmware, dir, options.ovmfVars)),
    serialPipe: path.join(dir, "serial"),
    qmpPipe: path.join(dir, "qmp"),
  };
  await makeFifos(setup.serialPipe);
  await makeFifos(setup.qmpPipe);
  const serial = await openChannel(setup.serialPipe);
  cleanup.defer("close the serial console", () => serial.close());
  const qmp = await openChannel(setup.qmpPipe);
  cleanup.defer("close QMP", () => qmp.close());
  options.log(`QEMU: ${options.firmware}, ${options.media}, ${options.accel}`);
  const qemu = startQemu(options.qemu, qemuArgs(setup), cleanup);
  const monitor = new ConsoleMonitor(options.monitor);
  const verdict = await follow(serial, qemu, monitor, options, signal);
  const qemuExited = qemu.exited && verdict.status !== "pass";
  if (options.screenshot && !qemu.exited) {
    await screenshot(
      qmp,
      options.screenshot.write,
      (line) => options.log(line.replace(options.screenshot!.write, options.screenshot!.shown)),
    );
  }
  return { verdict, monitor, qemuExited };
}

/** Reads the console until the monitor (or the deadline, or QEMU's exit) gives a verdict. */
async function follow(
  serial: Channel,
  qemu: Qemu,
  monitor: ConsoleMonitor,
  options: SessionOptions,
  signal: AbortSignal,
): Promise<Verdict> {
  const start = Date.now();
  const seconds = () => (Date.now() - start) / 1000;
  const buf = new Uint8Array(65536);
  const decoder = new TextDecoder();
  const log = boundedWriter(options.serialLog);
  const keyboard = new Keyboard(serial);
  let pending: Promise<number | null> | undefined;
  for (;;) {
    signal.throwIfAborted();
    if (Date.now() > options.deadline) return monitor.timeout(options.timeoutSecs);
    if (await keyboard.maybeType() === "done") monitor.typed(seconds());
    pending ??= serial.read(buf);
    const poll = keyboard.typing ? KEY_POLL_MS : POLL_MS;
    const n = await Promise.race([pending, sleep(poll).then(() => "idle" as const)]);
    if (n === "idle") {
      if (qemu.exited) return monitor.end(await qemuStopped(qemu));
      const verdict = monitor.tick(seconds());
      if (verdict) return verdict;
      continue;
    }
    pending = undefined;
    if (n === null) return monitor.end("the serial console was closed");
    keyboard.echoed();
    await log(buf.subarray(0, n));
    const text = decoder.decode(buf.subarray(0, n), { stream: true });
    for (const event of monitor.feed(text, seconds())) {
      if (event.kind === "keys") keyboard.queue(event.keys, event.delayMs);
      else {
        options.log(
          event.seen
            ? `  ${event.name.padEnd(18)} ${event.at.toFixed(1)} s`
            : `  ${event.name.padEnd(18)} passed (no sign of it on the console)`,
        );
      }
    }
    if (monitor.verdict) return monitor.verdict;
  }
}

/**
 * Types one key at a time, each after GRUB answered the one before (its
 * echo or redraw) or a short wait. Under UEFI, GRUB reads the serial port
 * twice over (its own serial driver, and the firmware's console, which polls
 * the same port): keys sent together can reach its editor out of order.
 */
class Keyboard {
  #keys = "";
  #notBefore = 0;
  #sentAt = 0;
  #answered = true;

  constructor(private readonly serial: Channel) {}

  get typing(): boolean {
    return this.#keys.length > 0;
  }

  queue(keys: string, delayMs: number) {
    if (!this.#keys) this.#notBefore = Date.now() + delayMs;
    this.#keys += keys;
  }

  /** Output came: the last key was taken. */
  echoed() {
    this.#answered = true;
  }

  /** Types the next key if it is time; "done" when that was the last one queued. */
  async maybeType(): Promise<"done" | undefined> {
    if (!this.#keys || Date.now() < this.#notBefore) return;
    const since = Date.now() - this.#sentAt;
    if (!(this.#answered ? since >= KEY_GAP_MS : since >= KEY_WAIT_MS)) return;
    await this.serial.write(this.#keys[0]);
    this.#keys = this.#keys.slice(1);
    this.#sentAt = Date.now();
    this.#answered = false;
    return this.#keys ? undefined : "done";
  }
}

/** Why QEMU stopped: its own words, or its exit status. */
async function qemuStopped(qemu: Qemu): Promise<string> {
  return `QEMU stopped (${await qemu.stderrTail()})`;
}

interface Qemu {
  readonly exited: boolean;
  status: Promise<Deno.CommandStatus>;
  /** QEMU's last lines on stderr (or its exit status), once it has exited. */
  stderrTail(): Promise<string>;
}

function startQemu(exe: string, args: string[], cleanup: Cleanup): Qemu {
  const child = new Deno.Command(exe, { args, stdin: "null", stdout: "null", stderr: "piped" })
    .spawn();
  // QEMU's stderr is kept to its last 4 KiB.
  let stderr = "";
  const drained = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (stderr = (stderr + chunk).slice(-4096)) }),
  ).catch(() => {});
  const qemu = {
    exited: false,
    status: child.status,
    async stderrTail() {
      const status = await child.status;
      await drained;
      // "info:" lines (such as "waiting for connection") say nothing about why it stopped.
      const lines = stderr.trim().split("\n").filter((l) => l && !/: info: /.test(l));
      const tail = printable(lines.slice(-2).join(" "));
      return tail || (status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`);
    },
  };
  child.status.then(() => (qemu.exited = true));
  cleanup.defer("stop QEMU", async () => {
    if (!qemu.exited) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }
    await child.status;
    await drained;
  });
  return qemu;
}

/** UEFI's code file and a private copy of its variable store (the firmware writes to it). */
async function firmwareFiles(arch: Arch, firmware: Firmware, dir: string, varsFile?: string) {
  if (firmware === "bios") return {};
  const builds = UEFI_FIRMWARE[arch][firmware];
  for (const [code, vars] of builds) {
    if (await exists(code) && await exists(varsFile ?? vars)) {
      const ovmfVars = path.join(dir, "OVMF_VARS.fd");
      await Deno.copyFile(varsFile ?? vars, ovmfVars);
      return { ovmfCode: code, ovmfVars };
    }
  }
  throw new ToolError(
    `no ${arch} UEFI firmware for ${firmware} (looked for ${builds.map((p) => p[0]).join(", ")})`,
    `install it: ${EMULATORS[arch].firmwarePackage}`,
  );
}

/** Appends to the --serial-log file, up to MAX_SERIAL_LOG bytes. */
function boundedWriter(file: Deno.FsFile | undefined) {
  let written = 0;
  return async (bytes: Uint8Array) => {
    if (!file || written >= MAX_SERIAL_LOG) return;
    const part = bytes.subarray(0, MAX_SERIAL_LOG - written);
    written += part.length;
    for (let off = 0; off < part.length;) off += await file.write(part.subarray(off));
  };
}

async function exists(p: string) {
  return await Deno.stat(p).then(() => true, () => false);
}

export function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
