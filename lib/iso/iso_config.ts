/**
 * iso.yaml: the image's own description of its ISO (label and GRUB menu).
 * Parsed with `yaml` for line numbers, validated with zod; every error names the
 * file, the key path and the line.
 */
import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { InputError } from "../errors.ts";

/** Where the contract looks for iso.yaml, in order. */
export const ISO_YAML_PATHS = [
  "/usr/lib/image-builder/bootc/iso.yaml",
  "/usr/lib/bootc-image-builder/iso.yaml",
];

/** iso.yaml is a few lines; more is not read. */
export const MAX_ISO_YAML = 1024 * 1024;
/** Alias expansions allowed (a "billion laughs" document needs millions). */
const MAX_ALIASES = 50;
/** Sane bounds: a menu of a hundred entries, an hour of timeout, a kernel command line. */
export const LIMITS = { entries: 100, kernelArgs: 256, timeout: 3600, text: 4096 } as const;

/** An integer written as a number or as a numeric string ("10"), within safe bounds. */
const intLike = z.union([
  z.int({ error: "expected a whole number" }),
  z.string().regex(/^\s*-?\d{1,9}\s*$/, { error: "expected a whole number" }).transform(Number),
], { error: "expected a whole number" });

const text = (what: string) =>
  z.string({ error: `expected ${what} as a string` }).min(1, { error: `${what} is empty` })
    .max(LIMITS.text, { error: `${what} is longer than ${LIMITS.text} characters` });

const entrySchema = z.object({
  name: text("the entry's name"),
  linux: text("the kernel path and arguments"),
  initrd: text("the initrd path"),
}, { error: "expected a mapping with name, linux and initrd" });

const schema = z.object({
  label: z.string({ error: "expected the label as a string" }).max(LIMITS.text).optional(),
  kernel_args: z.array(z.string({ error: "expected a string" }).max(LIMITS.text), {
    error: "expected a list of strings",
  }).max(LIMITS.kernelArgs, { error: `at most ${LIMITS.kernelArgs} arguments` }).optional(),
  grub2: z.object({
    default: z.union([intLike, z.string()], { error: "expected an entry index or name" })
      .optional(),
    timeout: intLike.refine((n) => n >= 0, { error: "the timeout cannot be negative" })
      .refine((n) => n <= LIMITS.timeout, {
        error: `the timeout is at most ${LIMITS.timeout} seconds`,
      }).optional(),
    entries: z.array(entrySchema, { error: "expected a list of entries" })
      .max(LIMITS.entries, { error: `at most ${LIMITS.entries} entries` }).optional(),
  }, { error: "expected a mapping (default, timeout, entries)" }).optional(),
}, { error: "expected a mapping at the top level (label, grub2, kernel_args)" });

export type IsoConfig = z.infer<typeof schema>;
export type IsoEntry = z.infer<typeof entrySchema>;

const KNOWN_KEYS: Record<string, string[]> = {
  "": ["label", "kernel_args", "grub2"],
  "grub2": ["default", "timeout", "entries"],
  "grub2.entries[]": ["name", "linux", "initrd"],
};

export interface ParsedIsoConfig {
  config: IsoConfig;
  /** Unknown keys and the like: worth a warning, not a failure. */
  warnings: string[];
  /** Finds the line of a key path, for later errors (e.g. a default that names no entry). */
  where(path: (string | number)[]): string;
}

/** Parses and validates iso.yaml text; `file` names it in messages. */
export function parseIsoConfig(text: string, file: string): ParsedIsoConfig {
  if (text.length > MAX_ISO_YAML) {
    throw new InputError(`${file}: the file is larger than 1 MiB; iso.yaml is a few lines`);
  }
  const { doc, where } = parseYaml(text, file);
  const value = toValue(doc, file);
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const keyPath = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    const missing = issue.code === "invalid_type" && !hasPath(value, keyPath);
    const message = missing ? "this key is required" : issue.message;
    throw new InputError(
      `${where(keyPath)}: ${formatKeyPath(keyPath)}: ${message}`,
      "see docs/iso-yaml.md for the keys and their types",
    );
  }
  const warnings: string[] = [];
  collectUnknownKeys(doc.contents, [], (keyPath) => {
    warnings.push(`${where(keyPath)}: unknown key ${formatKeyPath(keyPath)} is ignored`);
  });
  return { config: result.data, warnings, where };
}

/** The YAML document, or bad input with its line and column; `where` finds a key's line. */
function parseYaml(text: string, file: string) {
  const lineCounter = new LineCounter();
  // Merge keys (<<) stay plain keys even under %YAML 1.1: no merge can multiply the document.
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    merge: false,
  });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = lineCounter.linePos(e.pos[0]);
    throw new InputError(
      `${file}:${pos.line}:${pos.col}: invalid YAML: ${e.message.split("\n")[0]}`,
      "fix the YAML syntax at that line (indentation, quotes, a missing ':')",
    );
  }
  const where = (keyPath: (string | number)[]): string => {
    // The deepest key (or list item) on the path that exists gives the line.
    for (let n = keyPath.length; n >= 0; n--) {
      const range = nodeRange(doc, keyPath.slice(0, n));
      if (range) {
        const pos = lineCounter.linePos(range[0]);
        return `${file}:${pos.line}:${pos.col}`;
      }
    }
    return file;
  };
  return { doc, where };
}

/** The document as plain data; aliases that would blow it up are bad input. */
function toValue(doc: Document, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? {};
  } catch (e) {
    if (e instanceof ReferenceError || e instanceof RangeError) {
      throw new InputError(
        `${file}: the YAML expands its aliases (*name) too often (${e.message.split("\n")[0]})`,
        `iso.yaml needs no aliases; write the values out (at most ${MAX_ALIASES} are expanded)`,
      );
    }
    throw e;
  }
}

/** The source range of the key (or list item) at `keyPath`; the document for []. */
function nodeRange(
  doc: Document,
  keyPath: (string | number)[],
): [number, number, number] | undefined {
  if (keyPath.length === 0) {
    return (doc.contents as { range?: [number, number, number] } | null)?.range ?? undefined;
  }
  const parent = keyPath.length === 1 ? doc.contents : doc.getIn(keyPath.slice(0, -1), true);
  const last = keyPath[keyPath.length - 1];
  if (isMap(parent)) {
    const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === last);
    return (pair?.key as { range?: [number, number, number] } | undefined)?.range;
  }
  if (isSeq(parent) && typeof last === "number") {
    return (parent.items[last] as { range?: [number, number, number] } | undefined)?.range;
  }
  return undefined;
}

function hasPath(value: unknown, keyPath: (string | number)[]): boolean {
  let v = value;
  for (const key of keyPath) {
    if (v === null || typeof v !== "object" || !(key in (v as object))) return false;
    v = (v as Record<string | number, unknown>)[key];
  }
  return true;
}

/** `grub2.entries[1].linux`, for messages. */
export function formatKeyPath(keyPath: (string | number)[]): string {
  if (keyPath.length === 0) return "(top level)";
  return keyPath.map((p, i) => typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`).join(
    "",
  );
}

function collectUnknownKeys(
  node: unknown,
  keyPath: (string | number)[],
  report: (keyPath: (string | number)[]) => void,
) {
  if (!isMap(node)) return;
  const shape = keyPath.map((p) => typeof p === "number" ? "[]" : `.${p}`).join("").replace(
    /^\./,
    "",
  ).replace(/\.\[\]/g, "[]");
  const known = KNOWN_KEYS[shape];
  if (!known) return;
  for (const pair of node.items) {
    const raw = (pair.key as { value?: unknown } | null)?.value ?? pair.key;
    // A YAML 1.1 merge key (<<) is a symbol: shown as written, never merged.
    const key = typeof raw === "symbol" ? (raw.description ?? "<<") : String(raw);
    if (!known.includes(key)) {
      report([...keyPath, key]);
      continue;
    }
    const child = pair.value as { items?: unknown[] } | null;
    if (key === "entries" && child?.items) {
      child.items.forEach((item, i) => collectUnknownKeys(item, [...keyPath, key, i], report));
    } else {
      collectUnknownKeys(child, [...keyPath, key], report);
    }
  }
}
