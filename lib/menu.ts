/**
 * The boot menu: iso.yaml's entries (or the generated live entry) checked and
 * normalised, ready to render. This is where text from the image is judged.
 */
import { splitCommandLine } from "./cmdline.ts";
import { InputError } from "./errors.ts";
import type { ParsedIsoConfig } from "./iso_config.ts";
import { liveRootLabels } from "./label.ts";

export const ISO_KERNEL = "/images/pxeboot/vmlinuz";
export const ISO_INITRD = "/images/pxeboot/initrd.img";
export const DEFAULT_TIMEOUT = 10;

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
}

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
  const entries: MenuEntry[] = [];

  const rawEntries = config.grub2?.entries;
  if (rawEntries && rawEntries.length > 0) {
    rawEntries.forEach((raw, i) => {
      const at = (key: string) =>
        `${where(["grub2", "entries", i, key])}: grub2.entries[${i}].${key}`;
      if (raw.name.startsWith("-")) {
        throw new InputError(
          `${at("name")}: the entry name starts with "-", which GRUB would read as an option`,
          "start the name with a letter or digit",
        );
      }
      if (CONTROL.test(raw.name)) {
        throw new InputError(
          `${at("name")}: the entry name contains a newline or control character`,
          "write the name on one line, without escapes such as \\n",
        );
      }
      const words = splitCommandLine(raw.linux);
      if ("error" in words) {
        throw new InputError(`${at("linux")}: ${words.error}`, 'close the quote: foo="a b"');
      }
      if (words.length === 0) {
        throw new InputError(`${at("linux")}: no kernel path`, `start with ${ISO_KERNEL}`);
      }
      for (const w of [...words, raw.initrd]) {
        if (CONTROL.test(w)) {
          throw new InputError(
            `${at(w === raw.initrd ? "initrd" : "linux")}: contains a newline or control character`,
            "write kernel arguments on one line, separated by spaces",
          );
        }
      }
      const [kernel, ...args] = words;
      // A path that starts with "-" would be read as an option (initrd --nounzip).
      for (const [key, path] of [["linux", kernel], ["initrd", raw.initrd.trim()]]) {
        if (!path.startsWith("/")) {
          throw new InputError(
            `${at(key)}: "${path}" is not an absolute path on the ISO`,
            `use ${key === "linux" ? ISO_KERNEL : ISO_INITRD}`,
          );
        }
      }
      for (
        const [key, path, expected] of [["linux", kernel, ISO_KERNEL], [
          "initrd",
          raw.initrd.trim(),
          ISO_INITRD,
        ]]
      ) {
        if (path !== expected) {
          warnings.push(`${at(key)}: ${path} is not on the ISO (cniso puts it at ${expected})`);
        }
      }
      const labels = liveRootLabels(args);
      for (const wanted of labels) {
        if (wanted !== label) {
          const message = `${
            at("linux")
          }: root=live:CDLABEL=${wanted} does not match the ISO label "${label}"; this entry would not find its root`;
          if (!options.allowLabelMismatch) {
            throw new InputError(
              message,
              `write root=live:CDLABEL=${label}, or set label: "${wanted}", or pass --allow-label-mismatch`,
            );
          }
          warnings.push(message);
        }
      }
      entries.push({ name: raw.name, kernel, args, initrd: raw.initrd.trim() });
    });
  } else {
    const extra = config.kernel_args ?? [];
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
    const generated = options.generatedName;
    const name = generated && !CONTROL.test(generated) && !generated.startsWith("-")
      ? generated
      : label;
    entries.push({
      name,
      kernel: ISO_KERNEL,
      args: [...liveArgs(label), ...extra],
      initrd: ISO_INITRD,
    });
  }

  const defaultIndex = resolveDefault(config.grub2?.default, entries, where(["grub2", "default"]));
  return {
    menu: { entries, defaultIndex, timeout: config.grub2?.timeout ?? DEFAULT_TIMEOUT },
    warnings,
  };
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
