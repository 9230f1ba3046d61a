/**
 * `--exclude PATTERN`: paths left out of the live root, relative to the image
 * root: `var/lib/rpm`, `boot/*`, `... *.pyc` (a name at any depth). Only `*`
 * and `?` are wildcards, and neither matches a leading dot, so that
 * mksquashfs's exclude file and mkfs.erofs's regular expressions (erofs.ts)
 * read a pattern the same way. Pure.
 */
import { InputError } from "../errors.ts";

const HINT = "give a path in the image such as /var/lib/rpm or /boot/*, one per --exclude " +
  "(wildcards: * and ?; '... NAME' for a name at any depth)";

/** The patterns, checked and made relative to the image root. */
export function parseExcludes(patterns: string[]): string[] {
  return patterns.map((p) => {
    const bad = (why: string) => new InputError(`--exclude ${JSON.stringify(p)}: ${why}`, HINT);
    // deno-lint-ignore no-control-regex
    if (/[\x00-\x1f\x7f]/.test(p)) throw bad("contains a control character");
    const anywhere = p.startsWith("... ");
    const body = (anywhere ? p.slice(4) : p).replace(/^\/+/, "").replace(/\/+$/, "");
    const parts = body.split("/");
    if (body === "" || parts.some((part) => part === "" || part === "." || part === "..")) {
      throw bad("names no path inside the image (empty, '.' or '..' parts)");
    }
    // mksquashfs's exclude file reads these itself: blanks, comments, escapes, brackets, extglobs.
    // Every extglob operator (*( ?( +( @( !( ) is one: mksquashfs matches with FNM_EXTMATCH.
    if (/^[\s#]|\s$|[\\[\]]|[*?+@!]\(/.test(body)) {
      throw bad(
        "uses a character mksquashfs and mkfs.erofs read differently ([ ] \\, an extended glob " +
          "such as *(…) or ?(…), or a leading # or blank)",
      );
    }
    return anywhere ? `... ${body}` : body;
  });
}

/** The exclude file mksquashfs reads with -wildcards -ef. */
export function excludeFile(patterns: string[]): string {
  return patterns.map((p) => `${p}\n`).join("");
}
