/**
 * The image's SELinux policy, as an installed system would find it:
 * /etc/selinux/config names the policy (SELINUXTYPE) and its mode (SELINUX),
 * and /etc/selinux/<type>/contexts/files/file_contexts says which label each
 * path gets. The files libselinux reads beside it (.local, .homedirs, .subs,
 * .subs_dist) come along. Everything is read through the image's confined
 * root; the compiled file_contexts.bin is never read (libselinux compiles the
 * text, so nothing of the image's binary formats reaches a parser of ours).
 */
import type { Findings } from "../image/findings.ts";
import type { ImageRoot, Resolved } from "../image/image_root.ts";

export const SELINUX_CONFIG = "/etc/selinux/config";
/** Fedora's file_contexts is about 0.5 MiB; its .homedirs less. */
export const MAX_CONTEXTS_FILE = 8 * 1024 * 1024;
const MAX_CONFIG = 64 * 1024;

/** The files libselinux's file backend reads besides file_contexts itself. */
export const CONTEXTS_SUFFIXES = ["", ".local", ".homedirs", ".subs", ".subs_dist"] as const;

export type SelinuxMode = "enforcing" | "permissive" | "disabled";

export interface SelinuxPolicy {
  /** SELINUXTYPE, e.g. targeted (Fedora) or default (Debian). */
  type: string;
  mode: SelinuxMode;
  /** file_contexts and the files beside it that the image has, with their suffix. */
  contexts: { suffix: typeof CONTEXTS_SUFFIXES[number]; file: Resolved }[];
}

export interface ParsedConfig {
  mode?: SelinuxMode;
  type?: string;
  /** A line that is neither, to name in an error. */
  problem?: string;
}

/** /etc/selinux/config's two keys (shell-style assignments; the last one counts). */
export function parseSelinuxConfig(text: string): ParsedConfig {
  const out: ParsedConfig = {};
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = /^(SELINUX|SELINUXTYPE)\s*=\s*"?([^"\s]*)"?\s*$/.exec(line);
    if (!m) return;
    const [, key, value] = m;
    if (key === "SELINUX") {
      const mode = value.toLowerCase();
      if (mode === "enforcing" || mode === "permissive" || mode === "disabled") out.mode = mode;
      else {
        out.problem ??= `line ${i + 1}: SELINUX=${value} is not enforcing, permissive or disabled`;
      }
    } else if (/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(value)) out.type = value;
    else out.problem ??= `line ${i + 1}: SELINUXTYPE=${value} is not a policy name`;
  });
  return out;
}

/**
 * The image's policy, or undefined when it has none (no config, no type, no
 * file_contexts). Findings say what was found, or why there is no policy.
 */
export async function findPolicy(
  root: ImageRoot,
  f: Findings,
): Promise<SelinuxPolicy | undefined> {
  const item = "SELinux policy";
  const config = await root.readText(SELINUX_CONFIG, MAX_CONFIG);
  if (!config) {
    f.ok(item, SELINUX_CONFIG, "none: the image has no SELinux configuration");
    return undefined;
  }
  const parsed = parseSelinuxConfig(config.text);
  if (parsed.problem) {
    f.bad(item, SELINUX_CONFIG, parsed.problem, "write SELINUX=enforcing and SELINUXTYPE=targeted");
    return undefined;
  }
  if (!parsed.type) {
    f.ok(item, SELINUX_CONFIG, "none: no SELINUXTYPE");
    return undefined;
  }
  const base = `/etc/selinux/${parsed.type}/contexts/files/file_contexts`;
  const contexts = [];
  for (const suffix of CONTEXTS_SUFFIXES) {
    const file = await root.file(base + suffix);
    if (file) contexts.push({ suffix, file });
  }
  if (contexts[0]?.suffix !== "") {
    f.warn(
      item,
      base,
      `SELINUXTYPE=${parsed.type}, but the policy has no file_contexts: the live root cannot be labelled`,
      "install the policy package (Fedora: selinux-policy-targeted; Debian: selinux-policy-default)",
    );
    return undefined;
  }
  const big = contexts.find((c) => c.file.size > MAX_CONTEXTS_FILE);
  if (big) {
    f.bad(
      item,
      big.file.imagePath,
      `${big.file.size} bytes; at most ${MAX_CONTEXTS_FILE} are read`,
      "a policy's file contexts are well under a MiB: check what the image put there",
    );
    return undefined;
  }
  const mode = parsed.mode ?? "enforcing";
  f.ok(item, SELINUX_CONFIG, `${parsed.type}, ${mode}`);
  return { type: parsed.type, mode, contexts };
}
