/**
 * How boot-test finds its way in GRUB's editor: which line of the default
 * entry is the `linux` command, read from the ISO's grub.cfg. Pure.
 */
import { InputError } from "../errors.ts";
import { type Arch, ARCH_LAYOUTS } from "../iso/layout.ts";

/** Arguments boot-test appends to the default entry so the live system reports on its serial console. */
export function consoleArgs(arch: Arch): string {
  const serial = ARCH_LAYOUTS[arch].console;
  return `console=tty0 console=${serial},115200 loglevel=7 systemd.show_status=1`;
}

/**
 * How many lines down GRUB's editor must go from its first line to reach the
 * `linux` command of the default entry. GRUB shows `setparams 'name'` first,
 * then the entry's body as written after `{`.
 */
export function linuxLineInEditor(grubCfg: string, entryName?: string): number {
  return editorKeys(grubCfg, entryName).downPresses;
}

/**
 * The keys that open an entry in GRUB's editor: the menu starts on the default
 * entry; `v` and `^` move the highlight down and up, `e` opens the editor.
 * Then `downPresses` lines down is the entry's linux command. Without a name,
 * the default entry.
 */
export function editorKeys(
  grubCfg: string,
  entryName?: string,
): { menuKeys: string; downPresses: number } {
  const entries = menuEntryBodies(grubCfg);
  const start = defaultEntry(grubCfg, entries);
  let index = start;
  if (entryName !== undefined) {
    const matches = entries.flatMap((e, i) => (e.title === entryName ? [i] : []));
    if (matches.length !== 1) {
      throw new InputError(
        `--entry ${JSON.stringify(entryName)}: ${
          matches.length ? "several entries" : "no entry"
        } of the ISO's menu has that name`,
        `the entries are: ${entries.map((e) => JSON.stringify(e.title)).join(", ")}`,
      );
    }
    index = matches[0];
  }
  const moves = index >= start ? "v".repeat(index - start) : "^".repeat(start - index);
  return { menuKeys: moves + "e", downPresses: linuxLine(entries[index]) };
}

/** The default entry's index (GRUB's `set default=`, a number, an --id or a title). */
function defaultEntry(grubCfg: string, entries: ReturnType<typeof menuEntryBodies>): number {
  const defaultMatch = lines(grubCfg).map((l) => /^[ \t]*set[ \t]+default=["']?([^"'\s]+)/.exec(l))
    .find((m) => m);
  if (entries.length === 0) {
    throw new InputError("the ISO's grub.cfg has no menuentry", "boot-test drives a GRUB menu");
  }
  let index = 0;
  if (defaultMatch) {
    const value = defaultMatch[1];
    if (/^\d+$/.test(value)) index = Number(value);
    else {
      const byId = entries.findIndex((e) => e.id === value || e.title === value);
      if (byId >= 0) index = byId;
    }
  }
  if (entries[index] === undefined) {
    throw new InputError(
      `the ISO's grub.cfg sets default=${JSON.stringify(defaultMatch?.[1])}, which names no entry`,
    );
  }
  return index;
}

/** Lines down from the editor's top to the entry's linux command (after the setparams line). */
function linuxLine(entry: { title: string; body: string[] }): number {
  const line = entry.body.findIndex((l) => /^\s*(linux|linuxefi|linux16)\s/.test(l));
  if (line < 0) {
    throw new InputError(`the GRUB entry ${JSON.stringify(entry.title)} has no linux command`);
  }
  return 1 + line;
}

/** Top-level menuentry blocks: title, --id and body lines (first = rest of the `{` line). */
export function menuEntryBodies(grubCfg: string): { title: string; id?: string; body: string[] }[] {
  const out: { title: string; id?: string; body: string[] }[] = [];
  const all = lines(grubCfg);
  for (let i = 0; i < all.length; i++) {
    // One way to split each line (the bare title ends where a blank or "{" follows): linear.
    const m = all[i].includes("{")
      ? /^menuentry[ \t]+(?:'([^']*)'|"([^"]*)"|([^ \t{]+)(?=[ \t{]))([^{]*)\{(.*)$/.exec(all[i])
      : null;
    if (!m) continue;
    const id = /--id[= ]\s*['"]?([^'"\s]+)/.exec(m[4])?.[1];
    const body = [m[5]];
    for (i++; i < all.length && !/^\}[ \t]*$/.test(all[i]); i++) body.push(all[i]);
    out.push({ title: m[1] ?? m[2] ?? m[3], id, body });
  }
  return out;
}

/** The config's lines; a line longer than any GRUB writes is left out (it only costs time). */
function lines(grubCfg: string): string[] {
  return grubCfg.split("\n").map((l) => (l.length > 4096 ? "" : l));
}
