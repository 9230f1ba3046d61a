/**
 * Kernel command lines as iso.yaml writes them: `/images/pxeboot/vmlinuz arg arg`.
 * Words split at white space; double quotes group a value with spaces, as the
 * kernel's own parser reads them (`foo="a b"` is one word, `foo=a b`).
 */

/** Splits a command line into words; returns an error text for an unclosed quote. */
export function splitCommandLine(line: string): string[] | { error: string } {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quoted = false;
  for (const c of line) {
    if (c === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && /\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quoted) return { error: "a double quote is not closed" };
  if (inWord) words.push(word);
  return words;
}

/** Joins words back into one line, quoting those with spaces (for display). */
export function joinCommandLine(words: string[]): string {
  return words.map((w) => (/\s/.test(w) || w === "" ? `"${w}"` : w)).join(" ");
}
