/**
 * How boot-test finds its way in GRUB's editor: which line of the default
 * entry is the `linux` command, read from the ISO's grub.cfg. Pure.
 */
import { InputError } from "../errors.ts";

/** Arguments boot-test appends to the default entry so the live system reports on ttyS0. */
export const CONSOLE_ARGS = "console=tty0 console=ttyS0,115200 loglevel=7 systemd.show_status=1";

/**
 * How many lines down GRUB's editor must go from its first line to reach the
 * `linux` command of the default entry. GRUB shows `setparams 'name'` first,
 * then the entry's body as written after `{`.
 */
export function linuxLineInEditor(grubCfg: string): number {
  const defaultMatch = lines(grubCfg).map((l) => /^[ \t]*set[ \t]+default=["']?([^"'\s]+)/.exec(l))
    .find((m) => m);
  const entries = menuEntryBodies(grubCfg);
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
  const body = entries[index]?.body;
  if (body === undefined) {
    throw new InputError(
      `the ISO's grub.cfg sets default=${JSON.stringify(defaultMatch?.[1])}, which names no entry`,
    );
  }
  const line = body.findIndex((l) => /^\s*(linux|linuxefi|linux16)\s/.test(l));
  if (line < 0) {
    throw new InputError(
      `the default GRUB entry ${JSON.stringify(entries[index].title)} has no linux command`,
    );
  }
  return 1 + line; // +1 for the setparams line
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
