/**
 * The payload as plan data: which images go into the live root, how skopeo
 * copies them, and the read-only view the live root's file system is made
 * from. The view is an overlay of the image's mount over a small skeleton (the
 * image's entries win, so none of its files or directories change), with the
 * payload's store bind-mounted on top in a private mount namespace that dies
 * with the tool: the store's whiteouts are never seen through an overlay, and
 * nothing of the image is copied. Pure: it only describes.
 */
import * as path from "node:path";
import { InputError } from "../errors.ts";
import type { HostStore } from "./host_store.ts";
import { liveStoreFiles, OCI_PATH, type SkelFile, STORE_PATH } from "./live_store.ts";

export const PAYLOAD_FORMATS = ["containers-storage", "oci"] as const;
export type PayloadFormat = typeof PAYLOAD_FORMATS[number];

/** An image to embed, as found in local container storage. */
export interface Payload {
  /** As the user (or a bound-images file) named it. */
  ref: string;
  /** The image ID (sha256 hex). */
  id: string;
  /** The name it gets in the live root's storage (one of its tags). */
  name: string;
  /** Its size unpacked, in bytes (podman's figure). */
  size: number;
  /** Why it is embedded: "--payload", or the bound-images file that names it. */
  why: string;
}

export interface PayloadInput {
  payloads: Payload[];
  format: PayloadFormat;
  /** The store taken from the host's records, layers bind-mounted (else skopeo copies). */
  hostStore?: HostStore;
}

/** The payload's work files: all inside the build's work directory. */
export function payloadWork(workDir: string) {
  const dir = path.join(workDir, "payload");
  return {
    dir,
    /** Small files and directories the live root gains, below the image in the view. */
    skel: path.join(dir, "skel"),
    /** The mount point of the image's root inside the namespace (fixed names keep mount options plain). */
    image: path.join(dir, "image"),
    /** The view the live root's file system is made from. */
    view: path.join(dir, "view"),
    /** The containers-storage store skopeo writes (graph root and run root). */
    store: path.join(dir, "store"),
    run: path.join(dir, "run"),
  };
}
export type PayloadWork = ReturnType<typeof payloadWork>;

/**
 * Characters skopeo's storage names cannot carry in a path
 * (`containers-storage:[overlay@ROOT+RUNROOT]`, `oci:PATH:TAG`).
 */
// deno-lint-ignore no-control-regex
const UNSAFE_PATH = /[\[\]@+:\x00-\x1f\x7f]/;

/** The work directory must be nameable in skopeo's references. */
export function checkWorkPath(workDir: string): void {
  if (UNSAFE_PATH.test(workDir)) {
    throw new InputError(
      `the work directory ${
        JSON.stringify(workDir)
      } has a character skopeo cannot take ([ ] @ + : or a control character)`,
      "write the ISO to a directory whose path has none of them (--output)",
    );
  }
}

/**
 * The skeleton's contents, as paths in the live root. Every directory is
 * listed, parents first, so each gets its mode whatever root's umask is (the
 * image's own directories win over these in the view).
 */
export function skelContents(format: PayloadFormat): {
  dirs: string[];
  files: SkelFile[];
  links: { path: string; target: string }[];
} {
  const content = format === "oci" ? { files: [], links: [] } : liveStoreFiles();
  const leaves = [
    format === "oci" ? path.dirname(OCI_PATH) : STORE_PATH,
    ...content.files.map((f) => path.dirname(f.path)),
    ...content.links.map((l) => path.dirname(l.path)),
  ];
  return { dirs: withParents(leaves), ...content };
}

/** The directories and all their parents below /, each once, parents first. */
export function withParents(dirs: string[]): string[] {
  const all = new Set<string>();
  for (const dir of dirs) {
    const parts = dir.split("/").filter(Boolean);
    parts.forEach((_, i) => all.add("/" + parts.slice(0, i + 1).join("/")));
  }
  return [...all].sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
}

/** Every path the payload adds to the live root, each checked against the image first. */
export function addedPaths(format: PayloadFormat): string[] {
  const skel = skelContents(format);
  return [
    format === "oci" ? OCI_PATH : STORE_PATH,
    ...skel.files.map((f) => f.path),
    ...skel.links.map((l) => l.path),
  ];
}

/** skopeo's argument naming the destination of one payload. */
export function destination(format: PayloadFormat, work: PayloadWork, name: string): string {
  return format === "oci"
    ? `oci:${path.join(work.skel, OCI_PATH)}:${name}`
    : `containers-storage:[overlay@${work.store}+${work.run}]${name}`;
}

/**
 * unshare's and skopeo's arguments for one payload: from the host's storage,
 * by ID, keeping every digest. skopeo leaves its store's `overlay` directory
 * bind-mounted onto itself; in a private mount namespace that mount dies with it.
 */
export function skopeoArgs(format: PayloadFormat, work: PayloadWork, payload: Payload): string[] {
  if (!/^[0-9a-f]{64}$/.test(payload.id)) throw new Error(`internal: image ID ${payload.id}`);
  return [
    "copy",
    "--quiet",
    "--preserve-digests",
    // The host's signatures stay home: the ISO carries the image, not who vouched for it here.
    "--remove-signatures",
    `containers-storage:${payload.id}`,
    destination(format, work, payload.name),
  ];
}

/**
 * The shell script run by `unshare --mount` around the live root's tool:
 * mounts the view (and each layer bound from the host's store), then runs the
 * tool on it. Arguments: the payload work directory, the image's root, pairs
 * of a layer's diff directory and its ID up to "--", then the tool. Paths come
 * as arguments, never inside the script; mount options name only fixed
 * relative paths; layer IDs are checked digests.
 */
export const VIEW_SCRIPT = [
  "set -eu",
  'cd "$1"',
  'mount --bind "$2" image',
  // Read-only, and redirect and metacopy attributes in the image are not followed.
  "mount -t overlay cniso-view -o lowerdir=image:skel,redirect_dir=nofollow,metacopy=off view",
  `if [ -d store ]; then mount --bind store view${STORE_PATH}; fi`,
  "shift 2",
  'while [ "$1" != -- ]; do',
  `  mount --bind -o ro "$1" "view${STORE_PATH}/overlay/$2/diff"`,
  "  shift 2",
  "done",
  "shift",
  'exec "$@"',
].join("\n");

/** unshare's arguments for a private mount namespace that ends with the tool. */
export const PRIVATE_MOUNTS = ["--mount", "--propagation", "private", "--"];

/** unshare's arguments before the tool's own: a private mount namespace with the view mounted. */
export function viewArgs(
  work: PayloadWork,
  rootDir: string,
  binds: { source: string; layer: string }[] = [],
): string[] {
  return [
    ...PRIVATE_MOUNTS,
    "/bin/sh",
    "-c",
    VIEW_SCRIPT,
    "cniso-view",
    work.dir,
    rootDir,
    ...binds.flatMap((b) => {
      if (!/^[0-9a-f]{64}$/.test(b.layer)) throw new Error(`internal: layer ID ${b.layer}`);
      return [b.source, b.layer];
    }),
    "--",
  ];
}

/** A payload's share of the live root, by unpacked sizes. */
export function payloadShare(payloadBytes: number, imageBytes: number): number {
  return payloadBytes / (payloadBytes + imageBytes);
}
