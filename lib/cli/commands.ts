/**
 * The command table: every command's usage, description, options and exit
 * codes in one place. It drives the parser and `--help` (options.ts), and the
 * man page and the shell completions (man_page.ts, completions.ts), so none of
 * them can name an option the others lack.
 */
import {
  HELP_OPTION,
  IMAGE_OPTIONS,
  optionsHelp,
  type OptionTable,
  PAYLOAD_OPTIONS,
} from "./options.ts";

export const BUILD_OPTIONS = {
  output: {
    type: "string",
    short: "o",
    value: "PATH",
    help: [
      "ISO file to write; a directory gets <label>.iso",
      "(default: <label>.iso in the current directory)",
    ],
  },
  compression: {
    type: "string",
    value: "ALG",
    help: [
      "compression ALG[:LEVEL][:BLOCK]: zstd (default, level 5),",
      "zstd:LEVEL (1-22), gzip, gzip:LEVEL (1-9), xz, lz4, lz4hc",
      "(EROFS's default); BLOCK: squashfs block (default 1M) or",
      "EROFS cluster size, 4K to 1M, e.g. zstd:10:1M",
    ],
  },
  exclude: {
    type: "string",
    multiple: true,
    value: "PATTERN",
    help: [
      "leave a path out of the live root (repeatable): /var/lib/rpm,",
      "/boot/* (wildcards * and ?; '... NAME' matches at any depth)",
    ],
  },
  ...IMAGE_OPTIONS,
  ...PAYLOAD_OPTIONS,
  chown: {
    type: "string",
    value: "UID:GID",
    help: [
      "owner of the ISO (default: when run as root, the owner",
      "of the directory the ISO is written to)",
    ],
  },
  "dry-run": {
    type: "boolean",
    help: ["print the plan (files and tool commands), run nothing"],
  },
  progress: {
    type: "string",
    value: "MODE",
    help: [
      "auto (default: tty on a terminal, else plain), tty (a live",
      "bar with the squashfs step's percentage), plain (a line per",
      "step and per 10 %), json (one JSON object per line on stdout)",
    ],
  },
  ...HELP_OPTION,
} as const satisfies OptionTable;

export const CHECK_OPTIONS = {
  ...IMAGE_OPTIONS,
  ...PAYLOAD_OPTIONS,
  json: {
    type: "boolean",
    help: ["print the findings as one JSON document on stdout (for CI gates)"],
  },
  ...HELP_OPTION,
} as const satisfies OptionTable;

export const BOOT_TEST_OPTIONS = {
  firmware: {
    type: "string",
    value: "bios|uefi|uefi-secure",
    help: [
      "SeaBIOS, OVMF, or OVMF with Secure Boot and",
      "Microsoft's keys (default: bios); an aarch64 ISO:",
      "AAVMF, uefi or uefi-secure (default: uefi)",
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
      "under TCG, cortex-a72 for aarch64; e.g. Nehalem for",
      "x86-64-v2 images)",
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
} as const satisfies OptionTable;

/** A command as its help and man page describe it. */
export interface CommandSpec {
  name: string;
  /** The line beside the command in `cniso --help`, and its man page heading. */
  summary: string;
  /** The arguments after the command, one way of calling it per entry. */
  synopsis: readonly string[];
  description: string;
  options: OptionTable;
  /** Text after the options in the help. */
  notes?: string;
  exitCodes: string;
}

export const BUILD_EXIT_CODES =
  "Exit codes: 0 built, 1 tool or environment failure, 2 bad input, 130 interrupted.";

export const BUILD: CommandSpec = {
  name: "build",
  summary: "turn a contract image into a hybrid BIOS+UEFI live ISO",
  synopsis: ["IMAGE [options]", "--rootfs DIR [options]"],
  description: `Turns IMAGE, a bootc-style image in local podman storage that follows the
Container-native ISO Contract, into a hybrid live ISO that boots from CD and
USB, with BIOS and UEFI (Secure Boot too). Without root it builds the images
of your own (rootless) podman storage (docs/without-root.md).`,
  options: BUILD_OPTIONS,
  exitCodes: BUILD_EXIT_CODES,
};

export const CHECK: CommandSpec = {
  name: "check",
  summary: "check an image against the contract, build nothing",
  synopsis: ["IMAGE [options]", "--rootfs DIR [options]"],
  description: `Checks that IMAGE follows the Container-native ISO Contract, prints a table of
what was found where and what is wrong, and builds nothing. Takes the options
that build takes to read and judge the image.`,
  options: CHECK_OPTIONS,
  exitCodes: "Exit codes: 0 the image can be built, 2 it cannot (the table says why), 1 failure.",
};

export const BOOT_TEST: CommandSpec = {
  name: "boot-test",
  summary: "boot an ISO in QEMU (BIOS/UEFI/Secure Boot, CD/USB) and\nfollow it to the live system",
  synopsis: ["ISO [options]"],
  description: `Boots ISO headless in QEMU through the firmware and the ISO's own bootloader,
adds console=ttyS0 (aarch64: ttyAMA0) to the default GRUB entry over the serial
console, and follows the boot until the live system reaches its default target (or a login
prompt). Reports each phase with its time.`,
  options: BOOT_TEST_OPTIONS,
  notes: `Under uefi-secure the kernel must also report "Secure boot enabled". Each phase
has a stall window (firmware, GRUB's menu, the kernel's first line, then
console silence); a boot that makes no progress within it ends, naming the phase.`,
  exitCodes: `Exit codes: 0 the live system booted, 1 it did not (the last phase reached and
the last 40 lines of the console are printed), 2 bad input.`,
};

/** The shells `cniso completions` writes a script for. */
export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;

export const COMPLETIONS_OPTIONS = { ...HELP_OPTION } as const satisfies OptionTable;

export const COMPLETIONS: CommandSpec = {
  name: "completions",
  summary: "print the tab completion script for bash, zsh or fish",
  synopsis: ["SHELL"],
  description: `Prints the tab completion script for SHELL (bash, zsh or fish) on stdout: it
completes the commands, their options, and the values the options take (the
words an option knows, files, directories, the images in podman's storage).
Load it from the shell's start-up file:
  source <(cniso completions bash)      # ~/.bashrc
  source <(cniso completions zsh)       # ~/.zshrc, after compinit
  cniso completions fish | source       # ~/.config/fish/config.fish
or save it where the shell looks for completions: bash-completion's
~/.local/share/bash-completion/completions/cniso, _cniso in a directory of
zsh's $fpath, or ~/.config/fish/completions/cniso.fish.`,
  options: COMPLETIONS_OPTIONS,
  exitCodes: "Exit codes: 0 printed, 2 bad input (no SHELL, or not bash, zsh or fish).",
};

export const COMMAND_SPECS: readonly CommandSpec[] = [BUILD, CHECK, BOOT_TEST, COMPLETIONS];

/** The options before a command (`cniso --help`, `cniso --version`), for the man page and completions. */
export const GLOBAL_OPTIONS = {
  ...HELP_OPTION,
  version: { type: "boolean", short: "V", help: ["print the version"] },
} as const satisfies OptionTable;

/** An option's help lines as one line of text (a line ending in "/" goes on without a space). */
export function helpText(help: readonly string[]): string {
  return help.map((line, i) => i < help.length - 1 && !line.endsWith("/") ? `${line} ` : line)
    .join("");
}

/** `cniso COMMAND --help`. */
export function commandHelp(spec: CommandSpec): string {
  const usage = spec.synopsis.map((s, i) =>
    `${i === 0 ? "Usage: " : "       "}cniso ${spec.name} ${s}`
  );
  const tail = spec.notes ? `${spec.notes}\n${spec.exitCodes}` : spec.exitCodes;
  return `${usage.join("\n")}\n\n${spec.description}\n\n${optionsHelp(spec.options)}\n\n${tail}`;
}
