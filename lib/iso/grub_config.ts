/**
 * Renders the GRUB configuration. Every piece of text that came from the image
 * (names, arguments, the label) is written as a single-quoted GRUB word, so it
 * can never add a command or a menu entry: inside single quotes GRUB treats
 * `$ ; { } \ "` literally, and a quote itself is written '\''.
 */
import { GRUB_CONFIGS } from "./layout.ts";
import type { Menu } from "./menu.ts";

/** Quotes one word for GRUB's script language. */
export function grubQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

const SERIAL_TERMINAL = [
  "# The menu on the screen and on the first serial port, for headless machines.",
  "serial --unit=0 --speed=115200",
  "terminal_input console serial",
  "terminal_output console serial",
  "",
];

/** arm64 has no com0: the firmware's console is the serial one on servers and VMs (SPCR). */
const FIRMWARE_CONSOLE = [
  "# The menu on the firmware's console, which is the serial one on headless machines.",
  "",
];

export interface GrubConfigInput {
  menu: Menu;
  label: string;
  /** Where the menu came from, for the header comment (e.g. the iso.yaml path). */
  source: string;
  /** GRUB drives the PC serial port (com0) too (default); not on arm64 (layout.ts comPort). */
  serial?: boolean;
}

export function renderGrubConfig(
  { menu, label, source, serial = true }: GrubConfigInput,
): string {
  const lines = [
    `# GRUB configuration written by cniso from ${oneLine(source)}.`,
    `# The same file is at ${GRUB_CONFIGS.efi}, ${GRUB_CONFIGS.grub2} and ${GRUB_CONFIGS.grub}.`,
    `set default=${menu.defaultIndex}`,
    `set timeout=${menu.timeout}`,
    "",
    ...(serial ? SERIAL_TERMINAL : FIRMWARE_CONSOLE),
    "# Boot files are on the medium that carries this label.",
    `search --no-floppy --set=root --label ${grubQuote(label)}`,
    "",
  ];
  menu.entries.forEach((entry, i) => {
    lines.push(
      `menuentry ${grubQuote(entry.name)} --id ${grubQuote(`cniso-${i}`)} {`,
      `\tlinux ${[entry.kernel, ...entry.args].map(grubQuote).join(" ")}`,
      `\tinitrd ${grubQuote(entry.initrd)}`,
      "}",
    );
  });
  return lines.join("\n") + "\n";
}

// A comment ends at a newline; keep it on one line.
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}
