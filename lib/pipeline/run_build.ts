/**
 * A build's run with its reports: what the build decided that the user did
 * not say, the plan carried out with progress, then the ISO, a medium it may
 * not fit, and the payload's share.
 */
import { ARCH_LAYOUTS } from "../iso/layout.ts";
import { judgeMedium } from "./boot_prediction.ts";
import { execute, progressSteps } from "./executor.ts";
import type { Inspection } from "./inspect.ts";
import type { Plan } from "./plan.ts";
import type { SourceDate } from "./source_date.ts";
import { mib } from "../image/findings.ts";
import { payloadShare } from "../payload/payload_plan.ts";
import type { Progress } from "../progress.ts";
import { printable } from "../terminal.ts";
import type { ToolName } from "../tools.ts";

/** Runs the plan with progress; reports the ISO (and a medium it may not fit). */
export async function runPlan(
  plan: Plan,
  options: {
    notes: string[];
    tools: Map<ToolName, string>;
    signal: AbortSignal;
    progress: Progress;
    owner?: { uid: number; gid: number };
    place: (tempIso: string, owner?: { uid: number; gid: number }) => Promise<void>;
    /** The image's unpacked size, for the payload's share. */
    imageBytes?: number;
  },
): Promise<void> {
  const { progress } = options;
  progress.note(`building ${plan.output} from ${plan.image} (label ${plan.label})`);
  for (const note of options.notes) progress.note(note);
  progress.total = progressSteps(plan);
  const bytes = await execute(plan, options);
  const medium = judgeMedium(bytes, false);
  if (medium.severity === "warning") progress.warning(`${medium.detail}; ${medium.hint}`);
  if (plan.payload) progress.note(payloadSummary(plan.payload, bytes, options.imageBytes));
  progress.result({ iso: plan.output, bytes, label: plan.label });
}

/**
 * The payload's line in the summary: how much it is, and its share of the ISO
 * estimated by unpacked sizes (mksquashfs cannot say which bytes are whose; it
 * stores a file the image also holds once, so a payload that shares files with
 * the image takes less).
 */
function payloadSummary(
  payload: NonNullable<Plan["payload"]>,
  isoBytes: number,
  imageBytes: number | undefined,
): string {
  const n = payload.payloads.length;
  const bytes = payload.payloads.reduce((sum, p) => sum + p.size, 0);
  const share = imageBytes ? payloadShare(bytes, imageBytes) : undefined;
  return `payload: ${n} image${n > 1 ? "s" : ""}, ${mib(bytes)} unpacked, in ${payload.target}` +
    (share === undefined
      ? ""
      : `; roughly ${Math.round(share * 100)} % of the ISO (${mib(share * isoBytes)} of ${
        mib(isoBytes)
      }, by unpacked sizes; less where its files are the image's own)`);
}

/** What the build decided that the user did not say: the default kernel, the time on the ISO. */
export function buildNotes(ready: NonNullable<Inspection["ready"]>, date: SourceDate): string[] {
  const { contract } = ready;
  const others = contract.otherKernels.map((k) => k.version);
  return [
    printable(
      `kernel ${contract.kernelVersion}: ${contract.kernelReason}` +
        (others.length ? `; also on the ISO: ${others.join(", ")}` : ""),
    ),
    ...contract.efiNotes.map(printable),
    // Said where it differs from an x86_64 ISO: what the ISO can boot.
    ...(ARCH_LAYOUTS[contract.arch].bios ? [] : [
      `architecture ${contract.arch}: a UEFI-only ISO (${contract.arch} machines have no BIOS)`,
    ]),
    `timestamps: ${date.from} (SOURCE_DATE_EPOCH=${date.epoch}, ${
      new Date(date.epoch * 1000).toISOString()
    })`,
  ];
}
