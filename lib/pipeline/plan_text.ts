/** The plan as text, for `--dry-run`: files, placements and every command line. */
import * as path from "node:path";
import { mib } from "../image/findings.ts";
import { EFI_IMAGE } from "../iso/layout.ts";
import { RELABEL_UNIT } from "../selinux/live_relabel.ts";
import { printable, shellQuote } from "../terminal.ts";
import type { ToolName } from "../tools.ts";
import { commandLine, type Placement, type Plan, planSteps } from "./plan.ts";

function payloadLines(plan: Plan): string[] {
  if (!plan.payload) return [];
  return [
    `payload (${plan.payload.format}, into ${plan.payload.target} of the live root):`,
    ...plan.payload.payloads.map((p) =>
      `  ${p.name} ${p.id.slice(0, 12)} ${mib(p.size)} (${p.why})`
    ),
    ...(plan.payload.hostStore
      ? [
        `  store: ${plan.payload.hostStore.copies.length} records copied from the host's store, ${plan.payload.hostStore.binds.length} layers bound read-only into the view`,
      ]
      : []),
  ];
}

/** "N files into DIR", a line per directory. */
function copiedInto(copies: Placement[]): string[] {
  if (copies.length === 0) return ["  (none)"];
  const byDir = Map.groupBy(copies, (c) => path.dirname(c.target));
  return [...byDir].map(([dir, list]) => `  ${list.length} files into ${dir}`);
}

/** The plan as text, for `--dry-run`. */
export function formatPlan(plan: Plan, tools?: Map<ToolName, string>): string {
  const out = [
    `image:  ${plan.image}`,
    `label:  ${plan.label}`,
    `output: ${plan.output}`,
    `work:   ${plan.workDir}`,
    "",
    "files written:",
    ...plan.writes.map((w) => `  ${w.path}`),
    "files copied from the image (BIOS modules, SELinux file contexts):",
    ...copiedInto(plan.copies),
    ...(plan.selinux
      ? [
        `SELinux: the live root labelled from the image's ${plan.selinux.type} policy (${plan.selinux.mode})${
          plan.selinux.unit ? `; ${RELABEL_UNIT} relabels the overlay at boot` : ""
        }`,
      ]
      : ["SELinux: the live root is not labelled"]),
    ...payloadLines(plan),
    "ISO tree:",
    ...plan.iso.map((p) => `  ${p.target.padEnd(28)} <- ${p.source}`),
    `EFI boot image (${EFI_IMAGE.slice(1)}):`,
    ...plan.esp.map((p) => `  ${p.target.padEnd(28)} <- ${p.source}`),
  ];
  const labels = plan.stages.find((s) => s.labels)?.labels;
  if (labels) {
    out.push(
      "SELinux labels (before the live root's step):",
      ...labels.trees.map((t) => `  walk ${t.dir} as ${t.at}`),
      `  look each path up: matchpathcon -N -n -m TYPE -f ${labels.contexts} PATH...`,
      `  write mksquashfs's pseudo file ${labels.pseudo}`,
    );
  }
  out.push("steps:");
  const steps = planSteps(plan);
  steps.forEach((s, i) => {
    const env = Object.entries(s.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const line = [...env, ...commandLine(s, tools)].map(shellQuote).join(" ");
    out.push(
      `  ${i + 1}. ${s.title}`,
      `     ${s.cwd ? `(cd ${shellQuote(s.cwd)} && ${line})` : line}`,
    );
  });
  out.push(`  ${steps.length + 1}. rename ${plan.tempIso} -> ${plan.output}`);
  // One line each: a name from the image cannot start a line of its own.
  return out.map(printable).join("\n");
}

/** The plan as one JSON object (`--dry-run --progress json`). */
export function planDocument(plan: Plan, grubConfig: string) {
  const { iso, esp, stages } = plan;
  return {
    event: "plan",
    label: plan.label,
    output: plan.output,
    iso,
    esp,
    stages,
    payload: plan.payload
      ? { format: plan.payload.format, target: plan.payload.target, images: plan.payload.payloads }
      : null,
    selinux: plan.selinux ?? null,
    grub_cfg: grubConfig,
  };
}
