/**
 * The man page's source, made from the command table (commands.ts) as pandoc
 * markdown: scripts/man.sh turns it into cniso.1 with pandoc. Pure; run as a
 * script, it prints the markdown.
 */
import denoJson from "../../deno.json" with { type: "json" };
import { ExitCode, SIGNAL_EXIT } from "../errors.ts";
import { EPOCH_RANGE } from "../pipeline/source_date.ts";
import { COMMAND_SPECS, type CommandSpec, GLOBAL_OPTIONS, helpText } from "./commands.ts";
import type { OptionTable } from "./options.ts";

/** Backslash-escapes what pandoc's markdown would read as markup (it takes any escaped punctuation literally). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}\[\]<>#+\-.!|'"~^$@&:=%]/g, (c) => `\\${c}`)
    // Pandoc's man writer ends a line (for groff, a sentence) after "e.g." and "...": keep
    // their space a plain one.
    .replace(/(\be\\\.g|\bi\\\.e|\\\.\\\.)\\\. /g, "$1\\.\\ ");
}

/** A synopsis as markup: options bold, placeholders (IMAGE, DIR, options) italic. */
export function synopsisMarkdown(words: string): string {
  return words.split(" ").map((word) => {
    const optional = /^\[(.*)\]$/.exec(word);
    if (optional) return `\\[${synopsisMarkdown(optional[1])}\\]`;
    if (word.startsWith("-")) return `**${escapeMarkdown(word)}**`;
    return `*${escapeMarkdown(word)}*`;
  }).join(" ");
}

/** Plain text as markdown: paragraphs, and lines indented by two spaces kept as they are. */
export function textMarkdown(text: string): string {
  const blocks: string[] = [];
  let lines: string[] = [];
  let verbatim = false;
  const flush = () => {
    if (lines.length === 0) return;
    blocks.push(
      verbatim ? ["```", ...lines, "```"].join("\n") : lines.map(escapeMarkdown).join("\n"),
    );
    lines = [];
  };
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      flush();
      continue;
    }
    const indented = line.startsWith("  ");
    if (indented !== verbatim) flush();
    verbatim = indented;
    lines.push(indented ? line.slice(2) : line);
  }
  flush();
  return blocks.join("\n\n");
}

/** An option table as a definition list: each option with its value, and its help as a sentence. */
export function optionsMarkdown(table: OptionTable): string {
  return Object.entries(table).map(([name, spec]) => {
    const names = [
      ...(spec.short ? [`**${escapeMarkdown(`-${spec.short}`)}**`] : []),
      `**${escapeMarkdown(`--${name}`)}**`,
    ].join(", ");
    const value = spec.value ? ` *${escapeMarkdown(spec.value)}*` : "";
    const help = helpText(spec.help);
    return `${names}${value}\n:   ${escapeMarkdown(help.endsWith(".") ? help : `${help}.`)}`;
  }).join("\n\n");
}

const usage = (spec: CommandSpec) =>
  spec.synopsis.map((s) => `| **cniso ${escapeMarkdown(spec.name)}** ${synopsisMarkdown(s)}`);

function commandMarkdown(spec: CommandSpec): string {
  return [
    `## ${escapeMarkdown(spec.name)}`,
    usage(spec).join("\n"),
    textMarkdown(spec.description),
    optionsMarkdown(spec.options),
    ...(spec.notes ? [textMarkdown(spec.notes)] : []),
    textMarkdown(spec.exitCodes),
  ].join("\n\n");
}

const DESCRIPTION =
  `**cniso** turns a bootc-style container image that follows the Container\\-native
ISO Contract into a hybrid live ISO that boots from CD and USB, with BIOS and UEFI (Secure
Boot too). It checks images against the contract, and boots ISOs in QEMU to test them. Each
command takes its own options, listed under COMMANDS; **cniso** *COMMAND* **\\-\\-help** prints
them too.`;

const EXIT_STATUS = `**${ExitCode.ok}**
:   Success: what each command means by it is under COMMANDS.

**${ExitCode.failure}**
:   A tool failed, or the environment is unfit (a missing tool, a full disk).

**${ExitCode.badInput}**
:   Bad input: an unknown image, a contract violation, a bad iso.yaml, an unknown option or a bad
    value.

**${Object.values(SIGNAL_EXIT).join("**, **")}**
:   Interrupted by ${Object.keys(SIGNAL_EXIT).join(", ")} (128 and the signal's number); a build
    leaves no ISO and no temporary files behind.`;

const ENVIRONMENT = `**SOURCE\\_DATE\\_EPOCH**
:   The one time on the ISO (**build**): every timestamp, volume date, serial and GUID the tools
    write comes from it, so two builds of the same image give the same ISO, bit for bit. Seconds
    since 1970, from ${EPOCH_RANGE[0]} (1980) to ${EPOCH_RANGE[1]} (2106); any other value is bad
    input. Unset or empty: the image's creation time, or for a **\\-\\-rootfs** tree the current
    time.

**TMPDIR**
:   Where temporary files and directories go (default: /tmp). A build's own work directory goes
    beside the ISO.

**PATH**
:   Where cniso finds the tools it runs (podman, mksquashfs, mkfs.erofs, xorriso, GRUB's tools,
    qemu\\-system\\-x86\\_64); relative entries are passed over. A missing tool is named with the
    Debian package that has it.`;

const SEE_ALSO = `**podman**(1), **mksquashfs**(1), **mkfs.erofs**(1), **xorriso**(1),
**qemu\\-system\\-x86\\_64**(1)

In cniso's source: README.md, and docs/ for the Container\\-native ISO Contract (contract.md),
the builder image (builder\\-image.md), building without root (without\\-root.md) and
reproducible ISOs (reproducible.md).`;

/** The whole page as pandoc markdown, from the command table. */
export function manPage(specs: readonly CommandSpec[] = COMMAND_SPECS): string {
  const synopsis = [
    "| **cniso** *COMMAND* \\[*options*\\]",
    ...specs.flatMap(usage),
    "| **cniso** **\\-\\-help** \\| **\\-\\-version**",
  ];
  return `---
title: CNISO
section: 1
hyphenate: false
header: User Commands
footer: cniso ${denoJson.version}
---

\`\`\`{=man}
.\\" Made from lib/cli/commands.ts by scripts/man.sh (deno task man): do not edit.
\`\`\`

# NAME

cniso \\- the Container\\-native ISO builder: bootable live ISOs from bootc container images

# SYNOPSIS

${synopsis.join("\n")}

# DESCRIPTION

${DESCRIPTION}

# OPTIONS

${optionsMarkdown(GLOBAL_OPTIONS)}

# COMMANDS

${specs.map(commandMarkdown).join("\n\n")}

# EXIT STATUS

${EXIT_STATUS}

# ENVIRONMENT

${ENVIRONMENT}

# SEE ALSO

${SEE_ALSO}
`;
}

if (import.meta.main) console.log(manPage().trimEnd());
