/**
 * Text from the image (names, paths, YAML keys, os-release, tool output, the
 * guest's console) reaches the user's terminal only through here: escape
 * sequences removed, other control characters shown as \xNN, so an image
 * cannot retitle, clear or rewrite the terminal, fake an OK, or set the
 * clipboard. And image-derived words in a shell command hint are quoted.
 */

/** Removes terminal escape sequences (GRUB draws its menu with them) and carriage returns. */
export function stripAnsi(text: string): string {
  return text.replace(
    // CSI sequences, OSC sequences (ended by BEL or ST), charset selection, other ESC pairs, CR.
    // deno-lint-ignore no-control-regex
    /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[()][A-Za-z0-9]|\x1b[@-Z\\-_]|\r/g,
    "",
  );
}

/**
 * One line of text, safe to print: every control character (escape and
 * newline too) shown as \xNN, so what the image holds is seen as it is
 * (`6.9\x1b[2J`), never acted on.
 */
export function printable(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f-\x9f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/**
 * JSON for a terminal or a log: JSON.stringify leaves DEL, the C1 controls and U+2028/U+2029
 * raw (valid JSON, but a terminal acts on C1 and some readers break lines at U+2028/9).
 */
export function jsonText(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Several lines, each made printable; the line breaks are kept. */
export function printableLines(text: string): string {
  return text.split("\n").map(printable).join("\n");
}

/** A word for a shell command line: as it is when plain, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\/.,:=+@%-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
