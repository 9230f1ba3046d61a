/** `cniso build`: convert a contract image into a hybrid BIOS+UEFI live ISO. */
import * as path from "node:path";
import { parseCompression } from "../build/compression.ts";
import { execute, progressSteps } from "../build/executor.ts";
import { inspect, type Inspection, inspectionError } from "../build/inspect.ts";
import { formatPlan, makePlan, type Plan } from "../build/plan.ts";
import { prepareOutput } from "../build/work_dir.ts";
import { withCleanup } from "../cleanup.ts";
import { InputError } from "../errors.ts";
import { ImageRoot } from "../image/image_root.ts";
import { initramfsWarning } from "../image/initramfs.ts";
import { type ImageSource, openSource } from "../image/image_source.ts";
import { makeProgress } from "../progress.ts";
import { printable, printableLines } from "../terminal.ts";
import { BUILD_TOOLS, requireTools, type ToolName } from "../tools.ts";
import {
  HELP_OPTION,
  IMAGE_OPTIONS,
  imageOrRootfs,
  inspectOptions,
  optionsHelp,
  parseOptions,
} from "./options.ts";

export const BUILD_OPTIONS = {
  output: {
    type: "string",
    short: "o",
    value: "PATH",
    help: [
      "ISO file to write; a directory gets <label>.iso",
      "(default: <label>.iso in the current directory)",
    ],
  },
  compression: {
    type: "string",
    value: "ALG",
    help: [
      "squashfs compression: zstd (default, level 3),",
      "zstd:LEVEL (1-22), gzip, gzip:LEVEL (1-9), xz, lz4",
    ],
  },
  ...IMAGE_OPTIONS,
  chown: {
    type: "string",
    value: "UID:GID",
    help: [
      "owner of the ISO (default: when run as root, the owner",
      "of the directory the ISO is written to)",
    ],
  },
  "dry-run": {
    type: "boolean",
    help: ["print the plan (files and tool commands), run nothing"],
  },
  ...HELP_OPTION,
} as const;

export const BUILD_EXIT_CODES =
  "Exit codes: 0 built, 1 tool or environment failure, 2 bad input, 130 interrupted.";

export const BUILD_HELP = `Usage: cniso build IMAGE [options]
       cniso build --rootfs DIR [options]

Turns IMAGE, a bootc-style image in local podman storage that follows the
Container-native ISO Contract, into a hybrid live ISO that boots from CD and
USB, with BIOS and UEFI (Secure Boot too). Needs root (podman image mount).

${optionsHelp(BUILD_OPTIONS)}

${BUILD_EXIT_CODES}`;

export async function build(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions("build", args, BUILD_OPTIONS);
  if (values.help) {
    console.log(BUILD_HELP);
    return 0;
  }
  const spec = imageOrRootfs("build", positionals, values.rootfs);
  const compression = parseCompression(values.compression ?? "zstd");
  const output = await outputTarget(values.output);
  const owner = parseOwner(values.chown);
  const dryRun = values["dry-run"] ?? false;
  // Look the tools up before mounting anything: a missing one is found in a second.
  const tools = dryRun ? new Map() : await requireTools(BUILD_TOOLS);

  return await withCleanup(async (cleanup, signal) => {
    const source = await openSource(spec, cleanup);
    signal.throwIfAborted();
    const ready = await inspectOrThrow(source, inspectOptions(values));
    const isoPath = output.isDirectory ? path.join(output.path, `${ready.label}.iso`) : output.path;
    const planInput = { image: source.name, rootDir: source.rootDir, ...ready, compression };
    if (dryRun) {
      const workDir = path.join(path.dirname(isoPath), ".cniso-XXXXXX");
      return printPlan(makePlan({ ...planInput, output: isoPath, workDir }), ready.grubConfig);
    }
    const out = await prepareOutput(isoPath, cleanup);
    const plan = makePlan({ ...planInput, output: isoPath, workDir: out.workDir });
    await runPlan(plan, ready, {
      tools,
      signal,
      owner: isoOwner(out.dirOwner, owner),
      place: out.place,
    });
    return 0;
  });
}

/** Judges the image; prints the warnings; stops on errors. */
async function inspectOrThrow(
  source: ImageSource,
  options: Parameters<typeof inspect>[1],
): Promise<NonNullable<Inspection["ready"]>> {
  const inspection = await inspect(new ImageRoot(source.rootDir), options);
  for (const w of inspection.warnings) console.error(`cniso: warning: ${printable(w)}`);
  if (!inspection.ready) throw inspectionError(inspection);
  return inspection.ready;
}

function printPlan(plan: Plan, grubConfig: string): number {
  console.log(printableLines(formatPlan(plan)));
  console.log("\ngrub.cfg:\n" + printableLines(grubConfig));
  return 0;
}

/** Runs the plan with progress; reports the initramfs check and the ISO's size. */
async function runPlan(
  plan: Plan,
  ready: NonNullable<Inspection["ready"]>,
  options: {
    tools: Map<ToolName, string>;
    signal: AbortSignal;
    owner?: { uid: number; gid: number };
    place: (tempIso: string, owner?: { uid: number; gid: number }) => Promise<void>;
  },
): Promise<void> {
  console.error(
    `cniso: building ${printable(plan.output)} from ${printable(plan.image)} (label ${plan.label})`,
  );
  // Looking inside the initramfs takes a second: do it while the tools run.
  const initramfsCheck = initramfsWarning(ready.contract, options.signal).catch(() => undefined);
  const size = await execute(plan, { ...options, progress: makeProgress(progressSteps(plan)) });
  const warning = await initramfsCheck;
  if (warning) console.error(`cniso: warning: ${printable(warning)}`);
  console.log(`${printable(plan.output)} (${(size / 1024 / 1024).toFixed(0)} MiB)`);
}

function parseOwner(text: string | undefined): { uid: number; gid: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+):(\d+)$/.exec(text);
  if (!m) throw new InputError(`--chown ${text}: expected UID:GID in numbers, e.g. 1000:1000`);
  return { uid: Number(m[1]), gid: Number(m[2]) };
}

/**
 * Who gets the ISO: `--chown`, or by default the owner of its directory, so a
 * build run as root (sudo, or the builder container) does not leave the user an
 * ISO they cannot delete. Undefined: leave it as it is.
 */
function isoOwner(
  dir: { uid: number; gid: number },
  owner: { uid: number; gid: number } | undefined,
): { uid: number; gid: number } | undefined {
  if (Deno.uid() !== 0) return undefined;
  if (owner) return owner;
  return dir.uid ? { uid: dir.uid, gid: dir.gid ?? 0 } : undefined;
}

/** Where the ISO goes: an existing directory, or a file whose directory exists. */
async function outputTarget(
  option: string | undefined,
): Promise<{ path: string; isDirectory: boolean }> {
  const target = path.resolve(option ?? ".");
  const info = await Deno.stat(target).catch(() => undefined);
  if (info?.isDirectory) return { path: target, isDirectory: true };
  if (info && !info.isFile) throw new InputError(`--output ${option}: not a file or directory`);
  const parent = await Deno.stat(path.dirname(target)).catch(() => undefined);
  if (!parent?.isDirectory) {
    throw new InputError(
      `--output ${option}: the directory ${path.dirname(target)} does not exist`,
      "create it first, or write the ISO elsewhere",
    );
  }
  return { path: target, isDirectory: false };
}
