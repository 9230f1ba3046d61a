/**
 * Where the image's tree comes from: a podman image, mounted read-only with
 * `podman image mount` (and unmounted by the cleanup list), or a directory
 * given with --rootfs (e.g. an image the host mounted into a container).
 */
import type { Cleanup } from "../cleanup.ts";
import { InputError } from "../errors.ts";
import { imageId, mountImage, unmountImage } from "./podman.ts";
import { requireTools } from "../tools.ts";
import { treeSafety } from "./tree_safety.ts";
import { requireReadable } from "./tree_access.ts";
import { isHostRoot, readsBeyondOwnRights } from "./user_namespace.ts";

export interface ImageSource {
  /** How messages and the plan name it. */
  name: string;
  /** The host directory that is the image's `/`. */
  rootDir: string;
  /** The image's creation time in seconds (not for --rootfs trees). */
  created?: number;
  /** The image's unpacked size in bytes (not for --rootfs trees). */
  size?: number;
  /** The architecture its config names, as podman shows it (amd64, arm64; not for --rootfs trees). */
  architecture?: string;
}

/** An image in podman's storage, or a --rootfs tree: one of the two. */
export type ImageSpec = { image?: string; rootfs?: string };

export async function openSource(
  spec: ImageSpec,
  cleanup: Cleanup,
): Promise<ImageSource> {
  if (spec.rootfs !== undefined) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(spec.rootfs);
    } catch {
      throw new InputError(`--rootfs ${spec.rootfs}: no such directory`);
    }
    if (!info.isDirectory) throw new InputError(`--rootfs ${spec.rootfs}: not a directory`);
    // A tree read with more than the uid's own rights must be one no one else can change.
    const rootDir = await readsBeyondOwnRights()
      ? await safeTree(spec.rootfs)
      : await Deno.realPath(spec.rootfs);
    if (!(await isHostRoot())) await requireReadable(rootDir, spec.rootfs);
    return { name: spec.rootfs, rootDir };
  }
  const podman = (await requireTools(["podman"])).get("podman")!;
  const { id, created, size, architecture } = await imageId(podman, spec.image!);
  const rootDir = await mountImage(podman, id);
  cleanup.defer(`unmount ${spec.image}`, () => unmountImage(podman, id));
  if (!(await isHostRoot())) await requireReadable(rootDir, spec.image!);
  return { name: spec.image!, rootDir, created, size, architecture };
}

/**
 * As root, a tree that someone else can change while it is read is bad input
 * (tree_safety.ts); a safe one is returned as resolved then.
 */
async function safeTree(rootfs: string): Promise<string> {
  const verdict = await treeSafety(rootfs);
  if (verdict.safe) return verdict.real;
  throw new InputError(
    `--rootfs ${rootfs}: other users can change this tree while cniso reads it as root: ${
      verdict.problems.join("; ")
    }`,
    "build from a tree only root can write to (chown -R root:root DIR; chmod -R go-w DIR),\n" +
      "from a read-only mount of one, or from the image itself (cniso build IMAGE)",
  );
}
