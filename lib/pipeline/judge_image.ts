/**
 * One discovery of an image, as `check` and `build` make it: the contract,
 * iso.yaml and the menu (inspect.ts), then the boot prediction
 * (boot_prediction.ts), all within one budget. A bootable image takes a few
 * seconds; one whose layout holds far more than any (thousands of EFI
 * package versions, kernels, links) is bad input, not a long wait.
 */
import { InputError } from "../errors.ts";
import { ImageRoot } from "../image/image_root.ts";
import { predictBoot } from "./boot_prediction.ts";
import type { ImageSource } from "../image/image_source.ts";
import type { Progress } from "../progress.ts";
import { inspect, type Inspection, inspectionError, type InspectOptions } from "./inspect.ts";

/** The whole discovery's budget, probes included. */
export const DISCOVERY_SECS = 40;

export async function judgeImage(
  source: ImageSource,
  options: InspectOptions,
  signal: AbortSignal,
): Promise<Inspection> {
  const rootDir = source.rootDir;
  // The image's config names its architecture; a --rootfs tree has none (its kernel's header says).
  options = { ...options, configArch: options.configArch ?? source.architecture };
  const budget = AbortSignal.timeout(DISCOVERY_SECS * 1000);
  const bounded = AbortSignal.any([signal, budget]);
  const root = new ImageRoot(rootDir, bounded);
  try {
    const inspection = await inspect(root, options, bounded);
    if (inspection.ready) {
      inspection.findings.push(
        ...await predictBoot(root, inspection.ready.contract, {
          rootfsType: options.rootfsType ?? "squashfs",
          acceptInitramfs: options.acceptInitramfs,
        }, bounded),
      );
    }
    if (budget.aborted && !signal.aborted) throw overBudget();
    return inspection;
  } catch (e) {
    if (budget.aborted && !signal.aborted) throw overBudget();
    throw e;
  }
}

function overBudget(): InputError {
  return new InputError(
    `reading the image took over ${DISCOVERY_SECS} s: its layout holds far more than a ` +
      `bootable image's (kernels, EFI packages and versions, initramfs contents, or links)`,
    "look at what the image has in /usr/lib/modules, /usr/lib/efi, /usr/lib/bootupd and " +
      "/boot/efi: cniso reads these to find the boot pieces",
  );
}

/** `build`'s judgement: reports the warnings; stops on errors (exit 2). */
export async function readyOrThrow(
  source: ImageSource,
  options: InspectOptions,
  progress: Progress,
  signal: AbortSignal,
): Promise<NonNullable<Inspection["ready"]>> {
  // Before anything heavy: an initramfs that cannot boot the ISO stops the build (exit 2).
  const inspection = await judgeImage(source, options, signal);
  if (inspection.findings.some((f) => f.severity === "error")) inspection.ready = undefined;
  for (const f of inspection.findings.filter((f) => f.severity === "warning")) {
    progress.warning(`${f.where}: ${f.detail}`);
  }
  for (const w of inspection.warnings) progress.warning(w);
  if (!inspection.ready) throw inspectionError(inspection);
  return inspection.ready;
}
