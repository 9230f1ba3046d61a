/**
 * The tools' stages: the live root (mksquashfs or mkfs.erofs), GRUB's BIOS
 * El Torito image, the EFI boot image (FAT without loop devices), the hybrid
 * ISO (xorriso). Pure: each returns the steps with their arguments.
 */
import * as path from "node:path";
import { ELTORITO_MODULES } from "../image/grub_modules.ts";
import { BIOS_PREFIX, EFI_BOOT_DIR, ELTORITO_IMAGE } from "../iso/layout.ts";
import { HOST_LABELS_EXCLUDED, selinuxWork } from "../selinux/selinux_plan.ts";
import { mksquashfsCompressionArgs } from "./compression.ts";
import { erofsUuid, mkfsErofsArgs } from "./erofs.ts";
import { liveRootSource } from "./live_root_view.ts";
import type { Placement, PlanInput, Stage, WorkFiles } from "./plan.ts";
import { epochEnv, fatSerial } from "./source_date.ts";
import { tool } from "./step.ts";
import { xorrisoArgs } from "./xorriso.ts";

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

export function squashfsStage(input: PlanInput, files: WorkFiles): Stage {
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
export function erofsStage(input: PlanInput, files: WorkFiles, excludes: string[]): Stage {
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

export function eltoritoStage(files: WorkFiles): Stage {
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
export function espStage(
  esp: Placement[],
  files: WorkFiles,
  sizeKiB: number,
  epoch: number,
): Stage {
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

export function isoStage(
  input: PlanInput,
  files: WorkFiles,
  iso: Placement[],
  bios: boolean,
): Stage {
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
