/**
 * Version order for kernels and EFI package directories, as rpm compares
 * versions (rpmvercmp): digits compare as numbers (6.10 after 6.9), letters
 * as text, separators only separate, and "~" sorts before anything (6.0~rc1
 * before 6.0). Pure.
 */

const SEPARATORS = /^[^A-Za-z0-9~]+/;

/** Negative when a is older than b, positive when newer, 0 when equal. */
export function compareVersions(a: string, b: string): number {
  let x = a;
  let y = b;
  while (x.length > 0 || y.length > 0) {
    x = x.replace(SEPARATORS, "");
    y = y.replace(SEPARATORS, "");
    if (x.startsWith("~") || y.startsWith("~")) {
      if (!x.startsWith("~")) return 1;
      if (!y.startsWith("~")) return -1;
      x = x.slice(1);
      y = y.slice(1);
      continue;
    }
    if (x.length === 0 || y.length === 0) break;
    const numeric = /^[0-9]/.test(x);
    const segment = numeric ? /^[0-9]+/ : /^[A-Za-z]+/;
    const sx = segment.exec(x)![0];
    const sy = segment.exec(y)?.[0];
    // A number against letters: the number is newer (rpm's rule).
    if (sy === undefined) return numeric ? 1 : -1;
    const order = numeric ? compareNumbers(sx, sy) : sx < sy ? -1 : sx > sy ? 1 : 0;
    if (order !== 0) return order;
    x = x.slice(sx.length);
    y = y.slice(sy.length);
  }
  return x.length === y.length ? 0 : x.length > 0 ? 1 : -1;
}

function compareNumbers(a: string, b: string): number {
  const x = a.replace(/^0+/, "");
  const y = b.replace(/^0+/, "");
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Newest first; equal versions in text order, so the result never depends on listing order. */
export function newestFirst(versions: string[]): string[] {
  return [...versions].sort((a, b) => compareVersions(b, a) || (a < b ? -1 : a > b ? 1 : 0));
}
