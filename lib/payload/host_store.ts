/**
 * The payload's store taken from the host's own container storage, without
 * copying a layer: when the host keeps the payload in a plain overlay store
 * (podman's default), the live root's store is the host's records for those
 * images (images.json and layers.json cut down to them, each image's manifest
 * and config, each layer's tar-split, link and lower files), and each layer's
 * `diff` directory is bind-mounted from the host into the view mksquashfs
 * reads. So the build writes kilobytes for a payload of gigabytes, and the
 * squashfs holds the host's layers as they are: same IDs, whiteouts, xattrs.
 * Anything else (another driver, composefs, a read-only additional store)
 * falls back to skopeo (payload_plan.ts).
 */
import * as path from "node:path";
import { readAtMost } from "../read_at_most.ts";
import { run } from "../run.ts";

/** What the live root's store is made of, relative to the store's root. */
export interface HostStore {
  dirs: string[];
  /** Generated metadata (the image and layer lists). */
  writes: { path: string; content: string }[];
  /** Files copied from the host's store (source absolute, target relative). */
  copies: { source: string; target: string; size: number }[];
  links: { path: string; target: string }[];
  /** Layer `diff` directories bind-mounted from the host (source absolute, layer ID). */
  binds: { source: string; layer: string }[];
}

const ID = /^[0-9a-f]{64}$/;
const LINK = /^[A-Z0-9]{26}$/;
/** The host's image and layer lists are read up to this size. */
const MAX_LIST_BYTES = 256 * 2 ** 20;
const MAX_FILE_BYTES = 256 * 2 ** 20;

/** The host store's graph root when it is podman's overlay driver, else a reason. */
export async function hostGraphRoot(podman: string): Promise<{ root?: string; reason?: string }> {
  const r = await run(podman, [
    "info",
    "--format",
    "{{.Store.GraphRoot}}\t{{.Store.GraphDriverName}}",
  ]);
  if (r.code !== 0) return { reason: "podman info failed" };
  const [root, driver] = r.stdout.trim().split("\t");
  if (driver !== "overlay") return { reason: `the host's storage driver is ${driver}` };
  if (!root?.startsWith("/")) return { reason: "podman named no graph root" };
  return { root };
}

/**
 * The store for these image IDs from the host's graph root, or a reason to
 * copy with skopeo instead. Every ID and link name read is checked before it
 * becomes part of a path.
 */
export async function hostStore(
  root: string,
  payloads: { id: string; name: string }[],
): Promise<{ store?: HostStore; reason?: string }> {
  try {
    return await readHostStore(root, payloads);
  } catch (e) {
    // The store changed under us (an image removed meanwhile?): skopeo will say what it finds.
    return { reason: `the host's store could not be read: ${(e as Error).message}` };
  }
}

async function readHostStore(
  root: string,
  payloads: { id: string; name: string }[],
): Promise<{ store?: HostStore; reason?: string }> {
  const images = await readJsonList(path.join(root, "overlay-images/images.json"));
  const layers = await readJsonList(path.join(root, "overlay-layers/layers.json"));
  if (!images || !layers) return { reason: "the host's image or layer list could not be read" };
  const found = payloads.map((p) => images.find((i) => i.id === p.id));
  if (found.some((i) => !i || typeof i.layer !== "string")) {
    return { reason: "an image is not in the host's main store (an additional image store?)" };
  }
  // Only the name the payload goes by: the host's other names (internal registries) stay home.
  const chosen: Rec[] = found.map((i, n) => {
    const { ["names-history"]: _, ...rest } = i!;
    return withoutSignatures({ ...rest, names: [payloads[n].name] });
  });
  const chain = layerChain(chosen.map((i) => i.layer as string), layers);
  if (typeof chain === "string") return { reason: chain };
  const store: HostStore = {
    dirs: ["overlay", "overlay/l", "overlay-images", "overlay-layers", "overlay-containers"]
      .concat(["mounts", "tmp"]),
    writes: [
      { path: "overlay-images/images.json", content: JSON.stringify(chosen) },
      { path: "overlay-layers/layers.json", content: JSON.stringify(chain) },
      ...["storage.lock", "userns.lock", "overlay-images/images.lock", "overlay-layers/layers.lock"]
        .map((p) => ({ path: p, content: "" })),
    ],
    copies: [],
    links: [],
    binds: [],
  };
  for (const image of chosen) {
    const problem = await addImageFiles(root, image.id as string, store);
    if (problem) return { reason: problem };
  }
  for (const layer of chain) {
    const problem = await addLayer(root, layer.id as string, store);
    if (problem) return { reason: problem };
  }
  return { store };
}

type Rec = Record<string, unknown>;

async function readJsonList(file: string): Promise<Rec[] | undefined> {
  try {
    const bytes = await readAtMost(file, MAX_LIST_BYTES + 1);
    if (bytes.length > MAX_LIST_BYTES) return undefined;
    const list = JSON.parse(new TextDecoder().decode(bytes));
    return Array.isArray(list) ? list : undefined;
  } catch {
    return undefined;
  }
}

/** Every layer the top layers stand on, each once, or a reason it cannot be followed. */
function layerChain(tops: string[], layers: Rec[]): Rec[] | string {
  const byId = new Map(layers.map((l) => [l.id, l]));
  const chain: Rec[] = [];
  for (let id of tops as (string | undefined)[]) {
    for (let depth = 0; id !== undefined && id !== ""; depth++) {
      const layer = byId.get(id);
      if (!layer || !ID.test(id) || depth > 500) return `layer ${id} is not in the host's store`;
      if (Array.isArray(layer.flags) || (layer.flags && Object.keys(layer.flags).length)) {
        return `layer ${id} carries flags cniso does not know`;
      }
      if (!chain.includes(layer)) chain.push(layer);
      id = layer.parent as string | undefined;
    }
  }
  return chain;
}

/** sha256 of nothing: what c/storage records for an empty piece of data. */
const EMPTY_DIGEST = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** c/storage's signature data: "signatures" (the image's), "signature-<digest>" (an instance's). */
function isSignature(name: string): boolean {
  return name === "signatures" || name.startsWith("signature-");
}

/** A big-data name of the image's record ("signature-<digest>") from its file's name ("=base64"). */
function bigDataName(file: string): string | undefined {
  try {
    return file.startsWith("=") ? atob(file.slice(1)) : file;
  } catch {
    return undefined;
  }
}

/**
 * The image's record with its signatures emptied: the host's signatures (who vouched for the
 * image on this host) stay home, as skopeo's --remove-signatures leaves them.
 */
export function withoutSignatures(image: Rec): Rec {
  const names = Array.isArray(image["big-data-names"]) ? image["big-data-names"] as string[] : [];
  const sigs = names.filter((n) => typeof n === "string" && isSignature(n));
  const sizes = { ...(image["big-data-sizes"] as Rec | undefined) };
  const digests = { ...(image["big-data-digests"] as Rec | undefined) };
  for (const n of sigs) {
    sizes[n] = 0;
    digests[n] = EMPTY_DIGEST;
  }
  let metadata = image.metadata;
  try {
    const parsed = typeof metadata === "string" ? JSON.parse(metadata) : undefined;
    if (parsed && typeof parsed === "object") {
      // One list for the image ("signature-sizes"), one per instance digest ("signatures-sizes").
      if (Array.isArray(parsed["signature-sizes"])) parsed["signature-sizes"] = [];
      for (const k of Object.keys(parsed["signatures-sizes"] ?? {})) {
        parsed["signatures-sizes"][k] = [];
      }
      metadata = JSON.stringify(parsed);
    }
  } catch { /* not JSON: kept as it is */ }
  return {
    ...image,
    ...(image["big-data-sizes"] ? { "big-data-sizes": sizes } : {}),
    ...(image["big-data-digests"] ? { "big-data-digests": digests } : {}),
    ...(metadata === undefined ? {} : { metadata }),
  };
}

/** The image's directory of manifests and configs; its signature files are written empty. */
async function addImageFiles(root: string, id: string, store: HostStore) {
  if (!ID.test(id)) return `image ID ${id} is not a digest`;
  const dir = path.join("overlay-images", id);
  store.dirs.push(dir);
  const problem = await addFiles(root, dir, store);
  for (const copy of store.copies.filter((c) => path.dirname(c.target) === dir)) {
    const name = bigDataName(path.basename(copy.target));
    if (name === undefined || !isSignature(name)) continue;
    store.copies.splice(store.copies.indexOf(copy), 1);
    store.writes.push({ path: copy.target, content: "" });
  }
  return problem;
}

/** One layer: its tar-split, its link and lower files, its empty directories, its diff bound. */
async function addLayer(root: string, id: string, store: HostStore) {
  const dir = path.join("overlay", id);
  const host = path.join(root, dir);
  if (await exists(path.join(host, "composefs-data"))) {
    return `layer ${id} is stored with composefs`;
  }
  const diff = await Deno.lstat(path.join(host, "diff")).catch(() => undefined);
  if (!diff?.isDirectory) return `layer ${id} has no diff directory`;
  const link = (await Deno.readTextFile(path.join(host, "link")).catch(() => "")).trim();
  if (!LINK.test(link)) return `layer ${id} has no link name`;
  const tarSplit = path.join("overlay-layers", `${id}.tar-split.gz`);
  const split = await Deno.lstat(path.join(root, tarSplit)).catch(() => undefined);
  if (split?.isFile) {
    store.copies.push({ source: path.join(root, tarSplit), target: tarSplit, size: split.size });
  }
  store.dirs.push(dir, path.join(dir, "diff"));
  store.links.push({ path: path.join("overlay/l", link), target: `../${id}/diff` });
  store.binds.push({ source: path.join(host, "diff"), layer: id });
  return await addFiles(root, dir, store, ["diff"]);
}

/** The regular files of a directory of the host's store copied, its subdirectories made empty. */
async function addFiles(root: string, dir: string, store: HostStore, skip: string[] = []) {
  for await (const entry of Deno.readDir(path.join(root, dir))) {
    if (skip.includes(entry.name)) continue;
    const rel = path.join(dir, entry.name);
    const info = await Deno.lstat(path.join(root, rel));
    if (info.isDirectory) store.dirs.push(rel);
    else if (info.isFile && info.size <= MAX_FILE_BYTES) {
      store.copies.push({ source: path.join(root, rel), target: rel, size: info.size });
    } else return `${path.join(root, rel)} is not a file cniso can copy`;
  }
  return undefined;
}

async function exists(p: string): Promise<boolean> {
  return (await Deno.lstat(p).catch(() => undefined)) !== undefined;
}

/** The host store for the payloads, or why they are copied by skopeo instead. */
export async function hostStoreFor(
  podman: string,
  payloads: { id: string; name: string }[],
): Promise<{ store?: HostStore; reason?: string }> {
  const graph = await hostGraphRoot(podman);
  return graph.root ? await hostStore(graph.root, payloads) : { reason: graph.reason };
}
