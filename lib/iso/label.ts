/**
 * The ISO volume label: its rules, the default taken from /etc/os-release, and
 * the check that each menu entry's `root=live:CDLABEL=` names it.
 */

export const MAX_LABEL_LENGTH = 32;
export const FALLBACK_LABEL = "Live-ISO";

/**
 * Characters that GRUB's `search -l`, ISO 9660/Joliet volume ids, udev's
 * /dev/disk/by-label names and the kernel command line all carry unchanged.
 */
const LABEL_CHARS = /^[A-Za-z0-9._-]+$/;

/** Returns why `label` is unusable, or undefined when it is fine. */
export function labelProblem(label: string): string | undefined {
  if (label.length === 0) return "the label is empty";
  if (label.length > MAX_LABEL_LENGTH) {
    return `the label "${label}" has ${label.length} characters; at most ${MAX_LABEL_LENGTH} fit in an ISO volume id`;
  }
  if (!/^[A-Za-z0-9]/.test(label) && LABEL_CHARS.test(label)) {
    return `the label "${label}" must start with a letter or digit`;
  }
  if (!LABEL_CHARS.test(label)) {
    const bad = [...new Set([...label].filter((c) => !/[A-Za-z0-9._-]/.test(c)))]
      .map((c) => JSON.stringify(c)).join(" ");
    return `the label "${label}" contains ${bad}; use only letters, digits, '.', '_' and '-'`;
  }
  return undefined;
}

/**
 * The default label: NAME (else ID) and VERSION_ID from os-release, reduced to
 * label characters, e.g. "Debian GNU/Linux" + "12" → "Debian-GNU-Linux-12".
 */
export function defaultLabel(osRelease: Record<string, string> | undefined): string {
  const name = sanitize(osRelease?.NAME ?? "") || sanitize(osRelease?.ID ?? "");
  if (!name) return FALLBACK_LABEL;
  const version = sanitize(osRelease?.VERSION_ID ?? "");
  const cut = (text: string, n: number) => text.slice(0, n).replace(/[-._]+$/, "");
  const room = MAX_LABEL_LENGTH - version.length - 1;
  if (!version || room < 1) return cut(name, MAX_LABEL_LENGTH);
  return `${cut(name, room)}-${version}`;
}

function sanitize(text: string): string {
  return text.replace(/[^A-Za-z0-9._]+/g, "-").replace(/^[-._]+|[-._]+$/g, "");
}

/** Undoes udev's label escaping (`\x20` → space), as dracut does for CDLABEL. */
export function udevUnescape(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The labels that an argument list asks the initramfs to find its medium by:
 * the live root (`root=live:CDLABEL=`) or, for anaconda's installer, its
 * second stage and repository (`inst.stage2=hd:LABEL=<label>[:<path>]`).
 */
export function mediumLabels(args: string[]): { key: string; label: string }[] {
  const labels: { key: string; label: string }[] = [];
  for (const arg of args) {
    const live = /^(root=live:(?:CD)?LABEL)=(.*)$/.exec(arg);
    if (live) labels.push({ key: live[1], label: udevUnescape(live[2]) });
    const installer = /^((?:inst\.)?(?:stage2|repo)=hd:LABEL)=([^:]*)/.exec(arg);
    if (installer) labels.push({ key: installer[1], label: udevUnescape(installer[2]) });
  }
  return labels;
}
