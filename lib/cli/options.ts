/**
 * Option tables and what they produce: each row gives the option's name, its
 * value, and its help; a table gives the parser (node:util's parseArgs, with
 * exit-2 errors) and the help's options block. The options `build` and `check`
 * share (how the image is read and judged) are here; each command's own table
 * is in the command table (commands.ts). Also the checks of option values.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { InspectOptions } from "../pipeline/inspect.ts";
import { InputError } from "../errors.ts";
import { PAYLOAD_FORMATS } from "../payload/payload_plan.ts";
import type { PayloadRequest } from "../payload/payloads.ts";
import { SELINUX_MODES } from "../selinux/verdict.ts";
import { type Arch, ARCH_LAYOUTS, ARCHES, archOfOci } from "../iso/layout.ts";

export interface OptionSpec {
  type: "string" | "boolean";
  /** May be given more than once (a list of strings). */
  multiple?: boolean;
  short?: string;
  /** The value's name in the help, e.g. "PATH". */
  value?: string;
  /** Help lines; the first should fit beside the option. */
  help: readonly string[];
}

export type OptionTable = Record<string, OptionSpec>;

/** How the image is read and judged: shared by `build` and `check`. */
export const IMAGE_OPTIONS = {
  rootfs: {
    type: "string",
    value: "DIR",
    help: ["read the image's tree from DIR instead of an image"],
  },
  kernel: {
    type: "string",
    value: "VERSION",
    help: [
      "the default kernel when the image has several",
      "(default: the highest version; each has a menu entry)",
    ],
  },
  "default-kernel-only": {
    type: "boolean",
    help: ["put only the default kernel on the ISO"],
  },
  vendor: {
    type: "string",
    value: "NAME",
    help: ["pick this EFI vendor directory when there are several"],
  },
  arch: {
    type: "string",
    value: "ARCH",
    help: [
      "the image's architecture, x86_64 or aarch64 (amd64, arm64),",
      "when its config is wrong or missing (default: its config's;",
      "checked against its kernels; aarch64 ISOs are UEFI-only)",
    ],
  },
  "rootfs-type": {
    type: "string",
    value: "TYPE",
    help: [
      "the live root's file system: squashfs (default) or erofs",
      "(needs the image's dracut to mount EROFS: checked)",
    ],
  },
  "no-bios": {
    type: "boolean",
    help: ["UEFI-only ISO: GRUB's i386-pc modules are not needed"],
  },
  selinux: {
    type: "string",
    value: "MODE",
    help: [
      "SELinux labels of the live root: auto (default: from the",
      "image's policy when it has one), label (insist), off",
    ],
  },
  "no-extra-entries": {
    type: "boolean",
    help: [
      'generated menu: only the live entry (no "check the medium',
      'first" and "basic graphics" entries)',
    ],
  },
  "accept-initramfs": {
    type: "boolean",
    help: [
      "build even when an initramfs cannot boot the live ISO (no",
      "dmsquash-live, no driver for the live root): a warning then",
    ],
  },
  "allow-label-mismatch": {
    type: "boolean",
    help: [
      "only warn when an entry's root=live:CDLABEL= is not",
      "the ISO label (such an entry cannot boot)",
    ],
  },
} as const satisfies OptionTable;

/** Container images embedded in the live root: shared by `build` and `check`. */
export const PAYLOAD_OPTIONS = {
  payload: {
    type: "string",
    multiple: true,
    value: "REF",
    help: [
      "embed this image from local container storage in the live",
      "root (repeatable), for an installer that works offline",
    ],
  },
  "bootc-installer-payload-ref": {
    type: "string",
    multiple: true,
    value: "REF",
    help: ["the same as --payload (the reference implementation's name)"],
  },
  "payload-bound": {
    type: "boolean",
    help: [
      "check the images each payload binds (/usr/lib/bootc/",
      "bound-images.d): those also named with --payload are",
      "embedded, the others left out with a warning",
    ],
  },
  "payload-format": {
    type: "string",
    value: "FORMAT",
    help: [
      "containers-storage (default: /var/lib/containers/storage)",
      "or oci (an OCI image layout at /var/lib/cniso/payload)",
    ],
  },
} as const satisfies OptionTable;

export const HELP_OPTION = {
  help: { type: "boolean", short: "h", help: ["show this help"] },
} as const satisfies OptionTable;

type Values<T extends OptionTable> = {
  [K in keyof T]?: T[K]["type"] extends "boolean" ? boolean
    : T[K] extends { multiple: true } ? string[]
    : string;
};

/** Parses `args` by `table`; an unknown option or a missing value is bad input (exit 2). */
export function parseOptions<T extends OptionTable>(
  command: string,
  args: string[],
  table: T,
): { values: Values<T>; positionals: string[] } {
  const options: NonNullable<ParseArgsConfig["options"]> = {};
  for (const [name, spec] of Object.entries(table)) {
    options[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: parsed.values as Values<T>, positionals: parsed.positionals };
  } catch (e) {
    throw new InputError(
      `${command}: ${(e as Error).message.replace(/\. To specify.*$/s, "")}`,
      `see: cniso ${command} --help`,
    );
  }
}

const HELP_COLUMN = 28;

/** The "Options:" block of a command's help, from its table. */
export function optionsHelp(table: OptionTable): string {
  const lines = ["Options:"];
  for (const [name, spec] of Object.entries(table)) {
    const left = `  ${spec.short ? `-${spec.short}, ` : "    "}--${name}` +
      (spec.value ? ` ${spec.value}` : "");
    const [first, ...rest] = spec.help;
    if (left.length < HELP_COLUMN) lines.push(left.padEnd(HELP_COLUMN) + first);
    else lines.push(left, " ".repeat(HELP_COLUMN) + first);
    for (const line of rest) lines.push(" ".repeat(HELP_COLUMN) + line);
  }
  return lines.join("\n");
}

/** The shared options as `inspect` takes them. */
export function inspectOptions(values: Values<typeof IMAGE_OPTIONS>): InspectOptions {
  return {
    kernelVersion: values.kernel,
    defaultKernelOnly: values["default-kernel-only"],
    vendor: values.vendor,
    arch: archOption(values.arch),
    noBios: values["no-bios"],
    rootfsType: rootfsType(values["rootfs-type"]),
    allowLabelMismatch: values["allow-label-mismatch"],
    acceptInitramfs: values["accept-initramfs"],
    noExtraEntries: values["no-extra-entries"],
    selinux: oneOf("selinux", values.selinux, SELINUX_MODES, "auto"),
  };
}

/** The payload options as a request, or undefined when no payload is named. */
export function payloadRequest(values: Values<typeof PAYLOAD_OPTIONS>): PayloadRequest | undefined {
  const refs = [...(values.payload ?? []), ...(values["bootc-installer-payload-ref"] ?? [])];
  const format = oneOf(
    "payload-format",
    values["payload-format"],
    PAYLOAD_FORMATS,
    "containers-storage",
  );
  if (refs.length === 0) {
    for (const name of ["payload-bound", "payload-format"] as const) {
      if (values[name] !== undefined) {
        throw new InputError(`--${name} needs --payload REF`, "see: cniso build --help");
      }
    }
    return undefined;
  }
  return { refs: [...new Set(refs)], bound: values["payload-bound"] ?? false, format };
}

/** --arch's values: cniso's names and the OCI configs' names for them. */
export const ARCH_NAMES = [...ARCHES, ...ARCHES.map((a) => ARCH_LAYOUTS[a].oci)];

/** --arch's value, as cniso names the architecture. */
export function archOption(value: string | undefined): Arch | undefined {
  if (value === undefined) return undefined;
  return archOfOci(oneOf("arch", value, ARCH_NAMES, value));
}

export const ROOTFS_TYPES = ["squashfs", "erofs"] as const;

/** --rootfs-type's value. */
export function rootfsType(value: string | undefined): (typeof ROOTFS_TYPES)[number] {
  return oneOf("rootfs-type", value, ROOTFS_TYPES, "squashfs");
}

/** The one IMAGE, or --rootfs DIR: exactly one of them. */
export function imageOrRootfs(
  command: string,
  positionals: string[],
  rootfs: string | undefined,
): { image?: string; rootfs?: string } {
  if (positionals.length > 1) {
    throw new InputError(`${command} takes one image, got: ${positionals.join(" ")}`);
  }
  const image = positionals[0];
  if (!image && rootfs === undefined) {
    throw new InputError(
      `${command} needs an IMAGE (or --rootfs DIR)`,
      `see: cniso ${command} --help`,
    );
  }
  if (image && rootfs !== undefined) {
    throw new InputError("give either an IMAGE or --rootfs DIR, not both");
  }
  return { image, rootfs };
}

/** One of the allowed words, or bad input naming them. */
export function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new InputError(`--${name} ${value}: expected one of ${allowed.join(", ")}`);
  }
  return value as T;
}

/** A whole number above 0, or bad input. */
export function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) <= 0 || !Number.isSafeInteger(Number(value))) {
    throw new InputError(`--${name} ${value}: expected a whole number above 0`);
  }
  return Number(value);
}
