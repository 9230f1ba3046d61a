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
import { inUserNamespace } from "../cli/rootless.ts";

export interface ImageSource {
  /** How messages and the plan name it. */
  name: string;
  /** The host directory that is the image's `/`. */
  rootDir: string;
  /** The image's creation time in seconds (not for --rootfs trees). */
  created?: number;
  /** The image's unpacked size in bytes (not for --rootfs trees). */
  size?: number;
}

export async function openSource(
  spec: { image?: string; rootfs?: string },
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
    // Only real root needs the tree to be root's alone: a plain user's cniso (even as the user
    // namespace's root) reads with the user's own rights.
    const rootDir = Deno.uid() === 0 && !inUserNamespace()
      ? await safeTree(spec.rootfs)
      : await Deno.realPath(spec.rootfs);
    return { name: spec.rootfs, rootDir };
  }
  const podman = (await requireTools(["podman"])).get("podman")!;
  const { id, created, size } = await imageId(podman, spec.image!);
  const rootDir = await mountImage(podman, id);
  cleanup.defer(`unmount ${spec.image}`, () => unmountImage(podman, id));
  return { name: spec.image!, rootDir, created, size };
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
