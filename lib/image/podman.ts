/** The few podman calls cniso makes: look an image up, mount it read-only, unmount it. */
import { InputError, ToolError } from "../errors.ts";
import { isImageReference } from "./image_ref.ts";
import { run } from "../run.ts";
import { isHostRoot } from "./user_namespace.ts";

/** What podman knows of one image in local storage. */
export interface ImageInfo {
  id: string;
  /** Creation time in seconds. */
  created?: number;
  /** Unpacked size in bytes. */
  size?: number;
  tags: string[];
  digests: string[];
  /** The architecture its config names (amd64, arm64, …). */
  architecture?: string;
}

/**
 * Looks a reference (localhost/img:tag, an ID) up in local storage; undefined
 * when it is not there. A reference outside the image-reference grammar (a
 * transport, a store specification) is bad input: podman would act on it.
 */
export async function inspectImage(podman: string, ref: string): Promise<ImageInfo | undefined> {
  if (!isImageReference(ref)) {
    throw new InputError(
      `"${ref}" is not an image name`,
      "name it as podman images shows it (localhost/img:tag, quay.io/org/img:tag), or by its ID",
    );
  }
  const format =
    "{{.Id}}\t{{.Created.Unix}}\t{{.Size}}\t{{json .RepoTags}}\t{{json .RepoDigests}}\t{{.Architecture}}";
  const r = await run(podman, ["image", "inspect", "--format", format, ref]);
  if (r.code !== 0) {
    if (/image not known|no such image|failed to find image/i.test(r.stderr)) return undefined;
    throw new ToolError(`podman image inspect ${ref} failed: ${lastLine(r.stderr)}`);
  }
  try {
    const [id, created, size, tags, digests, architecture] = r.stdout.trim().split("\t");
    if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`no image ID in "${id}"`);
    const list = (text: string | undefined) => (JSON.parse(text ?? "null") ?? []) as string[];
    return {
      id,
      ...(/^-?\d+$/.test(created ?? "") ? { created: Number(created) } : {}),
      ...(/^\d+$/.test(size ?? "") ? { size: Number(size) } : {}),
      tags: list(tags),
      digests: list(digests),
      // A name, not text to show: only the characters of architecture names pass.
      ...(/^[a-z0-9_]{1,32}$/.test(architecture ?? "") ? { architecture } : {}),
    };
  } catch (e) {
    throw new ToolError(`podman image inspect ${ref} printed what cniso cannot read: ${e}`);
  }
}

/** The image a reference names, or exit 2 when local storage has none. */
export async function imageId(podman: string, ref: string): Promise<ImageInfo> {
  const info = await inspectImage(podman, ref);
  if (!info) {
    throw new InputError(
      `no image "${ref}" in ${await storageName()}`,
      `build or pull it first (podman images lists what is there)${await rootStoreHint(ref)}`,
    );
  }
  return info;
}

/** Whose storage podman reads: root's, or (below host root) the user's own. */
export async function storageName(): Promise<string> {
  return await isHostRoot() ? "local podman storage" : "your own (rootless) podman storage";
}

/** Below host root, root's images are out of reach: how to bring one over. */
export async function rootStoreHint(ref: string): Promise<string> {
  if (await isHostRoot()) return "";
  return `; an image in root's storage is not yours to read: sudo podman save ${ref} | ` +
    "podman load (docs/without-root.md)";
}

/** Mounts an image and returns its root directory. Needs root (podman's image mount does). */
export async function mountImage(podman: string, id: string): Promise<string> {
  const r = await run(podman, ["image", "mount", id]);
  if (r.code !== 0) {
    const hint = /rootless|unshare/i.test(r.stderr)
      ? "podman image mount needs root: run cniso with sudo, or use the builder image (docs/builder-image.md)"
      : undefined;
    throw new ToolError(`podman image mount failed: ${lastLine(r.stderr)}`, hint);
  }
  const mountPoint = r.stdout.trim();
  if (!mountPoint.startsWith("/")) {
    throw new ToolError(`podman image mount printed no mount point: "${mountPoint}"`);
  }
  return mountPoint;
}

export async function unmountImage(podman: string, id: string): Promise<void> {
  const r = await run(podman, ["image", "unmount", id]);
  if (r.code !== 0) {
    throw new ToolError(`podman image unmount ${id} failed: ${lastLine(r.stderr)}`);
  }
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1) ?? "";
}
