/** The few podman calls cniso makes: resolve an image, mount it read-only, unmount it. */
import { InputError, ToolError } from "../errors.ts";
import { isImageReference } from "./image_ref.ts";
import { run } from "../run.ts";

/**
 * Resolves a reference (localhost/img, an ID) to the image ID, its creation
 * time (seconds) and unpacked size, or fails with exit 2.
 */
export async function imageId(
  podman: string,
  ref: string,
): Promise<{ id: string; created?: number; size?: number }> {
  if (!isImageReference(ref)) {
    throw new InputError(
      `"${ref}" is not an image name`,
      "name it as podman images shows it (localhost/img:tag), or by its ID",
    );
  }
  const r = await run(podman, [
    "image",
    "inspect",
    "--format",
    "{{.Id}} {{.Created.Unix}} {{.Size}}",
    ref,
  ]);
  if (r.code !== 0) {
    if (/image not known|no such image|failed to find image/i.test(r.stderr)) {
      throw new InputError(
        `no image "${ref}" in local podman storage`,
        "build or pull it first (podman images lists what is there)",
      );
    }
    throw new ToolError(`podman image inspect ${ref} failed: ${lastLine(r.stderr)}`);
  }
  const [id, created, size] = r.stdout.trim().split(" ");
  return {
    id,
    ...(/^-?\d+$/.test(created ?? "") ? { created: Number(created) } : {}),
    ...(/^\d+$/.test(size ?? "") ? { size: Number(size) } : {}),
  };
}

/** Mounts an image and returns its root directory. Needs root (podman's image mount does). */
export async function mountImage(podman: string, id: string): Promise<string> {
  const r = await run(podman, ["image", "mount", id]);
  if (r.code !== 0) {
    const hint = /rootless|unshare/i.test(r.stderr)
      ? "podman image mount needs root: run cniso with sudo, or use the builder image (README)"
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
