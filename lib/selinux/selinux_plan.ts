/**
 * SELinux in the plan: the policy's file_contexts copied out of the image into
 * the work directory, the unit the live root gains, the walk that labels a
 * squashfs, and the tools' arguments. Pure: it only describes.
 */
import * as path from "node:path";
import type { Placement } from "../pipeline/plan.ts";
import type { LabelJob } from "./labels.ts";
import { relabelFiles } from "./live_relabel.ts";
import type { SelinuxPolicy } from "./policy.ts";

/** What the build labels the live root from. */
export interface SelinuxInput {
  policy: SelinuxPolicy;
  /** The image's restorecon, run at boot by the relabel unit (none: no unit). */
  restorecon?: string;
}

/** The SELinux files in the work directory. */
export function selinuxWork(workDir: string) {
  const dir = path.join(workDir, "selinux");
  return {
    dir,
    contexts: path.join(dir, "file_contexts"),
    pseudo: path.join(dir, "labels"),
    noLabels: path.join(dir, "no_labels"),
  };
}

/** The policy's file_contexts and its companions, copied from the image (read no more than seen). */
export function contextsCopies(input: SelinuxInput, workDir: string): Placement[] {
  const { contexts } = selinuxWork(workDir);
  return input.policy.contexts.map((c) => ({
    source: c.file.hostPath,
    target: contexts + c.suffix,
    size: c.file.size,
  }));
}

/** The files the live root gains for SELinux. */
export function selinuxSkel(input: SelinuxInput | undefined) {
  return input?.restorecon ? relabelFiles(input.restorecon) : { files: [], links: [] };
}

/** The walk and lookups that label a squashfs, over the trees the live root is made of. */
export function labelJob(workDir: string, trees: LabelJob["trees"]): LabelJob {
  const { contexts, pseudo } = selinuxWork(workDir);
  return { trees, contexts, pseudo };
}

/** mksquashfs 4.6's xattr name filter: labels from the build host never reach the live root. */
export const HOST_LABELS_EXCLUDED = ["-xattrs-exclude", "^security\\.selinux$"];

/**
 * A file_contexts that labels nothing: mkfs.erofs given it leaves every
 * security.selinux out, the build host's too (it has no filter by name).
 */
export const NO_LABELS = "/.*\t<<none>>\n";
