/** `cniso boot-test`: boot an ISO in QEMU through its own firmware and bootloader. */
import { bootIso, type BootResult } from "../boot/boot_iso.ts";
import { printable } from "../boot/console_text.ts";
import type { Firmware, Media } from "../boot/qemu_args.ts";
import { withCleanup } from "../cleanup.ts";
import { InputError } from "../errors.ts";
import { requireTools } from "../tools.ts";
import { checkIso, isoArch } from "../boot/iso_reader.ts";
import { EMULATORS } from "../boot/qemu_args.ts";
import { type Arch, ARCH_LAYOUTS } from "../iso/layout.ts";
import { oneOf, parseOptions, positiveInt } from "./options.ts";
import { BOOT_TEST, BOOT_TEST_OPTIONS, commandHelp } from "./commands.ts";

export async function bootTestCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions("boot-test", args, BOOT_TEST_OPTIONS);
  if (values.help) {
    console.log(commandHelp(BOOT_TEST));
    return 0;
  }
  const asked = bootRequest(values, positionals);
  const xorriso = (await requireTools(["xorriso"])).get("xorriso")!;
  // The ISO's architecture picks the emulator, the firmware's default and what can boot it.
  await checkIso(asked.iso);
  const arch = await isoArch(asked.iso, xorriso);
  const request = { ...asked, ...forArch(arch, asked) };
  const qemuName = EMULATORS[arch].qemu;
  const qemu = (await requireTools([qemuName])).get(qemuName)!;
  const result = await withCleanup((cleanup, signal) =>
    bootIso(
      {
        ...request,
        arch,
        qemu,
        xorriso,
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
    firmware: values.firmware === undefined
      ? undefined
      : oneOf<Firmware>("firmware", values.firmware, firmwares, "bios"),
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
    ovmfVars: ovmfVars(values["ovmf-vars"]),
  };
}

/**
 * What an ISO of this architecture allows: BIOS only on x86 (and the default there); the
 * multiboot stick's GRUB is the host's x86 one; KVM only for the host's own architecture.
 */
function forArch(arch: Arch, asked: ReturnType<typeof bootRequest>) {
  const uefiOnly = !ARCH_LAYOUTS[arch].bios;
  if (uefiOnly && asked.firmware === "bios") {
    throw new InputError(
      `${asked.iso}: an ${arch} ISO boots only under UEFI (${arch} machines have no BIOS)`,
      "use --firmware uefi or uefi-secure",
    );
  }
  if (uefiOnly && asked.media === "file") {
    throw new InputError(
      `--media file boots the host's own x86 GRUB from a multiboot stick: not an ${arch} ISO`,
      "use --media cd or usb",
    );
  }
  const native = Deno.build.arch === arch;
  if (!native && asked.accel === "kvm") {
    throw new InputError(
      `--accel kvm: KVM runs only ${Deno.build.arch} guests on this host; the ISO is ${arch}`,
      "use --accel tcg (or auto)",
    );
  }
  const firmware: Firmware = asked.firmware ?? (uefiOnly ? "uefi" : "bios");
  if (asked.ovmfVars !== undefined && firmware === "bios") {
    throw new InputError("--ovmf-vars needs --firmware uefi or uefi-secure");
  }
  return { firmware, accel: native ? asked.accel : "tcg" as const };
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

/** --ovmf-vars: a readable regular file (a UEFI firmware is checked once the ISO's is known). */
function ovmfVars(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
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
function report(
  request: { iso: string; firmware: Firmware; media: Media },
  result: BootResult,
): number {
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
