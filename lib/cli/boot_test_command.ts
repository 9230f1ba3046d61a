/** `cniso boot-test`: boot an ISO in QEMU through its own firmware and bootloader. */
import { bootIso, type BootResult } from "../boot/boot_iso.ts";
import { printable } from "../boot/console_text.ts";
import type { Firmware, Media } from "../boot/qemu_args.ts";
import { withCleanup } from "../cleanup.ts";
import { InputError } from "../errors.ts";
import { requireTools } from "../tools.ts";
import { HELP_OPTION, oneOf, optionsHelp, parseOptions, positiveInt } from "./options.ts";

export const BOOT_TEST_OPTIONS = {
  firmware: {
    type: "string",
    value: "bios|uefi|uefi-secure",
    help: [
      "SeaBIOS, OVMF, or OVMF with Secure Boot and",
      "Microsoft's keys (default: bios)",
    ],
  },
  "ovmf-vars": {
    type: "string",
    value: "FILE",
    help: [
      "uefi, uefi-secure: start from this OVMF variable store (a",
      "key database of your own, e.g. made with virt-fw-vars)",
    ],
  },
  media: {
    type: "string",
    value: "cd|usb|file",
    help: [
      "attach the ISO as a CD-ROM or a USB stick, or copy it as a file",
      "onto a multiboot stick whose GRUB boots its loopback.cfg",
      "(bios, uefi; default: cd)",
    ],
  },
  expect: {
    type: "string",
    value: "REGEX",
    help: ["also require this pattern on the serial console"],
  },
  entry: {
    type: "string",
    value: "NAME",
    help: ["boot the menu entry with this title (default: the default entry)"],
  },
  append: {
    type: "string",
    value: "ARGS",
    help: [
      "also append these kernel arguments to the entry (after",
      "its own, so they win: e.g. enforcing=1)",
    ],
  },
  timeout: { type: "string", value: "SECONDS", help: ["bound for the whole run (default: 600)"] },
  accel: {
    type: "string",
    value: "auto|kvm|tcg",
    help: [
      "auto tries KVM and falls back to TCG when KVM makes no",
      "progress in any phase (default: auto)",
    ],
  },
  memory: { type: "string", value: "MIB", help: ["guest memory (default: 2048)"] },
  cpu: {
    type: "string",
    value: "MODEL",
    help: [
      "QEMU CPU model (default: host under KVM, QEMU's default",
      "under TCG; e.g. Nehalem for x86-64-v2 images)",
    ],
  },
  screenshot: {
    type: "string",
    value: "FILE.png",
    help: ["write a picture of the screen at the end"],
  },
  "serial-log": {
    type: "string",
    value: "FILE",
    help: ["keep what the serial console printed (up to 64 MiB)"],
  },
  ...HELP_OPTION,
} as const;

export const BOOT_TEST_HELP = `Usage: cniso boot-test ISO [options]

Boots ISO headless in QEMU through the firmware and the ISO's own bootloader,
adds console=ttyS0 to the default GRUB entry over the serial console, and
follows the boot until the live system reaches its default target (or a login
prompt). Reports each phase with its time.

${optionsHelp(BOOT_TEST_OPTIONS)}

Under uefi-secure the kernel must also report "Secure boot enabled". Each phase
has a stall window (firmware, GRUB's menu, the kernel's first line, then
console silence); a boot that makes no progress within it ends, naming the phase.
Exit codes: 0 the live system booted, 1 it did not (the last phase reached and
the last 40 lines of the console are printed), 2 bad input.`;

export async function bootTestCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions("boot-test", args, BOOT_TEST_OPTIONS);
  if (values.help) {
    console.log(BOOT_TEST_HELP);
    return 0;
  }
  const request = bootRequest(values, positionals);
  const tools = await requireTools(["qemu-system-x86_64", "xorriso"]);
  const result = await withCleanup((cleanup, signal) =>
    bootIso(
      {
        ...request,
        qemu: tools.get("qemu-system-x86_64")!,
        xorriso: tools.get("xorriso")!,
        log: (line) => console.error(line),
      },
      cleanup,
      signal,
    )
  );
  return report(request, result);
}

type Values = ReturnType<typeof parseOptions<typeof BOOT_TEST_OPTIONS>>["values"];

/** The checked options: every bad value is exit 2 before anything starts. */
function bootRequest(values: Values, positionals: string[]) {
  if (positionals.length !== 1) {
    throw new InputError("boot-test needs one ISO", "see: cniso boot-test --help");
  }
  const firmwares = ["bios", "uefi", "uefi-secure"] as const;
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
  // Typed into GRUB's editor: words of plain characters only, so nothing is read as a key.
  if (
    values.append !== undefined &&
    !/^[A-Za-z0-9_.,:=\/+-]+( [A-Za-z0-9_.,:=\/+-]+)*$/.test(values.append)
  ) {
    throw new InputError(
      `--append ${
        JSON.stringify(values.append)
      }: kernel arguments separated by single spaces, of letters, digits and _.,:=/+-`,
    );
  }
  if (values.cpu !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.+=,-]*$/.test(values.cpu)) {
    throw new InputError(
      `--cpu ${values.cpu}: not a QEMU CPU model (see qemu-system-x86_64 -cpu help)`,
    );
  }
  return {
    iso: positionals[0],
    firmware: oneOf<Firmware>("firmware", values.firmware, firmwares, "bios"),
    media: mediaOption(values.media, values.firmware),
    accel: oneOf("accel", values.accel, ["auto", "kvm", "tcg"] as const, "auto"),
    expect,
    entry: values.entry,
    append: values.append,
    timeoutSecs: positiveInt("timeout", values.timeout, 600),
    memoryMiB: positiveInt("memory", values.memory, 2048),
    cpu: values.cpu,
    screenshot: values.screenshot,
    serialLog: values["serial-log"],
    ovmfVars: ovmfVars(values["ovmf-vars"], values.firmware),
  };
}

/** --media: file needs a firmware the stick's GRUB (the host's own, unsigned) can boot under. */
function mediaOption(media: string | undefined, firmware: string | undefined): Media {
  const value = oneOf<Media>("media", media, ["cd", "usb", "file"], "cd");
  if (value === "file" && firmware === "uefi-secure") {
    throw new InputError(
      "--media file boots the host's own GRUB, which Secure Boot refuses",
      "use --firmware bios or uefi with --media file",
    );
  }
  return value;
}

/** --ovmf-vars: a readable regular file, and only with an OVMF firmware. */
function ovmfVars(file: string | undefined, firmware: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  if (firmware !== "uefi" && firmware !== "uefi-secure") {
    throw new InputError("--ovmf-vars needs --firmware uefi or uefi-secure");
  }
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(file);
  } catch (e) {
    throw new InputError(`--ovmf-vars ${file}: ${(e as Error).message}`);
  }
  if (!info.isFile) throw new InputError(`--ovmf-vars ${file}: not a regular file`);
  return file;
}

/** PASS with the time, or FAIL with the reason, the last phase and the console's last lines. */
function report(request: ReturnType<typeof bootRequest>, result: BootResult): number {
  const last = result.phases.at(-1);
  const how = `${request.firmware}, ${request.media}, ${result.accel}` +
    (result.fellBack ? `; KVM was given up on: ${result.fellBack}` : "");
  const name = printable(request.iso);
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
