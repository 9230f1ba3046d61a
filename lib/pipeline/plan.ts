/**
 * The build as data: which files go where on the ISO and in the EFI boot image,
 * and which tools run with which arguments, as named stages. Pure: it only
 * describes. The executor (executor.ts) carries a plan out; `--dry-run` prints it.
 */
import * as path from "node:path";
import type { Contract } from "../image/contract.ts";
import { diskInfo } from "../iso/disk_info.ts";
import type { PayloadInput } from "../payload/payload_plan.ts";
import type { LabelJob } from "../selinux/labels.ts";
import {
  contextsCopies,
  NO_LABELS,
  type SelinuxInput,
  selinuxWork,
} from "../selinux/selinux_plan.ts";
import type { ToolName } from "../tools.ts";
import type { Compression } from "./compression.ts";
import { excludeFile } from "./exclude.ts";
import { espPlacements, espSizeKiB, isoPlacements, kernelPlacements } from "./placements.ts";
import {
  eltoritoStage,
  erofsStage,
  espStage,
  isoStage,
  LIVE_ROOT_EXCLUDES,
  squashfsStage,
} from "./tool_stages.ts";
import { tool } from "./step.ts";
import { labelStage, payloadTarget, viewParts, withVia } from "./live_root_view.ts";

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
export function workFiles(workDir: string) {
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
export type WorkFiles = ReturnType<typeof workFiles>;

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
