/**
 * The boot menu: iso.yaml's entries (or the generated live entry) checked and
 * normalised, ready to render. This is where text from the image is judged.
 */
import { splitCommandLine } from "./cmdline.ts";
import { InputError } from "../errors.ts";
import type { IsoEntry, ParsedIsoConfig } from "./iso_config.ts";
import { INITRD, KERNEL, kernelPaths } from "./layout.ts";
import { mediumLabels } from "./label.ts";
import { substitute, templateValues } from "./template.ts";

export const DEFAULT_TIMEOUT = 10;

/** The generated menu's extra entries: a name suffix and the arguments each adds. */
export const EXTRA_ENTRIES = {
  check: { suffix: " (check the medium first)", args: ["rd.live.check"] },
  basic: { suffix: " (basic graphics)", args: ["nomodeset"] },
  permissive: { suffix: " (SELinux permissive)", args: ["enforcing=0"] },
} as const;

export interface MenuEntry {
  name: string;
  /** Path of the kernel on the ISO. */
  kernel: string;
  /** Kernel arguments, one word each (quotes already removed). */
  args: string[];
  initrd: string;
}

export interface Menu {
  entries: MenuEntry[];
  defaultIndex: number;
  timeout: number;
}

export interface MenuOptions {
  /** Turn "CDLABEL does not match the ISO label" from an error into a warning. */
  allowLabelMismatch?: boolean;
  /** Name of the generated entry (e.g. os-release's PRETTY_NAME). */
  generatedName?: string;
  /** Leave out the generated menu's extra entries (check the medium, basic graphics). */
  noExtraEntries?: boolean;
  /** The image can check its medium (rd.live.check needs checkisomd5 in the initramfs). */
  mediaCheck?: boolean;
  /** Versions of the kernels on the ISO besides the default one, newest first. */
  otherKernels?: string[];
  /** os-release's NAME and VERSION_ID: the template variables ${product} and ${version}. */
  product?: string;
  version?: string;
  /**
   * The image's SELinux policy: an enforcing one gets a permissive entry when
   * the live root is labelled, and enforcing=0 in every entry when it is not.
   */
  selinux?: { enforcing: boolean; labelled: boolean };
}

/**
 * What a labelled live root adds under an enforcing policy. systemd's GPT
 * auto-generator reads / before any unit can relabel the overlay's top
 * directory (it carries its tmpfs's label until then: see
 * selinux/live_relabel.ts), and is denied; on a live system it has nothing to
 * find anyway (the root is an overlay, on no disk of its own).
 */
export const SELINUX_LIVE_ARGS = ["systemd.gpt_auto=0"] as const;

/** Arguments of the generated entry, before iso.yaml's kernel_args. */
export function liveArgs(label: string): string[] {
  return [`root=live:CDLABEL=${label}`, "rd.live.image", "rd.live.overlay.overlayfs=1"];
}

// Control characters (newlines above all) have no business in a menu or a command line.
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

export function buildMenu(
  parsed: ParsedIsoConfig | undefined,
  label: string,
  options: MenuOptions = {},
): { menu: Menu; warnings: string[] } {
  const config = parsed?.config ?? {};
  const where = (p: (string | number)[]) => parsed?.where(p) ?? "iso.yaml";
  const warnings: string[] = [];
  const rawEntries = config.grub2?.entries;
  const values = templateValues(label, liveArgs(label), options.product, options.version);
  const entries = rawEntries && rawEntries.length > 0
    ? rawEntries.map((raw, i) => {
      const at = (key: string) =>
        `${where(["grub2", "entries", i, key])}: grub2.entries[${i}].${key}`;
      const entry = {
        name: substitute(raw.name, values, at("name")),
        linux: substitute(raw.linux, values, at("linux")),
        initrd: substitute(raw.initrd, values, at("initrd")),
      };
      return entryFromYaml(entry, at, label, options, warnings);
    })
    : generatedEntries(config.kernel_args ?? [], label, options, where);
  const at = where(["grub2", "default"]);
  const given = config.grub2?.default;
  // A default given by name is written like the names: with the same variables.
  const byName = typeof given === "string" && !/^\d+$/.test(given)
    ? substitute(given, values, `${at}: grub2.default`)
    : given;
  const defaultIndex = resolveDefault(byName, entries, at);
  return {
    menu: { entries, defaultIndex, timeout: config.grub2?.timeout ?? DEFAULT_TIMEOUT },
    warnings,
  };
}

/** One iso.yaml entry, checked: a name GRUB reads as a title, one line, absolute paths, the label. */
function entryFromYaml(
  raw: IsoEntry,
  at: (key: string) => string,
  label: string,
  options: MenuOptions,
  warnings: string[],
): MenuEntry {
  checkEntryName(raw.name, at("name"));
  const words = splitCommandLine(raw.linux);
  if ("error" in words) {
    throw new InputError(`${at("linux")}: ${words.error}`, 'close the quote: foo="a b"');
  }
  if (words.length === 0) {
    throw new InputError(`${at("linux")}: no kernel path`, `start with ${KERNEL}`);
  }
  const initrd = raw.initrd.trim();
  for (const w of [...words, raw.initrd]) {
    if (CONTROL.test(w)) {
      throw new InputError(
        `${at(w === raw.initrd ? "initrd" : "linux")}: contains a newline or control character`,
        "write kernel arguments on one line, separated by spaces",
      );
    }
  }
  const [kernel, ...args] = words;
  const onIso = [undefined, ...options.otherKernels ?? []].map(kernelPaths);
  for (
    const [key, path, expected, known] of [
      ["linux", kernel, KERNEL, onIso.map((k) => k.kernel)],
      ["initrd", initrd, INITRD, onIso.map((k) => k.initrd)],
    ] as const
  ) {
    // A path that starts with "-" would be read as an option (initrd --nounzip).
    if (!path.startsWith("/")) {
      throw new InputError(
        `${at(key)}: "${path}" is not an absolute path on the ISO`,
        `use ${expected}`,
      );
    }
    if (!known.includes(path)) {
      warnings.push(`${at(key)}: ${path} is not on the ISO (cniso puts it at ${expected})`);
    }
  }
  checkLabels(args, label, at("linux"), options, warnings);
  const off = args.find((a) => a === "enforcing=0" || a === "selinux=0");
  if (off && options.selinux?.labelled && options.selinux.enforcing) {
    warnings.push(
      `${
        at("linux")
      }: ${off}: this entry turns SELinux off although the live root is labelled from the image's enforcing policy; drop it to boot enforcing (docs/selinux.md)`,
    );
  }
  return { name: raw.name, kernel, args, initrd };
}

function checkEntryName(name: string, at: string) {
  if (name.startsWith("-")) {
    throw new InputError(
      `${at}: the entry name starts with "-", which GRUB would read as an option`,
      "start the name with a letter or digit",
    );
  }
  if (CONTROL.test(name)) {
    throw new InputError(
      `${at}: the entry name contains a newline or control character`,
      "write the name on one line, without escapes such as \\n",
    );
  }
}

/**
 * Every root=live:CDLABEL= (and an installer's inst.stage2=hd:LABEL=) must
 * name the ISO's label, or the entry cannot find its medium. Entries with
 * neither are not judged.
 */
function checkLabels(
  args: string[],
  label: string,
  at: string,
  options: MenuOptions,
  warnings: string[],
) {
  for (const { key, label: wanted } of mediumLabels(args)) {
    if (wanted === label) continue;
    const message =
      `${at}: ${key}=${wanted} does not match the ISO label "${label}"; this entry would not find its ${
        key.startsWith("root=") ? "root" : "medium"
      }`;
    if (!options.allowLabelMismatch) {
      throw new InputError(
        message,
        `write ${key}=${label}, or set label: "${wanted}", or pass --allow-label-mismatch`,
      );
    }
    warnings.push(message);
  }
}

/**
 * The menu made when iso.yaml has no entries: the live system (one entry per
 * kernel, the default first), and, as
 * Fedora's and Debian's live media offer, the same after checking the medium
 * (rd.live.check verifies the MD5 implanted in the ISO; only when the image has
 * checkisomd5) and in basic graphics (nomodeset). kernel_args go to each.
 */
function generatedEntries(
  extra: string[],
  label: string,
  options: MenuOptions,
  where: (p: (string | number)[]) => string,
): MenuEntry[] {
  extra.forEach((arg, i) => {
    if (CONTROL.test(arg) || /\s/.test(arg)) {
      throw new InputError(
        `${
          where(["kernel_args", i])
        }: kernel_args[${i}]: one argument per list item, without spaces or newlines`,
        'split "a b" into two items; a value with spaces cannot be passed here',
      );
    }
  });
  const given = options.generatedName;
  const name = given && !CONTROL.test(given) && !given.startsWith("-") ? given : label;
  const enforcing = options.selinux?.enforcing ?? false;
  const selinuxArgs = !enforcing ? [] : options.selinux?.labelled
    ? SELINUX_LIVE_ARGS
    // An unlabelled live root cannot boot under an enforcing policy.
    : EXTRA_ENTRIES.permissive.args;
  const entry = (suffix: string, more: readonly string[], version?: string): MenuEntry => ({
    name: name + suffix,
    kernel: kernelPaths(version).kernel,
    args: [...liveArgs(label), ...more, ...selinuxArgs, ...extra],
    initrd: kernelPaths(version).initrd,
  });
  const kernels = [
    entry("", []),
    ...(options.otherKernels ?? []).map((v) => entry(` (kernel ${v})`, [], v)),
  ];
  // Installers (bootc among them) label their target themselves and want permissive.
  const permissiveEntry = enforcing && options.selinux?.labelled
    ? [entry(EXTRA_ENTRIES.permissive.suffix, EXTRA_ENTRIES.permissive.args)]
    : [];
  if (options.noExtraEntries) return [...kernels, ...permissiveEntry];
  return [
    ...kernels,
    ...permissiveEntry,
    // Without checkisomd5 in the initramfs, dracut refuses to boot an rd.live.check entry.
    ...(options.mediaCheck ? [entry(EXTRA_ENTRIES.check.suffix, EXTRA_ENTRIES.check.args)] : []),
    entry(EXTRA_ENTRIES.basic.suffix, EXTRA_ENTRIES.basic.args),
  ];
}

function resolveDefault(
  value: number | string | undefined,
  entries: MenuEntry[],
  at: string,
): number {
  if (value === undefined) return 0;
  if (typeof value === "number") {
    if (value < 0 || value >= entries.length) {
      throw new InputError(
        `${at}: grub2.default: ${value} names no entry (there ${
          entries.length === 1 ? "is 1 entry" : `are ${entries.length} entries`
        }, counted from 0)`,
        `use a number from 0 to ${entries.length - 1}, or an entry's name`,
      );
    }
    return value;
  }
  const matches = entries.flatMap((e, i) => e.name === value ? [i] : []);
  if (matches.length !== 1) {
    throw new InputError(
      `${at}: grub2.default: "${value}" ${
        matches.length === 0 ? "names no entry" : "names several entries"
      }`,
      `the entries are: ${entries.map((e) => JSON.stringify(e.name)).join(", ")}`,
    );
  }
  return matches[0];
}
