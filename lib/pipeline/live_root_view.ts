/**
 * What the live root's tool reads when cniso adds to the image: the payload's
 * store and SELinux's relabel unit in a skeleton below the image, joined with
 * it in a view (a private mount namespace), and the stages that make and label
 * them. Pure: plan data only.
 */
import * as path from "node:path";
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
import { OCI_PATH, STORE_PATH } from "../payload/live_store.ts";
import { labelJob, selinuxSkel } from "../selinux/selinux_plan.ts";
import type { PlanInput, Stage, StagedFiles, Step } from "./plan.ts";
import { tool } from "./step.ts";

/**
 * The live root's own additions: the payload (its work directories, a stage
 * that makes its store from the host's records or skopeo copies) and SELinux's
 * relabel unit, in a skeleton below the image, and the view the live root's
 * tool runs in. Nothing when there is nothing to add: the live root is then
 * made from the image's mount directly.
 */
export function viewParts(input: PlanInput) {
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
export function labelStage(input: PlanInput): Stage {
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

export function payloadTarget(format: PayloadInput["format"]): string {
  return format === "oci" ? OCI_PATH : STORE_PATH;
}

/** A stage whose tool runs inside the payload's view. */
export function withVia(stage: Stage, via: NonNullable<Step["via"]>): Stage {
  return { ...stage, steps: stage.steps.map((s) => ({ ...s, via })) };
}

/** The directory the live root is made from: the view with cniso's additions, or the image's root. */
export function liveRootSource(input: PlanInput): string {
  const adds = (input.payload?.payloads.length ?? 0) > 0 || input.selinux?.restorecon;
  return adds ? payloadWork(input.workDir).view : input.rootDir;
}
