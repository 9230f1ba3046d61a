/**
 * The console monitor: serial text in; phases, keys to type, failures, stalls
 * and the verdict out. Pure: no I/O and no clock (the caller passes the time
 * in seconds since QEMU started), so recorded serial logs can be replayed in
 * unit tests. Memory and work are bounded: lines are cut to MATCH_WIDTH for
 * matching, and only the last TAIL_LINES lines are kept.
 */
import {
  BOOTLOADER_FAILURES,
  GRUB_EDITOR,
  GRUB_ERROR,
  GRUB_PROMPT,
  PHASE_NAMES,
  PHASE_PATTERNS,
  type PhaseName,
  printable,
  SECURE_BOOT,
  stripAnsi,
  SYSTEM_FAILURES,
} from "./console_text.ts";
import type { StallWindows } from "./stall_windows.ts";

/** Characters of a line that are matched and kept; the rest of a longer line is dropped. */
export const MATCH_WIDTH = 1024;
/** Lines of console kept for the report. */
export const TAIL_LINES = 40;

export interface MonitorOptions {
  /** Require "Secure boot enabled" from the kernel. */
  secureBoot: boolean;
  /** Also require this pattern on the console. */
  expect?: RegExp;
  /** Keys that open the entry in GRUB's editor from the menu (default: "e", the default entry). */
  menuKeys?: string;
  /** Lines down from the top of GRUB's editor to the entry's linux line. */
  downPresses: number;
  /** Appended to the linux line, so the live system reports on the serial console. */
  consoleArgs: string;
  windows: StallWindows;
}

/** Something the session should do, or tell the user. */
export type MonitorEvent =
  | { kind: "phase"; name: PhaseName; at: number; seen: boolean }
  | { kind: "keys"; keys: string; delayMs: number };

export type Verdict =
  | { status: "pass"; at: number }
  /** It will get no further (an error on the console, QEMU stopped). */
  | { status: "fail"; reason: string }
  /** No progress within the phase's window. */
  | { status: "stall"; reason: string };

type Stage = "menu" | "editor" | "booting";

export class ConsoleMonitor {
  readonly phases: { name: PhaseName; at: number }[] = [];
  verdict?: Verdict;
  #options: MonitorOptions;
  #partial = "";
  #tail: string[] = [];
  #grubErrors: string[] = [];
  #stage: Stage = "menu";
  #bootKeysAt?: number;
  #targetAt?: number;
  #lastOutput = 0;
  #secureSeen = false;
  #expectSeen = false;
  #events: MonitorEvent[] = [];

  constructor(options: MonitorOptions) {
    this.#options = options;
  }

  /** The last phase reached, if any. */
  get lastPhase(): { name: PhaseName; at: number } | undefined {
    return this.phases.at(-1);
  }

  /** The last lines of the console, safe to print. */
  tail(): string[] {
    const lines = this.#partial.trim() ? [...this.#tail, this.#partial] : this.#tail;
    // The console draws with escape sequences (GRUB's menu): removed, the rest shown as \xNN.
    return lines.map((l) => printable(stripAnsi(l))).filter((l) => l.trim()).slice(-TAIL_LINES);
  }

  /** Takes console text that arrived at `now`; returns what to do or report. */
  feed(text: string, now: number): MonitorEvent[] {
    this.#events = [];
    if (this.verdict || text.length === 0) return [];
    this.#lastOutput = now;
    let start = 0;
    while (start < text.length && !this.verdict) {
      const nl = text.indexOf("\n", start);
      const end = nl < 0 ? text.length : nl;
      // Only MATCH_WIDTH characters of a line are kept: a flood costs linear time.
      const room = MATCH_WIDTH - this.#partial.length;
      if (room > 0) this.#partial += text.slice(start, Math.min(end, start + room));
      if (nl < 0) break;
      this.#line(stripAnsi(this.#partial), now);
      this.#partial = "";
      start = nl + 1;
    }
    // Prompts (GRUB's menu footer, grub>, login:) do not end with a newline.
    if (!this.verdict && this.#partial) this.#look(stripAnsi(this.#partial.slice(-256)), now, true);
    return this.#events;
  }

  /** Called when nothing arrived: checks the windows; returns the verdict once there is one. */
  tick(now: number): Verdict | undefined {
    if (this.verdict) return this.verdict;
    const w = this.#options.windows;
    const last = this.lastPhase?.name;
    if (!last) {
      return now > w.firstOutput
        ? this.#stall(`the firmware printed nothing on the console in ${w.firstOutput} s`)
        : undefined;
    }
    if (!this.#reached("kernel")) return this.#beforeKernel(now);
    if (this.#targetAt !== undefined && now - this.#targetAt > w.afterTarget) {
      this.verdict = { status: "fail", reason: this.#missing() };
      return this.verdict;
    }
    if (this.#reached("kernel") && now - this.#lastOutput > w.silence) {
      return this.#stall(
        `no console output for ${w.silence} s after the ${last} phase` +
          (last === "initramfs"
            ? " (the live root was not found: does root=live:CDLABEL= name the ISO's label?)"
            : ""),
      );
    }
    return undefined;
  }

  /** The session finished typing the keys asked for at `now`: GRUB's clock starts then. */
  typed(now: number) {
    if (this.#stage === "booting") this.#bootKeysAt = now;
  }

  /** QEMU stopped (or closed the console) at `now`: the verdict, unless there is one. */
  end(what: string): Verdict {
    this.verdict ??= {
      status: "fail",
      reason: `${what} during the ${this.lastPhase?.name ?? "firmware"} phase`,
    };
    return this.verdict;
  }

  /** The overall bound ran out. */
  timeout(seconds: number): Verdict {
    const after = this.lastPhase ? ` after the ${this.lastPhase.name} phase` : "";
    this.verdict ??= {
      status: "fail",
      reason: this.#targetAt !== undefined
        ? `${this.#missing()} (timed out after ${seconds} s)`
        : `timed out after ${seconds} s${after}`,
    };
    return this.verdict;
  }

  /** Firmware and GRUB: each has a window from a fixed point, output or not. */
  #beforeKernel(now: number): Verdict | undefined {
    const w = this.#options.windows;
    if (this.#stage === "booting") {
      return now - this.#bootKeysAt! > w.kernel
        ? this.#stall(`the kernel printed nothing within ${w.kernel} s after GRUB booted the entry`)
        : undefined;
    }
    if (now <= w.menu) return undefined;
    return this.#stall(
      this.#stage === "menu"
        ? `GRUB's menu did not appear within ${w.menu} s (firmware stuck, or no bootable medium)`
        : `GRUB's editor did not open within ${w.menu} s`,
    );
  }

  #line(line: string, now: number) {
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES * 2) this.#tail.splice(0, TAIL_LINES);
    if (GRUB_ERROR.test(line) && this.#grubErrors.length < 5) this.#grubErrors.push(line.trim());
    this.#look(line, now, false);
  }

  #look(text: string, now: number, partial: boolean) {
    this.#phasesIn(text, now);
    if (SECURE_BOOT.test(text)) this.#secureSeen = true;
    if (this.#options.expect?.test(text)) this.#expectSeen = true;
    if (this.#failureIn(text, partial)) return;
    this.#drive(text, now);
    if (this.#reached("target reached") && this.#secureOk() && this.#expectOk()) {
      this.verdict = { status: "pass", at: this.lastPhase!.at };
    }
  }

  #phasesIn(text: string, now: number) {
    for (const [i, name] of PHASE_NAMES.entries()) {
      if (this.#reached(name) || !PHASE_PATTERNS[name].test(text)) continue;
      // Phases are ordered: reaching one means the ones before were passed.
      for (const before of PHASE_NAMES.slice(0, i + 1)) {
        if (this.#reached(before)) continue;
        this.phases.push({ name: before, at: now });
        this.#events.push({ kind: "phase", name: before, at: now, seen: before === name });
      }
      if (name === "target reached") this.#targetAt = now;
    }
  }

  /** A line that means the boot will get no further: sets the verdict. */
  #failureIn(text: string, partial: boolean): boolean {
    const beforeKernel = !this.#reached("kernel");
    if (beforeKernel && partial && GRUB_PROMPT.test(text)) {
      const errors = this.#grubErrors.length ? `: ${this.#grubErrors.join("; ")}` : "";
      this.verdict = {
        status: "fail",
        reason: `GRUB dropped to its command line instead of showing the menu ` +
          `(it did not find its grub.cfg)${errors}`,
      };
      return true;
    }
    const failures = this.#stage === "booting" && beforeKernel
      ? [...BOOTLOADER_FAILURES, ...SYSTEM_FAILURES]
      : SYSTEM_FAILURES;
    for (const re of failures) {
      const m = re.exec(text);
      if (m) {
        this.verdict = { status: "fail", reason: `the boot failed: "${printable(m[0].trim())}"` };
        return true;
      }
    }
    return false;
  }

  /** Opens the default entry in GRUB's editor, appends the console arguments, boots it. */
  #drive(text: string, now: number) {
    if (this.#stage === "menu" && this.#reached("bootloader menu")) {
      this.#events.push({ kind: "keys", keys: this.#options.menuKeys ?? "e", delayMs: 0 });
      this.#stage = "editor";
    } else if (this.#stage === "editor" && GRUB_EDITOR.test(text)) {
      // Down to the linux line, to its end (Ctrl-E), the arguments, boot (Ctrl-X).
      const keys = "\x0e".repeat(this.#options.downPresses) + "\x05" +
        ` ${this.#options.consoleArgs}` + "\x18";
      // Give GRUB time to finish drawing the entry before typing (the session types slowly).
      this.#events.push({ kind: "keys", keys, delayMs: 1000 });
      this.#stage = "booting";
      this.#bootKeysAt = now;
    }
  }

  #missing(): string {
    const missing = [];
    if (!this.#secureOk()) missing.push('the kernel never reported "Secure boot enabled"');
    if (!this.#expectOk()) {
      missing.push(`--expect ${printable(this.#options.expect!.source)} never appeared`);
    }
    return `the live system came up, but ${missing.join("; ")}`;
  }

  #stall(reason: string): Verdict {
    this.verdict = { status: "stall", reason: `the boot stalled: ${reason}` };
    return this.verdict;
  }

  #reached(name: PhaseName): boolean {
    return this.phases.some((p) => p.name === name);
  }

  #secureOk(): boolean {
    return !this.#options.secureBoot || this.#secureSeen;
  }

  #expectOk(): boolean {
    return !this.#options.expect || this.#expectSeen;
  }
}
