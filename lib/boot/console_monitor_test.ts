/**
 * The console monitor on serial logs recorded from real boots
 * (tests/fixtures/serial/), replayed with injected time.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import {
  ConsoleMonitor,
  MATCH_WIDTH,
  type MonitorEvent,
  type MonitorOptions,
  TAIL_LINES,
} from "./console_monitor.ts";
import { KVM_WINDOWS, TCG_WINDOWS } from "./stall_windows.ts";
import {
  BOOTLOADER_FAILURES,
  PHASE_NAMES,
  PHASE_PATTERNS,
  stripAnsi,
  SYSTEM_FAILURES,
} from "./console_text.ts";

const SERIAL = path.resolve(import.meta.dirname!, "../../tests/fixtures/serial");
const log = (name: string) => Deno.readTextFileSync(path.join(SERIAL, name));

function monitor(options: Partial<MonitorOptions> = {}) {
  return new ConsoleMonitor({
    secureBoot: false,
    downPresses: 2,
    consoleArgs: "console=ttyS0",
    windows: TCG_WINDOWS,
    ...options,
  });
}

/** Feeds `text` in chunks, `step` seconds apart from `from`; returns the events and the end time. */
function replay(m: ConsoleMonitor, text: string, from = 0, step = 0.05, chunk = 512) {
  const events: MonitorEvent[] = [];
  let now = from;
  for (let i = 0; i < text.length && !m.verdict; i += chunk) {
    now += step;
    events.push(...m.feed(text.slice(i, i + chunk), now));
  }
  return { events, now };
}

const phaseNames = (m: ConsoleMonitor) => m.phases.map((p) => p.name);

Deno.test("monitor: a good boot passes through every phase, typing the editor keys", () => {
  const m = monitor();
  const { events } = replay(m, log("good-bios.log"));
  assert.equal(m.verdict?.status, "pass");
  assert.deepEqual(phaseNames(m), [
    "firmware",
    "bootloader menu",
    "kernel",
    "initramfs",
    "live root mounted",
    "target reached",
  ]);
  const keys = events.filter((e) => e.kind === "keys").map((e) => e.kind === "keys" && e.keys);
  assert.deepEqual(keys, ["e", "\x0e\x0e\x05 console=ttyS0\x18"]);
});

Deno.test("monitor: a UEFI boot from USB passes", () => {
  const m = monitor();
  replay(m, log("good-uefi-usb.log"));
  assert.equal(m.verdict?.status, "pass");
});

/** The shape seen under a half-working KVM: firmware and GRUB, then the kernel never prints. */
function grubThenSilence(): string {
  const text = log("good-bios.log");
  return text.slice(0, text.indexOf("Linux version"));
}

Deno.test("monitor: GRUB output, then silence: a stall in the kernel phase, within its window", () => {
  for (const windows of [KVM_WINDOWS, TCG_WINDOWS]) {
    const m = monitor({ windows });
    // All of it at once, so the boot keys are typed at `now`.
    const { now } = replay(m, grubThenSilence(), 0, 0);
    assert.equal(m.verdict, undefined);
    assert.deepEqual(phaseNames(m), ["firmware", "bootloader menu"]);
    assert.equal(m.tick(now + windows.kernel - 1), undefined, "not before the window");
    const v = m.tick(now + windows.kernel + 1);
    assert.equal(v?.status, "stall");
    assert.match(reasonOf(v), /kernel printed nothing within \d+ s/);
  }
  assert.ok(KVM_WINDOWS.kernel + KVM_WINDOWS.menu < 60, "KVM is given up on well under a minute");
});

Deno.test("monitor: wrong CDLABEL: the initramfs never finds its root", () => {
  const m = monitor();
  const { now } = replay(m, log("badlabel-bios.log"));
  const v = m.verdict ?? m.tick(now + TCG_WINDOWS.silence + 1);
  assert.ok(v && v.status !== "pass", "it does not pass");
  assert.equal(m.lastPhase?.name, "initramfs");
});

Deno.test("monitor: a kernel panic fails at once, quoting it", () => {
  const m = monitor();
  // Booted with -kernel: no firmware menu, so no keys are typed and the kernel runs anyway.
  replay(m, log("panic.log"));
  assert.equal(m.verdict?.status, "fail");
  assert.match(m.verdict!.status === "fail" ? m.verdict!.reason : "", /Kernel panic/);
});

Deno.test("monitor: GRUB at its grub> prompt is a bootloader failure with GRUB's errors", () => {
  const m = monitor();
  const text = "\x1b[H\x1b[JWelcome to GRUB!\r\n\r\nerror: file `/boot/' not found.\r\n" +
    "error: no such device: /.disk/info.\r\n\r\n\r\ngrub> ";
  replay(m, text, 0, 0.1, 7);
  assert.equal(m.verdict?.status, "fail");
  const reason = m.verdict!.status === "fail" ? m.verdict!.reason : "";
  assert.match(reason, /GRUB dropped to its command line/);
  assert.match(reason, /error: file `\/boot\/' not found/);
  assert.match(reason, /no such device: \/\.disk\/info/);
});

Deno.test("monitor: firmware that never shows the menu, and no output at all, are stalls", () => {
  const silent = monitor();
  assert.equal(silent.tick(TCG_WINDOWS.firstOutput - 1), undefined);
  assert.match(reasonOf(silent.tick(TCG_WINDOWS.firstOutput + 1)), /printed nothing/);

  const firmware = monitor();
  // Firmware that keeps printing but never reaches GRUB: output is no progress here.
  for (let t = 1; t < TCG_WINDOWS.menu + 5; t += 1) {
    firmware.feed(`BdsDxe: failed to load Boot0001 "UEFI QEMU DVD-ROM": Not Found\r\n`, t);
    if (firmware.tick(t + 0.5)) break;
  }
  assert.equal(firmware.verdict?.status, "stall");
  assert.match(reasonOf(firmware.verdict), /GRUB's menu did not appear/);
  assert.deepEqual(phaseNames(firmware), ["firmware"]);
});

Deno.test("monitor: after the target, a missing Secure Boot line fails once its window is over", () => {
  const m = monitor({ secureBoot: true });
  const { now } = replay(m, log("good-bios.log"));
  assert.equal(m.verdict, undefined);
  assert.equal(m.lastPhase?.name, "target reached");
  assert.match(reasonOf(m.tick(now + TCG_WINDOWS.afterTarget + 1)), /never reported "Secure boot/);
});

Deno.test("monitor: a flood of one endless line keeps memory bounded and ends at the timeout", () => {
  const m = monitor();
  replay(m, grubThenSilence());
  m.feed("[    0.000000] Linux version 6.1.0\n", 10);
  const flood = "Timed out waiting for device ".repeat(2500); // 72 KB, no newline
  for (let i = 0; i < 120; i++) m.feed(flood, 10 + i); // about 8.6 MB
  const manyLines = ("x".repeat(3000) + "\n").repeat(1000); // 3 MB of long lines
  m.feed(manyLines, 200);
  assert.equal(m.tick(201), undefined, "output is not silence");
  assert.match(reasonOf(m.timeout(600)), /timed out after 600 s after the kernel phase/);
  const tail = m.tail();
  assert.ok(tail.length <= TAIL_LINES);
  assert.ok(tail.every((l) => l.length <= MATCH_WIDTH));
});

Deno.test("monitor: console text is printed without its escape sequences", () => {
  const m = monitor();
  m.feed("\x1b]0;owned\x07title \x1b[2Jcleared \x1b]52;c;Y2xpcA==\x07clip\x07\n", 1);
  assert.deepEqual(m.tail(), ["title cleared clip\\x07"]);
});

function reasonOf(v: ConsoleMonitor["verdict"]): string {
  assert.ok(v && v.status !== "pass", `expected a failure, got ${JSON.stringify(v)}`);
  return v.reason;
}

Deno.test("console patterns: phases and failures as they look on the console", () => {
  const phase = (line: string) =>
    PHASE_NAMES.filter((p) => p !== "firmware" && PHASE_PATTERNS[p].test(line));
  assert.deepEqual(
    phase("[    0.000000] Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org)"),
    ["kernel"],
  );
  assert.deepEqual(phase("[    9.186708] Run /init as init process"), ["initramfs"]);
  assert.deepEqual(phase("[  OK  ] Reached target initrd-switch-root.target - Switch Root."), [
    "live root mounted",
  ]);
  assert.deepEqual(phase("[  OK  ] Reached target multi-user.target - Multi-User System."), [
    "target reached",
  ]);
  assert.deepEqual(phase("vm login: "), ["target reached"]);
  // Not the end: targets of the initrd.
  assert.deepEqual(phase("[  OK  ] Reached target initrd-fs.target - Initrd File Systems."), []);
  const fails = (res: RegExp[], line: string) => res.some((re) => re.test(line));
  assert.ok(
    fails(BOOTLOADER_FAILURES, "error: file `/images/pxeboot/no-such-initrd.img' not found."),
  );
  assert.ok(
    fails(SYSTEM_FAILURES, "[  122.1] Kernel panic - not syncing: VFS: Unable to mount root fs"),
  );
  assert.ok(fails(SYSTEM_FAILURES, "You are in emergency mode. After logging in, type ..."));
  assert.ok(fails(SYSTEM_FAILURES, "[   12.676848] dracut: FATAL: CD check failed!"));
  assert.ok(fails(SYSTEM_FAILURES, "[   13.184907] reboot: System halted"));
  // dracut 059's first sysroot.mount attempt fails and the live root is mounted after: not fatal.
  assert.ok(!fails(SYSTEM_FAILURES, "[FAILED] Failed to mount sysroot.mount - /sysroot."));
  assert.ok(
    !fails(SYSTEM_FAILURES, "[ TIME ] Timed out waiting for device dev-ttyS0.device - /dev/ttyS0."),
  );
  assert.equal(stripAnsi("\x1b[5;3H\x1b[7m*Debian\x1b[m\r"), "*Debian");
});
