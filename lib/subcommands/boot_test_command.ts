/** `cniso boot-test`: boot an ISO in QEMU through its own firmware and bootloader. */
import { bootIso } from "../boot/boot_iso.ts";
import { printable } from "../boot/console_text.ts";
import type { Firmware, Media } from "../boot/qemu_args.ts";
import { withCleanup } from "../cleanup.ts";
import { InputError } from "../errors.ts";
import { requireTools } from "../tools.ts";
import { parseOptions } from "./options.ts";

export const BOOT_TEST_HELP = `Usage: cniso boot-test ISO [options]

Boots ISO headless in QEMU through the firmware and the ISO's own bootloader,
adds console=ttyS0 to the default GRUB entry over the serial console, and
follows the boot until the live system reaches its default target (or a login
prompt). Reports each phase with its time.

Options:
      --firmware bios|uefi|uefi-secure
                            SeaBIOS, OVMF, or OVMF with Secure Boot and
                            Microsoft's keys (default: bios)
      --media cd|usb        attach the ISO as a CD-ROM or a USB stick (default: cd)
      --expect REGEX        also require this pattern on the serial console
      --timeout SECONDS     bound for the whole run (default: 600)
      --accel auto|kvm|tcg  auto tries KVM and falls back to TCG when KVM makes no
                            progress in any phase (default: auto)
      --memory MIB          guest memory (default: 2048)
      --cpu MODEL           QEMU CPU model (default: host under KVM, QEMU's default
                            under TCG; e.g. Nehalem for x86-64-v2 images)
      --screenshot FILE.png write a picture of the screen at the end
      --serial-log FILE     keep everything the serial console printed
  -h, --help                show this help

Under uefi-secure the kernel must also report "Secure boot enabled". Each phase
has a stall window (firmware, GRUB's menu, the kernel's first line, then
console silence); a boot that makes no progress within it ends, naming the phase.
Exit codes: 0 the live system booted, 1 it did not (the last phase reached and
the last 40 lines of the console are printed), 2 bad input.`;

const OPTIONS = {
  firmware: { type: "string" },
  media: { type: "string" },
  expect: { type: "string" },
  timeout: { type: "string" },
  accel: { type: "string" },
  memory: { type: "string" },
  cpu: { type: "string" },
  screenshot: { type: "string" },
  "serial-log": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new InputError(`--${name} ${value}: expected one of ${allowed.join(", ")}`);
  }
  return value as T;
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) <= 0) {
    throw new InputError(`--${name} ${value}: expected a whole number above 0`);
  }
  return Number(value);
}

export async function bootTestCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions("boot-test", args, OPTIONS);
  if (values.help) {
    console.log(BOOT_TEST_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new InputError("boot-test needs one ISO", "see: cniso boot-test --help");
  }
  const firmware = oneOf<Firmware>(
    "firmware",
    values.firmware,
    ["bios", "uefi", "uefi-secure"],
    "bios",
  );
  const media = oneOf<Media>("media", values.media, ["cd", "usb"], "cd");
  const accel = oneOf("accel", values.accel, ["auto", "kvm", "tcg"] as const, "auto");
  let expect: RegExp | undefined;
  if (values.expect !== undefined) {
    try {
      expect = new RegExp(values.expect);
    } catch (e) {
      throw new InputError(`--expect ${values.expect}: ${(e as Error).message}`);
    }
  }
  if (values.screenshot !== undefined && !values.screenshot.endsWith(".png")) {
    throw new InputError(`--screenshot ${values.screenshot}: the file name must end in .png`);
  }
  if (values.cpu !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.+=,-]*$/.test(values.cpu)) {
    throw new InputError(
      `--cpu ${values.cpu}: not a QEMU CPU model (see qemu-system-x86_64 -cpu help)`,
    );
  }
  const timeoutSecs = positiveInt("timeout", values.timeout, 600);
  const memoryMiB = positiveInt("memory", values.memory, 2048);
  const tools = await requireTools(["qemu-system-x86_64", "xorriso"]);

  const iso = positionals[0];
  const log = (line: string) => console.error(line);
  const result = await withCleanup((cleanup, signal) =>
    bootIso(
      {
        iso,
        firmware,
        media,
        accel,
        expect,
        timeoutSecs,
        memoryMiB,
        cpu: values.cpu,
        screenshot: values.screenshot,
        serialLog: values["serial-log"],
        qemu: tools.get("qemu-system-x86_64")!,
        xorriso: tools.get("xorriso")!,
        log,
      },
      cleanup,
      signal,
    )
  );
  const last = result.phases.at(-1);
  const how = `${firmware}, ${media}, ${result.accel}` +
    (result.fellBack ? `; KVM was given up on: ${result.fellBack}` : "");
  const name = printable(iso);
  if (result.passed) {
    console.log(`PASS: ${name} booted (${how}) to the live system in ${last!.at.toFixed(1)} s`);
    return 0;
  }
  console.log(`FAIL: ${name} (${how}): ${result.reason}`);
  console.log(
    `last phase reached: ${last?.name ?? "none (no output at all)"}${
      last ? ` at ${last.at.toFixed(1)} s` : ""
    }`,
  );
  console.log("last lines of the serial console:");
  for (const line of result.serialTail) console.log(`  | ${line}`);
  return 1;
}
