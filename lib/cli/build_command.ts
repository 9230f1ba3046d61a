/** `cniso build`: convert a contract image into a hybrid BIOS+UEFI live ISO. */
import * as path from "node:path";
import { parseCompression } from "../pipeline/compression.ts";
import {
  checkErofsCompression,
  EROFS_DEFAULT_COMPRESSION,
  erofsCompressors,
} from "../pipeline/erofs.ts";
import { parseExcludes } from "../pipeline/exclude.ts";
import { execute, progressSteps } from "../pipeline/executor.ts";
import { type Inspection, inspectionError, type InspectOptions } from "../pipeline/inspect.ts";
import { makePlan, type Plan } from "../pipeline/plan.ts";
import { formatPlan } from "../pipeline/plan_text.ts";
import { type SourceDate, sourceDate } from "../pipeline/source_date.ts";
import { prepareOutput } from "../pipeline/work_dir.ts";
import { type Cleanup, withCleanup } from "../cleanup.ts";
import { checkWorkPath, type PayloadInput, payloadShare } from "../payload/payload_plan.ts";
import { hostStoreFor } from "../payload/host_store.ts";
import { mountImage, unmountImage } from "../image/podman.ts";
import { judgePayloads, type PayloadRequest, whiteoutFindings } from "../payload/payloads.ts";
import { mib } from "../image/findings.ts";
import { asCnisoError, InputError } from "../errors.ts";
import { judgeMedium } from "../pipeline/boot_prediction.ts";
import { judgeImage } from "../pipeline/judge_image.ts";
import { type ImageSource, openSource } from "../image/image_source.ts";
import { isHostRoot, needsUserNamespace } from "../image/user_namespace.ts";
import { runInUserNamespace } from "./user_namespace_run.ts";
import {
  makeProgress,
  type Progress,
  PROGRESS_MODES,
  type ProgressModeOption,
  resolveMode,
} from "../progress.ts";
import { jsonText, printable, printableLines } from "../terminal.ts";
import { buildTools, findTool, requireTools, type ToolName } from "../tools.ts";
import { run } from "../run.ts";
import { labelCapability } from "../selinux/label_tools.ts";
import {
  imageOrRootfs,
  inspectOptions,
  oneOf,
  parseOptions,
  payloadRequest,
  rootfsType,
} from "./options.ts";
import { BUILD, BUILD_OPTIONS, commandHelp } from "./commands.ts";

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
    const output = settings.output;
    return runInUserNamespace(
      ["build", ...args],
      output.isDirectory ? output.path : path.dirname(output.path),
    );
  }
  const { rootfs, compression, dryRun, payload } = settings;
  const tools = await lookUpTools(settings);
  return await withCleanup(async (cleanup, signal) => {
    // Asks the tools (mksquashfs -version, unshare): a signal meanwhile ends the build as any other.
    const labels = await labelCapability(rootfs, signal);
    const source = await openSource(settings.spec, cleanup);
    signal.throwIfAborted();
    const ready = await inspectOrThrow(
      source,
      { ...inspectOptions(values), cannotLabel: labels.cannot, canMount: labels.canMount },
      progress,
      signal,
    );
    if (ready.selinux.labelled && !dryRun) {
      for (const [k, v] of await requireTools(buildTools(rootfs, false, true))) tools.set(k, v);
    }
    // The relabel unit puts the live root behind an overlay view: a tree's whiteouts would vanish.
    if (ready.selinux.restorecon && settings.spec.rootfs !== undefined && !payload) {
      const found = await whiteoutFindings(source.rootDir, "SELinux relabel unit");
      if (found.length) throw inspectionError({ findings: found, warnings: [] });
    }
    const payloads = payload &&
      await payloadsOrThrow(payload, source, settings.spec.rootfs !== undefined, cleanup, progress);
    if (payloads && !payloads.hostStore && !dryRun) {
      tools.set("skopeo", (await requireTools(["skopeo"])).get("skopeo")!);
    }
    const date = sourceDate(settings.epochVariable, source.created, Date.now());
    const output = settings.output;
    const isoPath = output.isDirectory ? path.join(output.path, `${ready.label}.iso`) : output.path;
    const planInput = {
      image: source.name,
      rootDir: source.rootDir,
      ...ready,
      compression,
      excludes: settings.excludes,
      epoch: date.epoch,
      rootfsType: rootfs,
      payload: payloads,
      selinux: ready.selinux.labelled
        ? { policy: ready.selinux.policy!, restorecon: ready.selinux.restorecon }
        : undefined,
      dropHostLabels: labels.dropHostLabels,
      copyKernels: Deno.uid() !== 0, // xorriso ignores a non-root uid's capabilities (plan.ts)
    };
    const notes = buildNotes(ready, date);
    if (dryRun) {
      for (const note of notes) progress.note(note);
      const workDir = path.join(path.dirname(isoPath), ".cniso-XXXXXX");
      return printPlan(makePlan({ ...planInput, output: isoPath, workDir }), ready, progress);
    }
    const out = await prepareOutput(isoPath, cleanup, (line) => progress.note(line));
    if (payloads) checkWorkPath(out.workDir);
    const plan = makePlan({ ...planInput, output: isoPath, workDir: out.workDir });
    await runPlan(plan, {
      notes,
      tools,
      signal,
      progress,
      owner: isoOwner(out.dirOwner, settings.owner, await isHostRoot()),
      place: out.place,
      imageBytes: source.size,
    });
    return 0;
  });
}

/** The build's tools, looked up before anything is mounted: a missing one is found in a second. */
async function lookUpTools(settings: Awaited<ReturnType<typeof buildSettings>>) {
  const { rootfs, compression, dryRun, payload } = settings;
  if (dryRun) return new Map<ToolName, string>();
  const tools = await requireTools(buildTools(rootfs, payload !== undefined));
  // A terminal for mksquashfs's progress bar, where util-linux's script is there.
  const script = await findTool("script");
  if (script) tools.set("script", script);
  if (rootfs === "erofs") {
    checkErofsCompression(compression, await installedErofsCompressors(tools.get("mkfs.erofs")!));
  }
  return tools;
}

/** Every option judged before anything is mounted: bad input costs a second. */
async function buildSettings(
  values: ReturnType<typeof parseOptions<typeof BUILD_OPTIONS>>["values"],
  positionals: string[],
) {
  oneOf("progress", values.progress, PROGRESS_MODES, "auto");
  const spec = imageOrRootfs("build", positionals, values.rootfs);
  const rootfs = rootfsType(values["rootfs-type"]);
  const compression = parseCompression(
    values.compression ?? (rootfs === "erofs" ? EROFS_DEFAULT_COMPRESSION : "zstd"),
  );
  const excludes = parseExcludes(values.exclude ?? []);
  // A SOURCE_DATE_EPOCH the tools cannot take is found before anything is mounted.
  const epochVariable = Deno.env.get("SOURCE_DATE_EPOCH");
  sourceDate(epochVariable, undefined, Date.now());
  return {
    spec,
    rootfs,
    compression,
    excludes,
    epochVariable,
    payload: payloadRequest(values),
    output: await outputTarget(values.output),
    owner: await ownerOption(values.chown),
    dryRun: values["dry-run"] ?? false,
  };
}

/** Finds the payloads and checks the image has room for them; reports warnings; stops on errors. */
async function payloadsOrThrow(
  request: PayloadRequest,
  source: ImageSource,
  isTree: boolean,
  cleanup: Cleanup,
  progress: Progress,
): Promise<PayloadInput> {
  const podman = (await requireTools(["podman"])).get("podman")!;
  const found = await judgePayloads(podman, request, { rootDir: source.rootDir, isTree }, cleanup);
  const findings = found.findings;
  for (const f of findings.filter((f) => f.severity === "warning")) {
    progress.warning(`${f.where}: ${f.detail}`);
  }
  if (findings.some((f) => f.severity === "error")) {
    throw inspectionError({ findings, warnings: [] });
  }
  const input = { payloads: found.payloads, format: request.format };
  if (request.format !== "containers-storage") return input;
  const host = await hostStoreFor(podman, found.payloads);
  if (host.reason) progress.note(`payload: copied by skopeo (${host.reason})`);
  // Mounted, an image cannot be removed from the host while its layers are read in place.
  if (host.store) {
    for (const p of found.payloads) {
      await mountImage(podman, p.id);
      cleanup.defer(`unmount ${p.name}`, () => unmountImage(podman, p.id));
    }
  }
  return { ...input, hostStore: host.store };
}

/** Judges the image; reports the warnings; stops on errors. */
async function inspectOrThrow(
  source: ImageSource,
  options: InspectOptions,
  progress: Progress,
  signal: AbortSignal,
): Promise<NonNullable<Inspection["ready"]>> {
  // Before anything heavy: an initramfs that cannot boot the ISO stops the build (exit 2).
  const inspection = await judgeImage(source.rootDir, options, signal);
  if (inspection.findings.some((f) => f.severity === "error")) inspection.ready = undefined;
  for (const f of inspection.findings.filter((f) => f.severity === "warning")) {
    progress.warning(`${f.where}: ${f.detail}`);
  }
  for (const w of inspection.warnings) progress.warning(w);
  if (!inspection.ready) throw inspectionError(inspection);
  return inspection.ready;
}

function printPlan(
  plan: Plan,
  ready: NonNullable<Inspection["ready"]>,
  progress: Progress,
): number {
  if (progress.mode === "json") {
    const { iso, esp, stages } = plan;
    console.log(
      jsonText({
        event: "plan",
        label: plan.label,
        output: plan.output,
        iso,
        esp,
        stages,
        payload: plan.payload
          ? {
            format: plan.payload.format,
            target: plan.payload.target,
            images: plan.payload.payloads,
          }
          : null,
        selinux: plan.selinux ?? null,
        grub_cfg: ready.grubConfig,
      }),
    );
    return 0;
  }
  console.log(printableLines(formatPlan(plan)));
  console.log("\ngrub.cfg:\n" + printableLines(ready.grubConfig));
  return 0;
}

/** Runs the plan with progress; reports the ISO (and a medium it may not fit). */
async function runPlan(
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
function buildNotes(ready: NonNullable<Inspection["ready"]>, date: SourceDate): string[] {
  const { contract } = ready;
  const others = contract.otherKernels.map((k) => k.version);
  return [
    printable(
      `kernel ${contract.kernelVersion}: ${contract.kernelReason}` +
        (others.length ? `; also on the ISO: ${others.join(", ")}` : ""),
    ),
    ...contract.efiNotes.map(printable),
    `timestamps: ${date.from} (SOURCE_DATE_EPOCH=${date.epoch}, ${
      new Date(date.epoch * 1000).toISOString()
    })`,
  ];
}

/** The compressors the installed mkfs.erofs has (its help lists them). */
async function installedErofsCompressors(exe: string): Promise<string[] | undefined> {
  const r = await run(exe, ["--help"], { signal: AbortSignal.timeout(30_000) });
  return erofsCompressors(r.stdout + r.stderr);
}

/** --chown: root's alone (below host root the ISO is already the user's). */
async function ownerOption(text: string | undefined) {
  const owner = parseOwner(text);
  if (owner && !(await isHostRoot())) {
    throw new InputError(
      `--chown ${text}: only root gives the ISO to another owner`,
      "built without root, the ISO is yours already: leave --chown out",
    );
  }
  return owner;
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
  hostRoot: boolean,
): { uid: number; gid: number } | undefined {
  if (Deno.uid() !== 0) return undefined;
  if (owner) return owner;
  // In a user namespace the ISO is already the user's; a directory of someone else's (/tmp)
  // shows there as an unmapped id that no chown can give.
  if (!hostRoot) return undefined;
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
