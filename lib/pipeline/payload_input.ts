/**
 * The payloads as the plan takes them: judged (warnings reported, errors
 * stop the build), and read in place from the host's store where it can be,
 * with each image mounted meanwhile.
 */
import type { Cleanup } from "../cleanup.ts";
import type { ImageSource } from "../image/image_source.ts";
import { mountImage, unmountImage } from "../image/podman.ts";
import { inspectionError } from "./inspect.ts";
import type { Progress } from "../progress.ts";
import { requireTools } from "../tools.ts";
import { hostStoreFor } from "../payload/host_store.ts";
import type { PayloadInput } from "../payload/payload_plan.ts";
import { judgePayloads, type PayloadRequest } from "../payload/payloads.ts";

/** Finds the payloads and checks the image has room for them; reports warnings; stops on errors. */
export async function payloadInput(
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
