/**
 * `/boot/grub/loopback.cfg`: the menu for booting the ISO as a file, the
 * convention GRUB-based multiboot tools follow (a GRUB menu of the user's own,
 * GLIM, Super GRUB2 Disk): they set `iso_path` to the ISO file's path, make a
 * loop device of it the root, and run this file. Its entries are the menu's,
 * each also telling dracut's iso-scan which file holds the live root
 * (`iso-scan/filename=${iso_path}`), so that `root=live:CDLABEL=` finds the
 * label on the loop device iso-scan sets up. Text from the image is quoted as
 * in grub.cfg (grub_config.ts); only `${iso_path}`, the tool's, is expanded.
 */
import { grubQuote } from "./grub_config.ts";
import { LOOPBACK_CONFIG } from "./layout.ts";
import type { Menu } from "./menu.ts";

/** The kernel argument, as a GRUB word: double-quoted so that GRUB expands ${iso_path}. */
export const ISO_SCAN_ARG = '"iso-scan/filename=${iso_path}"';

export function renderLoopbackConfig(menu: Menu, label: string): string {
  const kernel = grubQuote(menu.entries[menu.defaultIndex].kernel);
  const lines = [
    `# ${LOOPBACK_CONFIG}, written by cniso: this ISO booted as a file from a multiboot disk.`,
    "# The tool sets iso_path and makes the loop device that holds the ISO the root.",
    `set default=${menu.defaultIndex}`,
    `set timeout=${menu.timeout}`,
    "",
    "# A tool that ran this file without making the loop device the root: find it by label.",
    `if [ ! -f ${kernel} ]; then search --no-floppy --set=root --label ${grubQuote(label)}; fi`,
    "",
  ];
  menu.entries.forEach((entry, i) => {
    lines.push(
      `menuentry ${grubQuote(entry.name)} --id ${grubQuote(`cniso-${i}`)} {`,
      `\tlinux ${[entry.kernel, ...entry.args].map(grubQuote).join(" ")} ${ISO_SCAN_ARG}`,
      `\tinitrd ${grubQuote(entry.initrd)}`,
      "}",
    );
  });
  return lines.join("\n") + "\n";
}
