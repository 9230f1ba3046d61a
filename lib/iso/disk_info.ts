/**
 * The text of /.disk/info, the marker Debian's and Ubuntu's GRUB search for
 * to find their medium. Their media say what the medium is in one line
 * ("Debian GNU/Linux 12.5.0 "Bookworm" - Official amd64 NETINST ..."); so
 * does this one, without a date (the ISO is reproducible). Pure.
 */
import { printable } from "../terminal.ts";

export function diskInfo(osRelease: Record<string, string> | undefined, label: string): string {
  const name = osRelease?.PRETTY_NAME ?? osRelease?.NAME ?? "Linux";
  // One line of printable text: the image's name may hold anything.
  const line = printable(`${name.slice(0, 100)} - live ISO ${label}, made by cniso`);
  return `${line}\n`;
}
