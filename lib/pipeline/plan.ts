/**
 * The build as data: which files go where on the ISO and in the EFI boot image,
 * and which tools run with which arguments, as named stages. Pure: it only
 * describes. The executor (executor.ts) carries a plan out; `--dry-run` prints it.
 */
import * as path from "node:path";
import type { Contract } from "../image/contract.ts";
import type { Resolved } from "../image/image_root.ts";
import { mib } from "../image/findings.ts";
import { ELTORITO_MODULES } from "../image/grub_modules.ts";
import { diskInfo } from "../iso/disk_info.ts";
import {
  BIOS_MODULES_DIR,
  BIOS_PREFIX,
  DISK_INFO,
  EFI_BOOT_DIR,
  EFI_FILES,
  EFI_IMAGE,
  ELTORITO_IMAGE,
  GRUB_CONFIGS,
  kernelPaths,
  LIVE_ROOT,
  LOOPBACK_CONFIG,
} from "../iso/layout.ts";
import type { HostStore } from "../payload/host_store.ts";
import {
  type PayloadInput,
  type PayloadWork,
  payloadWork,
  PRIVATE_MOUNTS,
  skelContents,
  skopeoArgs,
  viewArgs,
  withParents,
} from "../payload/payload_plan.ts";
import type { LabelJob } from "../selinux/labels.ts";
import { RELABEL_UNIT } from "../selinux/live_relabel.ts";
import {
  contextsCopies,
  HOST_LABELS_EXCLUDED,
  labelJob,
  NO_LABELS,
  type SelinuxInput,
  selinuxSkel,
  selinuxWork,
} from "../selinux/selinux_plan.ts";
import { OCI_PATH, STORE_PATH } from "../payload/live_store.ts";
import { printable, shellQuote } from "../terminal.ts";
import type { ToolName } from "../tools.ts";
import { type Compression, mksquashfsCompressionArgs } from "./compression.ts";
import { erofsUuid, mkfsErofsArgs } from "./erofs.ts";
import { excludeFile } from "./exclude.ts";
import { epochEnv, fatSerial } from "./source_date.ts";
import { xorrisoArgs } from "./xorriso.ts";

/** The bound on steps that make small images (grub-mkimage, mkfs.fat, mtools): seconds each. */
export const SMALL_STEP_SECS = 120;

/** A file placed on the ISO (or in the EFI image): its path there and where it comes from. */
export interface Placement {
  target: string;
  source: string;
  /** For files copied out of the image: their size when discovered (copies read no more). */
  size?: number;
  /** For files copied into the work directory (default 0644). */
  mode?: number;
  /** Copied from the host (the payload's records), not from the image. */
  fromHost?: boolean;
}

/** Files and directories made in the work directory before tools run. */
export interface StagedFiles {
  /** Directories (root's), with their modes. */
  dirs: { path: string; mode: number }[];
  /** Generated files. */
  writes: { path: string; content: string; mode?: number }[];
  /** Files copied (the BIOS modules from the image; the payload's records from the host's store). */
  copies: Placement[];
  /** Symbolic links (the payload's unit enablement and layer links). */
  links: { path: string; target: string }[];
}

export interface Step {
  /** What the step does, for error messages and the dry-run listing. */
  title: string;
  tool: ToolName;
  args: string[];
  env?: Record<string, string>;
  /** A bound on the step's run time, for steps that take a second when all is well. */
  timeoutSecs?: number;
  /** Run through this command (its arguments, then the tool's path and arguments). */
  via?: { tool: ToolName; args: string[] };
  /** The directory it runs in (default: cniso's own). */
  cwd?: string;
}

/** Steps shown as one line of progress. */
export interface Stage {
  title: string;
  steps: Step[];
  /** Made before the steps run (the payload's store records). */
  files?: StagedFiles;
  /** SELinux labels looked up for every path of the live root, before the steps run. */
  labels?: LabelJob;
}

export interface Plan extends StagedFiles {
  image: string;
  label: string;
  /** The final ISO path, as the user named it. */
  output: string;
  /** Scratch directory only root can change (see work_dir.ts); removed at the end. */
  workDir: string;
  /** The ISO as written before it is renamed to `output`. */
  tempIso: string;

  /** The files of the ISO tree (the squashfs, kernel, initrd, boot files). */
  iso: Placement[];
  /** The files of the EFI system partition image. */
  esp: Placement[];
  stages: Stage[];
  /** Container images embedded in the live root, and where. */
  payload?: PayloadInput & { target: string };
  /** The policy the live root is labelled from (absent: unlabelled). */
  selinux?: { type: string; mode: string; unit: boolean };
}

export interface PlanInput {
  image: string;
  /** The image's root directory on the host (the mount point, or --rootfs). */
  rootDir: string;
  contract: Contract;
  label: string;
  grubConfig: string;
  /** /boot/grub/loopback.cfg: the menu for booting the ISO as a file. */
  loopbackConfig: string;
  output: string;
  workDir: string;
  compression: Compression;
  /** Paths left out of the live root (relative to the image root, checked by parseExcludes). */
  excludes?: string[];
  /** Every time the tools write (source_date.ts). */
  epoch: number;
  /** The live root's file system (default squashfs). */
  rootfsType?: "squashfs" | "erofs";
  /** Container images embedded in the live root. */
  payload?: PayloadInput;
  /** Label the live root from this policy (absent: no labels). */
  selinux?: SelinuxInput;
  /**
   * The tool can leave the build host's SELinux labels out of an unlabelled
   * live root (mksquashfs 4.6 and newer; mkfs.erofs with SELinux support).
   */
  dropHostLabels?: boolean;
  /**
   * Graft copies of the kernels and initramfs: cniso runs as a non-root uid, whose
   * capabilities (CAP_DAC_READ_SEARCH) xorriso's access(2) check ignores, and Debian's and
   * Fedora's initramfs are root's alone (mode 0600).
   */
  copyKernels?: boolean;
}

/** The files the build makes in its work directory. */
function workFiles(workDir: string) {
  const work = (name: string) => path.join(workDir, name);
  return {
    grubCfg: work("grub.cfg"),
    loopbackCfg: work("loopback.cfg"),
    diskInfo: work("disk-info"),
    excludes: work("exclude"),
    squashfs: work("squashfs.img"),
    eltorito: work("eltorito.img"),
    efiboot: work("efiboot.img"),
    biosDir: work("i386-pc"),
    tempIso: work("cniso.iso"),
    kernelsDir: work("kernels"),
  };
}
type WorkFiles = ReturnType<typeof workFiles>;

export function makePlan(input: PlanInput): Plan {
  const files = workFiles(input.workDir);
  const bios = input.contract.biosModules !== undefined;
  const excludes = [...LIVE_ROOT_EXCLUDES, ...(input.excludes ?? [])];
  const esp = espPlacements(input.contract, files);
  const kernels = kernelPlacements(input.contract, input.copyKernels ? files : undefined);
  const iso = isoPlacements(files, kernels, esp, bios);
  const payload = viewParts(input);
  const erofs = input.rootfsType === "erofs";
  const liveRoot = erofs ? erofsStage(input, files, excludes) : squashfsStage(input, files);
  const labels = input.selinux && !erofs ? [labelStage(input)] : [];
  const stages = [
    ...payload.stages,
    ...labels,
    payload.via ? withVia(liveRoot, payload.via) : liveRoot,
    ...(bios ? [eltoritoStage(files)] : []),
    espStage(esp, files, espSizeKiB(input.contract, input.grubConfig), input.epoch),
    isoStage(input, files, iso, bios),
    { title: "implant MD5", steps: [tool("implant MD5", "implantisomd5", [files.tempIso])] },
  ];
  return {
    image: input.image,
    label: input.label,
    output: input.output,
    workDir: input.workDir,
    tempIso: files.tempIso,
    dirs: payload.dirs,
    writes: [
      { path: files.grubCfg, content: input.grubConfig },
      { path: files.loopbackCfg, content: input.loopbackConfig },
      { path: files.diskInfo, content: diskInfo(input.contract.osRelease, input.label) },
      { path: files.excludes, content: excludeFile(excludes) },
      ...(input.rootfsType === "erofs" && input.dropHostLabels && !input.selinux
        ? [{ path: selinuxWork(input.workDir).noLabels, content: NO_LABELS }]
        : []),
      ...payload.writes,
    ],
    links: payload.links,
    copies: [
      ...(input.contract.biosModules ?? []).map((f) => ({
        source: f.hostPath,
        target: path.join(files.biosDir, path.basename(f.imagePath)),
        size: f.size,
      })),
      ...(input.selinux ? contextsCopies(input.selinux, input.workDir) : []),
      ...kernels.flatMap((k) => k.copy ? [k.copy] : []),
    ],
    iso,
    esp,
    stages,
    ...(payload.stages.length
      ? { payload: { ...input.payload!, target: payloadTarget(input.payload!.format) } }
      : {}),
    ...(input.selinux
      ? {
        selinux: {
          type: input.selinux.policy.type,
          mode: input.selinux.policy.mode,
          unit: input.selinux.restorecon !== undefined,
        },
      }
      : {}),
  };
}

/**
 * The live root's own additions: the payload (its work directories, a stage
 * that makes its store from the host's records or skopeo copies) and SELinux's
 * relabel unit, in a skeleton below the image, and the view the live root's
 * tool runs in. Nothing when there is nothing to add: the live root is then
 * made from the image's mount directly.
 */
function viewParts(input: PlanInput) {
  const payloads = input.payload?.payloads ?? [];
  const format = input.payload?.format ?? "containers-storage";
  const selinux = selinuxSkel(input.selinux);
  const payloadSkel = payloads.length ? skelContents(format) : { dirs: [], files: [], links: [] };
  const files = [...payloadSkel.files, ...selinux.files];
  const links = [...payloadSkel.links, ...selinux.links];
  if (files.length + links.length + payloadSkel.dirs.length === 0) {
    return { stages: [], dirs: [], writes: [], links: [] };
  }
  const work = payloadWork(input.workDir);
  const inSkel = (p: string) => path.join(work.skel, p);
  const skelDirs = withParents([
    ...payloadSkel.dirs,
    ...[...files, ...links].map((f) => path.dirname(f.path)),
  ]);
  const dirs = [work.dir, work.image, work.view, ...skelDirs.map(inSkel)];
  return {
    stages: payloads.length ? [payloadStage(input.payload!, work)] : [],
    dirs: dirs.map((d) => ({ path: d, mode: 0o755 })),
    writes: files.map((f) => ({ path: inSkel(f.path), content: f.content, mode: f.mode })),
    links: links.map((l) => ({ path: inSkel(l.path), target: l.target })),
    via: {
      tool: "unshare" as const,
      args: viewArgs(work, input.rootDir, input.payload?.hostStore?.binds ?? []),
    },
  };
}

/** The stage that makes the payload's store: the host's records, or skopeo copies. */
function payloadStage(input: PayloadInput, work: PayloadWork): Stage {
  const { payloads, format, hostStore } = input;
  const n = `${payloads.length} image${payloads.length > 1 ? "s" : ""}`;
  return hostStore
    ? {
      title: `payload: ${n}, layers read in place`,
      steps: [],
      files: storeFiles(work, hostStore),
    }
    : {
      title: `payload: ${n} (${format}, copied by skopeo)`,
      steps: payloads.map((p) => ({
        ...tool(`payload ${p.name}`, "skopeo", skopeoArgs(format, work, p)),
        via: { tool: "unshare" as const, args: PRIVATE_MOUNTS },
        // Its temporary files go where the cleanup removes them, even when it is stopped.
        env: { TMPDIR: work.dir },
      })),
      // The store's own directories are root's alone, as podman makes them.
      ...(format === "containers-storage"
        ? {
          files: {
            ...NO_FILES,
            dirs: [work.store, work.run].map((d) => ({ path: d, mode: 0o700 })),
          },
        }
        : {}),
    };
}

/**
 * The labels stage: every tree the live root is made of, walked at its place,
 * the ones mounted on top first (the host's layers, the store), then the
 * image, then the skeleton below it.
 */
function labelStage(input: PlanInput): Stage {
  const work = payloadWork(input.workDir);
  const hasView = liveRootSource(input) !== input.rootDir;
  const store = (input.payload?.payloads.length ?? 0) > 0 &&
    input.payload?.format === "containers-storage";
  const trees = [
    ...(input.payload?.hostStore?.binds ?? []).map((b) => ({
      dir: b.source,
      at: path.join(STORE_PATH, "overlay", b.layer, "diff"),
    })),
    ...(store ? [{ dir: work.store, at: STORE_PATH }] : []),
    { dir: input.rootDir, at: "/" },
    ...(hasView ? [{ dir: work.skel, at: "/" }] : []),
  ];
  const policy = input.selinux!.policy;
  return {
    title: `SELinux labels (${policy.type} policy)`,
    steps: [],
    labels: labelJob(input.workDir, trees),
  };
}

const NO_FILES: StagedFiles = { dirs: [], writes: [], copies: [], links: [] };

/** The store made from the host's records: root's alone, as podman makes it. */
function storeFiles(work: PayloadWork, host: HostStore): StagedFiles {
  const at = (p: string) => path.join(work.store, p);
  return {
    dirs: [work.store, ...host.dirs.map(at)].map((d) => ({ path: d, mode: 0o700 })),
    writes: host.writes.map((w) => ({ path: at(w.path), content: w.content, mode: 0o600 })),
    copies: host.copies.map((c) => ({ ...c, target: at(c.target), mode: 0o600, fromHost: true })),
    links: host.links.map((l) => ({ path: at(l.path), target: l.target })),
  };
}

function payloadTarget(format: PayloadInput["format"]): string {
  return format === "oci" ? OCI_PATH : STORE_PATH;
}

/** A stage whose tool runs inside the payload's view. */
function withVia(stage: Stage, via: NonNullable<Step["via"]>): Stage {
  return { ...stage, steps: stage.steps.map((s) => ({ ...s, via })) };
}

/** The directory the live root is made from: the view with cniso's additions, or the image's root. */
function liveRootSource(input: PlanInput): string {
  const adds = (input.payload?.payloads.length ?? 0) > 0 || input.selinux?.restorecon;
  return adds ? payloadWork(input.workDir).view : input.rootDir;
}

/** The command line of a step: its `via` command first, when it has one. */
export function commandLine(step: Step, tools?: Map<ToolName, string>): string[] {
  const exe = (name: ToolName) => tools?.get(name) ?? name;
  return step.via
    ? [exe(step.via.tool), ...step.via.args, exe(step.tool), ...step.args]
    : [exe(step.tool), ...step.args];
}

/** Every step of the plan, in order. */
export function planSteps(plan: Plan): Step[] {
  return plan.stages.flatMap((s) => s.steps);
}

function espPlacements(contract: Contract, files: WorkFiles): Placement[] {
  return [
    { target: EFI_FILES.shim, source: contract.shim.hostPath },
    { target: EFI_FILES.mm, source: contract.mm.hostPath },
    { target: EFI_FILES.grub, source: contract.gcd.hostPath },
    { target: GRUB_CONFIGS.efi, source: files.grubCfg },
  ];
}

function isoPlacements(
  files: WorkFiles,
  kernels: KernelPlacement[],
  esp: Placement[],
  bios: boolean,
): Placement[] {
  return [
    { target: LIVE_ROOT, source: files.squashfs },
    ...kernels.map(({ target, source }) => ({ target, source })),
    { target: DISK_INFO, source: files.diskInfo },
    { target: EFI_IMAGE, source: files.efiboot },
    ...esp,
    // Distributions' GRUBs look for their config in different places; give them all one file.
    { target: GRUB_CONFIGS.grub2, source: files.grubCfg },
    { target: GRUB_CONFIGS.grub, source: files.grubCfg },
    { target: LOOPBACK_CONFIG, source: files.loopbackCfg },
    ...(bios
      ? [
        { target: ELTORITO_IMAGE, source: files.eltorito },
        { target: BIOS_MODULES_DIR, source: files.biosDir },
      ]
      : []),
  ];
}

type KernelPlacement = Placement & { copy?: Placement };

/**
 * The default kernel at the contract's paths, every other one under its version; grafted from
 * the image, or (`files` given: copyKernels) from copies in the work directory.
 */
function kernelPlacements(contract: Contract, files?: WorkFiles): KernelPlacement[] {
  const kernels = [
    { at: kernelPaths(), kernel: contract.kernel, initramfs: contract.initramfs },
    ...contract.otherKernels.map((k) => ({ at: kernelPaths(k.version), ...k })),
  ];
  const place = (target: string, file: Resolved): KernelPlacement => {
    if (!files) return { target, source: file.hostPath };
    const copy = path.join(files.kernelsDir, target.replaceAll("/", "_"));
    return { target, source: copy, copy: { source: file.hostPath, target: copy, size: file.size } };
  };
  return kernels.flatMap(({ at, kernel, initramfs }) => [
    place(at.kernel, kernel),
    place(at.initrd, initramfs),
  ]);
}

/** FAT needs room for its tables and cluster slack: 1 MiB over the files is plenty. */
function espSizeKiB(contract: Contract, grubConfig: string): number {
  const bytes = contract.shim.size + contract.mm.size + contract.gcd.size +
    new TextEncoder().encode(grubConfig).length;
  return Math.ceil(bytes / 1024) + 1024;
}

/**
 * What the live root never holds, whoever builds it. /dev's entries: at boot the kernel's
 * devtmpfs is /dev (dracut moves it there before the root's init runs), and storage without
 * root (rootless podman, a user namespace) cannot hold device nodes, so they would make a
 * user's ISO differ from root's for nothing.
 */
export const LIVE_ROOT_EXCLUDES = ["dev/*", "dev/.*"];

/**
 * The root directory's mode: the booted `/` is the overlay's upper directory (0755), never this
 * one, and the image mount's own varies with podman's storage driver (overlay 0555, vfs 0755).
 */
const ROOT_MODE = "0755";

function squashfsStage(input: PlanInput, files: WorkFiles): Stage {
  const title = "squashfs of the image";
  // -progress with -quiet: only the progress bar, which the executor reads for percentages.
  const args = [liveRootSource(input), files.squashfs, "-noappend", "-progress", "-quiet"];
  // mksquashfs takes the times from SOURCE_DATE_EPOCH, except the root directory's own.
  args.push("-root-time", `${input.epoch}`, "-root-mode", ROOT_MODE);
  args.push("-wildcards", "-ef", files.excludes);
  // Labels from the pseudo file and from the host cannot both be given: mksquashfs stops on that.
  if (input.dropHostLabels || input.selinux) args.push(...HOST_LABELS_EXCLUDED);
  if (input.selinux) args.push("-pf", selinuxWork(input.workDir).pseudo);
  args.push(...mksquashfsCompressionArgs(input.compression));
  return { title, steps: [{ ...tool(title, "mksquashfs", args), env: epochEnv(input.epoch) }] };
}

/** EROFS (--rootfs-type erofs): the same file name, which dracut tells apart by content. */
function erofsStage(input: PlanInput, files: WorkFiles, excludes: string[]): Stage {
  const title = "EROFS of the image";
  const args = mkfsErofsArgs({
    output: files.squashfs,
    rootDir: liveRootSource(input),
    compression: input.compression,
    uuid: erofsUuid(input.label, input.epoch),
    excludes,
    fileContexts: input.selinux
      ? selinuxWork(input.workDir).contexts
      : input.dropHostLabels
      ? selinuxWork(input.workDir).noLabels
      : undefined,
  });
  return { title, steps: [{ ...tool(title, "mkfs.erofs", args), env: epochEnv(input.epoch) }] };
}

function eltoritoStage(files: WorkFiles): Stage {
  const title = "BIOS El Torito image";
  const args = ["-O", "i386-pc-eltorito", "-d", files.biosDir, "-p", BIOS_PREFIX];
  return {
    title,
    steps: [tool(title, "grub-mkimage", [...args, "-o", files.eltorito, ...ELTORITO_MODULES])],
  };
}

/**
 * The FAT image made without loop devices: mkfs.fat, then mtools. mkfs.fat
 * ignores SOURCE_DATE_EPOCH: --invariant fixes its dates, the serial comes
 * from the epoch; mtools dates the entries by SOURCE_DATE_EPOCH (not -m:
 * the work files' times are the build's).
 */
function espStage(esp: Placement[], files: WorkFiles, sizeKiB: number, epoch: number): Stage {
  const env = { MTOOLS_SKIP_CHECK: "1", ...epochEnv(epoch) };
  // mtools expands the name after -i through `sh -c "echo NAME"` when it holds any of
  // $*(){}[]\?`~: it gets a plain name in the work directory, never a path the user chose.
  const mtools = { cwd: path.dirname(files.efiboot) };
  const img = path.basename(files.efiboot);
  const dirs = EFI_BOOT_DIR.split("/").filter(Boolean).map((_, i, parts) =>
    `::/${parts.slice(0, i + 1).join("/")}`
  );
  return {
    title: "EFI boot image",
    steps: [
      tool("EFI boot image", "mkfs.fat", [
        ...["--invariant", "-i", fatSerial(epoch), "-C", "-n", "EFIBOOT", files.efiboot],
        `${sizeKiB}`,
      ]),
      { ...tool("EFI boot image: folders", "mmd", ["-i", img, ...dirs]), env, ...mtools },
      ...esp.map((p) => ({
        ...tool(`EFI boot image: ${p.target}`, "mcopy", ["-i", img, p.source, `::${p.target}`]),
        env,
        ...mtools,
      })),
    ],
  };
}

function isoStage(input: PlanInput, files: WorkFiles, iso: Placement[], bios: boolean): Stage {
  const args = xorrisoArgs({
    output: files.tempIso,
    volumeId: input.label,
    epoch: input.epoch,
    bios: bios
      ? { hybridMbr: path.join(files.biosDir, "boot_hybrid.img"), eltoritoImage: ELTORITO_IMAGE }
      : undefined,
    efi: { espImage: files.efiboot },
    files: iso,
  });
  const step = { ...tool("hybrid ISO", "xorriso", args), env: epochEnv(input.epoch) };
  return { title: "hybrid ISO", steps: [step] };
}

function tool(title: string, name: ToolName, args: string[]): Step {
  // These read the image's small files (grub-mkimage its modules): a hang must not hang the build.
  const small = ["grub-mkimage", "mkfs.fat", "mmd", "mcopy"].includes(name);
  return small
    ? { title, tool: name, args, timeoutSecs: SMALL_STEP_SECS }
    : { title, tool: name, args };
}

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
