/**
 * `cniso build`: convert a contract image into a hybrid BIOS+UEFI live ISO.
 * Read as its steps: settings, tools, the image judged, its additions
 * (SELinux, payloads), the plan, then the plan printed or carried out.
 */
import * as path from "node:path";
import { type Cleanup, withCleanup } from "../cleanup.ts";
import { asCnisoError } from "../errors.ts";
import { type ImageSource, openSource } from "../image/image_source.ts";
import { isHostRoot, needsUserNamespace } from "../image/user_namespace.ts";
import { payloadInput } from "../pipeline/payload_input.ts";
import { checkWorkPath } from "../payload/payload_plan.ts";
import { whiteoutFindings } from "../payload/payloads.ts";
import { lookUpTools } from "../pipeline/build_tools.ts";
import { type Inspection, inspectionError } from "../pipeline/inspect.ts";
import { readyOrThrow } from "../pipeline/judge_image.ts";
import { makePlan, type PlanInput } from "../pipeline/plan.ts";
import { formatPlan, planDocument } from "../pipeline/plan_text.ts";
import { buildNotes, runPlan } from "../pipeline/run_build.ts";
import { sourceDate } from "../pipeline/source_date.ts";
import { isoOwner, prepareOutput } from "../pipeline/work_dir.ts";
import {
  makeProgress,
  type Progress,
  PROGRESS_MODES,
  type ProgressModeOption,
  resolveMode,
} from "../progress.ts";
import { labelCapability } from "../selinux/label_tools.ts";
import { jsonText, printableLines } from "../terminal.ts";
import { buildTools, requireTools, type ToolName } from "../tools.ts";
import { type BuildSettings, buildSettings, type BuildValues } from "./build_settings.ts";
import { BUILD, BUILD_OPTIONS, commandHelp } from "./commands.ts";
import { inspectOptions, parseOptions } from "./options.ts";
import { runInUserNamespace } from "./user_namespace_run.ts";

export async function build(args: string[]): Promise<number> {
  // Known before anything can fail, so that --progress json reports every error as JSON.
  const progress = makeProgress(resolveMode(progressOption(args)));
  try {
    return await buildWith(args, progress);
  } catch (e) {
    progress.error(asCnisoError(e));
    throw e;
  }
}

/** --progress's value, read from the raw arguments (an unknown one is found by the parser). */
function progressOption(args: string[]): ProgressModeOption {
  const i = args.findLastIndex((a) => a === "--progress" || a.startsWith("--progress="));
  const value = i < 0 ? "auto" : args[i].includes("=") ? args[i].split("=")[1] : args[i + 1];
  return (PROGRESS_MODES as readonly string[]).includes(value)
    ? value as ProgressModeOption
    : "auto";
}

async function buildWith(args: string[], progress: Progress): Promise<number> {
  const { values, positionals } = parseOptions("build", args, BUILD_OPTIONS);
  if (values.help) {
    console.log(commandHelp(BUILD));
    return 0;
  }
  const settings = await buildSettings(values, positionals);
  // A plain user's image is mounted in podman's user namespace: cniso runs again there.
  if (needsUserNamespace(settings.spec)) {
    const { output } = settings;
    const dir = output.isDirectory ? output.path : path.dirname(output.path);
    return runInUserNamespace(["build", ...args], dir);
  }
  const tools = await lookUpTools(settings);
  return await withCleanup(async (cleanup, signal) => {
    const job = { settings, values, tools, cleanup, signal, progress };
    const { source, ready, dropHostLabels } = await judge(job);
    await requireLabelTools(job, ready);
    await checkRelabelView(job, ready, source);
    const payload = await payloads(job, source);
    const planned = planInput(settings, source, ready, payload, dropHostLabels);
    const isoPath = settings.output.isDirectory
      ? path.join(settings.output.path, `${ready.label}.iso`)
      : settings.output.path;
    if (settings.dryRun) return dryRun(planned, isoPath, ready, progress);
    return await carryOut(job, planned, isoPath, source);
  });
}

/** What one build carries from step to step. */
interface Job {
  settings: BuildSettings;
  values: BuildValues;
  tools: Map<ToolName, string>;
  cleanup: Cleanup;
  signal: AbortSignal;
  progress: Progress;
}

type Ready = NonNullable<Inspection["ready"]>;

/** The image opened and judged: warnings reported, errors stop the build (exit 2). */
async function judge({ settings, values, cleanup, signal, progress }: Job) {
  // Asks the tools (mksquashfs -version, unshare): a signal meanwhile ends the build as any other.
  const labels = await labelCapability(settings.rootfs, signal);
  const source = await openSource(settings.spec, cleanup);
  signal.throwIfAborted();
  const options = {
    ...inspectOptions(values),
    cannotLabel: labels.cannot,
    canMount: labels.canMount,
  };
  const ready = await readyOrThrow(source, options, progress, signal);
  return { source, ready, dropHostLabels: labels.dropHostLabels };
}

/** A labelled live root needs the SELinux tools. */
async function requireLabelTools({ settings, tools }: Job, ready: Ready) {
  if (!ready.selinux.labelled || settings.dryRun) return;
  for (const [k, v] of await requireTools(buildTools(settings.rootfs, false, true))) {
    tools.set(k, v);
  }
}

/** The relabel unit puts a tree's live root behind an overlay view: its whiteouts would vanish. */
async function checkRelabelView({ settings }: Job, ready: Ready, source: ImageSource) {
  if (!ready.selinux.restorecon || settings.spec.rootfs === undefined || settings.payload) return;
  const found = await whiteoutFindings(source.rootDir, "SELinux relabel unit");
  if (found.length) throw inspectionError({ findings: found, warnings: [] });
}

/** The payloads, judged; skopeo when they cannot be read in place. */
async function payloads({ settings, tools, cleanup, progress }: Job, source: ImageSource) {
  if (!settings.payload) return undefined;
  const isTree = settings.spec.rootfs !== undefined;
  const payload = await payloadInput(settings.payload, source, isTree, cleanup, progress);
  if (!payload.hostStore && !settings.dryRun) {
    tools.set("skopeo", (await requireTools(["skopeo"])).get("skopeo")!);
  }
  return payload;
}

/** Everything the plan is made from but its output and work directory. */
function planInput(
  settings: BuildSettings,
  source: ImageSource,
  ready: Ready,
  payload: PlanInput["payload"],
  dropHostLabels: boolean,
) {
  const date = sourceDate(settings.epoch, source.created, Date.now());
  const input = {
    image: source.name,
    rootDir: source.rootDir,
    ...ready,
    compression: settings.compression,
    excludes: settings.excludes,
    epoch: date.epoch,
    rootfsType: settings.rootfs,
    payload,
    selinux: ready.selinux.labelled
      ? { policy: ready.selinux.policy!, restorecon: ready.selinux.restorecon }
      : undefined,
    dropHostLabels,
    // xorriso ignores a non-root uid's capabilities (plan.ts)
    copyKernels: Deno.uid() !== 0,
  };
  return { input, notes: buildNotes(ready, date) };
}

type Planned = ReturnType<typeof planInput>;

/** `--dry-run`: the plan printed (as text, or one JSON object), nothing run. */
function dryRun({ input, notes }: Planned, isoPath: string, ready: Ready, progress: Progress) {
  for (const note of notes) progress.note(note);
  const workDir = path.join(path.dirname(isoPath), ".cniso-XXXXXX");
  const plan = makePlan({ ...input, output: isoPath, workDir });
  if (progress.mode === "json") {
    console.log(jsonText(planDocument(plan, ready.grubConfig)));
  } else {
    console.log(printableLines(formatPlan(plan)));
    console.log("\ngrub.cfg:\n" + printableLines(ready.grubConfig));
  }
  return 0;
}

/** The work directory made, the plan carried out, the ISO put in place. */
async function carryOut(job: Job, planned: Planned, isoPath: string, source: ImageSource) {
  const { settings, cleanup, progress } = job;
  const out = await prepareOutput(isoPath, cleanup, (line) => progress.note(line));
  if (planned.input.payload) checkWorkPath(out.workDir);
  const plan = makePlan({ ...planned.input, output: isoPath, workDir: out.workDir });
  await runPlan(plan, {
    notes: planned.notes,
    tools: job.tools,
    signal: job.signal,
    progress,
    owner: isoOwner(out.dirOwner, settings.owner, await isHostRoot()),
    place: out.place,
    imageBytes: source.size,
  });
  return 0;
}
