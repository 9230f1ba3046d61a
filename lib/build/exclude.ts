/**
 * `--exclude PATTERN`: paths left out of the live root, as mksquashfs's
 * wildcard exclude file takes them (one per line, relative to the image root:
 * `var/lib/rpm`, `boot/*`, `... *.pyc` at any depth). Pure.
 */
import { InputError } from "../errors.ts";

const HINT = "give a path in the image such as /var/lib/rpm or /boot/*, one per --exclude";

/** The patterns, checked and made relative to the image root. */
export function parseExcludes(patterns: string[]): string[] {
  return patterns.map((p) => {
    // deno-lint-ignore no-control-regex
    if (/[\x00-\x1f\x7f]/.test(p)) {
      throw new InputError(`--exclude: ${JSON.stringify(p)} contains a control character`, HINT);
    }
    const relative = p.startsWith("... ") ? p : p.replace(/^\/+/, "").replace(/\/+$/, "");
    if (relative.trim() === "" || relative.split("/").includes("..")) {
      throw new InputError(`--exclude ${JSON.stringify(p)}: names no path inside the image`, HINT);
    }
    return relative;
  });
}

/** The exclude file mksquashfs reads with -wildcards -ef. */
export function excludeFile(patterns: string[]): string {
  return patterns.map((p) => `${p}\n`).join("");
}
