/** `cniso build`: convert a contract image into a hybrid BIOS+UEFI live ISO. */
import * as path from "node:path";
import { withCleanup } from "../cleanup.ts";
import { InputError } from "../errors.ts";
import { execute, progressSteps } from "../executor.ts";
import { ImageRoot } from "../image_root.ts";
import { initramfsWarning, inspect, inspectionError } from "../inspect.ts";
import { openSource } from "../image_source.ts";
import { formatPlan, makePlan, parseCompression } from "../plan.ts";
import { makeProgress } from "../progress.ts";
import { BUILD_TOOLS, requireTools } from "../tools.ts";
import { parseOptions } from "./options.ts";

export const BUILD_HELP = `Usage: cniso build IMAGE [options]
       cniso build --rootfs DIR [options]

Turns IMAGE, a bootc-style image in local podman storage that follows the
Container-native ISO Contract, into a hybrid live ISO that boots from CD and
USB, with BIOS and UEFI (Secure Boot too). Needs root (podman image mount).

Options:
  -o, --output PATH         ISO file to write; a directory gets <label>.iso
                            (default: <label>.iso in the current directory)
      --compression ALG     squashfs compression: zstd (default, level 3),
                            zstd:LEVEL (1-22), gzip, gzip:LEVEL (1-9), xz, lz4
      --rootfs DIR          build from this directory instead of an image
      --kernel VERSION      pick this kernel when the image has several
      --vendor NAME         pick this EFI vendor directory when there are several
      --no-bios             UEFI-only ISO (no GRUB i386-pc modules needed)
      --allow-label-mismatch
                            only warn when an entry's root=live:CDLABEL= is not
                            the ISO label (such an entry cannot boot)
      --chown UID:GID       owner of the ISO (default: when run as root, the owner
                            of the directory the ISO is written to)
      --dry-run             print the plan (files and tool commands), run nothing
  -h, --help                show this help

Exit codes: 0 built, 1 tool or environment failure, 2 bad input, 130 interrupted.`;

const OPTIONS = {
  output: { type: "string", short: "o" },
  compression: { type: "string" },
  rootfs: { type: "string" },
  kernel: { type: "string" },
  vendor: { type: "string" },
  "no-bios": { type: "boolean" },
  "allow-label-mismatch": { type: "boolean" },
  "dry-run": { type: "boolean" },
  chown: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export async function build(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions("build", args, OPTIONS);
  if (values.help) {
    console.log(BUILD_HELP);
    return 0;
  }
  const image = positionals[0];
  if (positionals.length > 1) {
    throw new InputError(`build takes one image, got: ${positionals.join(" ")}`);
  }
  if (!image && values.rootfs === undefined) {
    throw new InputError("build needs an IMAGE (or --rootfs DIR)", "see: cniso build --help");
  }
  if (image && values.rootfs !== undefined) {
    throw new InputError("give either an IMAGE or --rootfs DIR, not both");
  }
  const compression = parseCompression(values.compression ?? "zstd");
  const output = await outputTarget(values.output);
  const owner = parseOwner(values.chown);
  const dryRun = values["dry-run"] ?? false;
  // Look the tools up before mounting anything: a missing one is found in a second.
  const tools = dryRun ? new Map() : await requireTools(BUILD_TOOLS);

  return await withCleanup(async (cleanup, signal) => {
    const source = await openSource({ image, rootfs: values.rootfs }, cleanup);
    signal.throwIfAborted();
    const inspection = await inspect(new ImageRoot(source.rootDir), {
      kernelVersion: values.kernel,
      vendor: values.vendor,
      noBios: values["no-bios"],
      allowLabelMismatch: values["allow-label-mismatch"],
    });
    for (const w of inspection.warnings) console.error(`cniso: warning: ${w}`);
    if (!inspection.ready) throw inspectionError(inspection);
    const { contract, label, grubConfig } = inspection.ready;

    const isoPath = output.isDirectory ? path.join(output.path, `${label}.iso`) : output.path;
    const workDir = dryRun
      ? path.join(path.dirname(isoPath), ".cniso-XXXXXX")
      : await Deno.makeTempDir({ dir: path.dirname(isoPath), prefix: ".cniso-" });
    if (!dryRun) {
      cleanup.defer("remove the work directory", () => Deno.remove(workDir, { recursive: true }));
    }

    const plan = makePlan({
      image: source.name,
      rootDir: source.rootDir,
      contract,
      label,
      grubConfig,
      output: isoPath,
      workDir,
      compression,
    });
    if (dryRun) {
      console.log(formatPlan(plan));
      console.log("\ngrub.cfg:\n" + grubConfig);
      return 0;
    }
    console.error(`cniso: building ${isoPath} from ${source.name} (label ${label})`);
    // Looking inside the initramfs takes a second: do it while the tools run.
    const initramfsCheck = initramfsWarning(contract).catch(() => undefined);
    await execute(plan, {
      tools,
      signal,
      progress: makeProgress(progressSteps(plan)),
      owner: await isoOwner(isoPath, owner),
    });
    const warning = await initramfsCheck;
    if (warning) console.error(`cniso: warning: ${warning}`);
    const size = (await Deno.stat(isoPath)).size;
    console.log(`${isoPath} (${(size / 1024 / 1024).toFixed(0)} MiB)`);
    return 0;
  });
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
async function isoOwner(
  iso: string,
  owner: { uid: number; gid: number } | undefined,
): Promise<{ uid: number; gid: number } | undefined> {
  if (Deno.uid() !== 0) return undefined;
  if (owner) return owner;
  const dir = await Deno.stat(path.dirname(iso));
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
