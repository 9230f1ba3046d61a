/**
 * Finds the payload images in the host's container storage (and, with
 * --payload-bound, the images they bind), and checks that the live root has
 * room for them: the paths the payload adds must not be in the image already.
 * Each result is a finding, so `check` can list them and `build` can stop on
 * the errors.
 */
import * as path from "node:path";
import type { Cleanup } from "../cleanup.ts";
import { CnisoError, InputError, ToolError } from "../errors.ts";
import { type Finding, finding, Findings, mib } from "../image/findings.ts";
import { ImageRoot } from "../image/image_root.ts";
import {
  inspectImage,
  mountImage,
  rootStoreHint,
  storageName,
  unmountImage,
} from "../image/podman.ts";
import { walk } from "../path_walk.ts";
import { runBytes } from "../run.ts";
import { printable } from "../terminal.ts";
import { BOUND_IMAGES_DIR, boundImageRef, isBoundImageFile } from "./bound_images.ts";
import { isFullyQualified, isImageReference } from "../image/image_ref.ts";
import { STORE_PATH } from "./live_store.ts";
import { addedPaths, type Payload, type PayloadFormat } from "./payload_plan.ts";

export interface PayloadRequest {
  refs: string[];
  /** Also embed the images the payloads bind (bootc's bound-images.d). */
  bound: boolean;
  format: PayloadFormat;
}

/**
 * Everything `check` and `build` conclude about the payloads: the images
 * found, and findings for them and for the image's room (and, for a --rootfs
 * tree, its whiteouts).
 */
export async function judgePayloads(
  podman: string,
  request: PayloadRequest,
  source: { rootDir: string; isTree: boolean },
  cleanup: Cleanup,
): Promise<{ payloads: Payload[]; findings: Finding[] }> {
  const found = await findPayloads(podman, request, cleanup);
  return {
    payloads: found.payloads,
    findings: [
      ...found.findings,
      ...await roomFindings(source.rootDir, request.format),
      ...(source.isTree ? await whiteoutFindings(source.rootDir) : []),
    ],
  };
}

/** At most this many bound-image files are read from one payload. */
const MAX_BOUND_FILES = 256;
const MAX_QUADLET_BYTES = 64 * 1024;

/** The payload images, each with a finding; errors for references not in local storage. */
export async function findPayloads(
  podman: string,
  request: PayloadRequest,
  cleanup: Cleanup,
): Promise<{ payloads: Payload[]; findings: Finding[] }> {
  const findings = new Findings();
  const payloads: Payload[] = [];
  const add = (p: Payload) => {
    if (payloads.some((q) => q.id === p.id)) return;
    payloads.push(p);
    findings.ok("payload", p.name, `${p.id.slice(0, 12)}, ${mib(p.size)} (${p.why})`);
  };
  for (const ref of request.refs) {
    if (!isImageReference(ref)) {
      throw new InputError(
        `--payload ${JSON.stringify(ref)}: not an image reference`,
        "name it as podman images shows it: localhost/img:tag, quay.io/org/img:tag, or an image ID",
      );
    }
    const found = await localImage(podman, ref, "--payload");
    if (found) add(found);
    else {
      findings.bad(
        "payload",
        ref,
        `no image "${ref}" in ${await storageName()}`,
        `pull it first: podman pull ${ref}${await rootStoreHint(ref)}`,
      );
    }
  }
  if (request.bound) {
    for (const p of [...payloads]) {
      for (const b of await boundImages(podman, p, cleanup)) {
        findings.list.push(boundFinding(b, p.name, payloads));
      }
    }
  }
  return { payloads, findings: findings.list };
}

/**
 * What becomes of an image a payload binds. A payload is third-party input: it never chooses
 * what else from the host goes into a published ISO. A bound image is embedded only when the
 * user names it too (with --payload); any other, a localhost/ one included, is left out with a
 * warning that says how to include it.
 */
function boundFinding(
  b: { ref: string; file: string },
  by: string,
  payloads: Payload[],
): Finding {
  const named = `named by ${by} (${printable(b.file)})`;
  const chosen = payloads.find((q) => q.ref === b.ref || q.name === b.ref);
  if (chosen) {
    return finding({
      item: "bound image",
      severity: "ok",
      where: b.ref,
      detail: `${named}; embedded: you named it (--payload ${chosen.ref})`,
    });
  }
  const full = isFullyQualified(b.ref) && isImageReference(b.ref);
  return finding({
    item: "bound image",
    severity: "warning",
    where: b.ref,
    detail: `${named}: left out (a payload does not choose what else from this host goes ` +
      `into the ISO)${full ? "" : "; and it is not a full reference (registry and tag or digest)"}`,
    hint: full ? `to embed it, name it too: --payload ${b.ref}` : undefined,
  });
}

/**
 * The image a reference names in local storage, or undefined when there is
 * none. With `exact`, only an image that has the reference itself as a tag or
 * digest counts (podman's lookup also matches short names and ID prefixes).
 */
async function localImage(
  podman: string,
  ref: string,
  why: string,
  exact = false,
): Promise<Payload | undefined> {
  const found = await inspectImage(podman, ref);
  if (!found) return undefined;
  if (exact && !found.tags.includes(ref) && !found.digests.includes(ref)) return undefined;
  const name = tagFor(ref, found.tags);
  if (!name) {
    throw new InputError(
      `payload ${ref}: no name for it in the ISO (an image ID, or a name without that tag in ` +
        `local storage); the host's other tags are not used, as one may be an internal registry's`,
      `name it by a tag: podman tag ${ref} localhost/my-payload:latest, then --payload ` +
        `localhost/my-payload:latest`,
    );
  }
  return { ref, id: found.id, name, size: found.size ?? 0, why };
}

/**
 * The name a payload goes by in the ISO: the tag the reference means (localhost/x means
 * localhost/x:latest), or a digest reference as it was given. Never another of the host's tags:
 * for an ID, the first tag could be an internal registry's name (undefined: cniso asks for one).
 */
export function tagFor(ref: string, tags: string[]): string | undefined {
  if (/^[^@]+@sha256:[0-9a-f]{64}$/.test(ref)) return ref;
  const tagged = /:[\w][\w.-]*$/.test(ref.split("/").at(-1) ?? "") ? ref : `${ref}:latest`;
  // A short name means localhost/ only: "app:1" must not become registry.internal/team/app:1.
  return tags.find((t) => t === ref || t === tagged || t === `localhost/${tagged}`);
}

/** The images a payload binds: read from its bound-images.d, the image mounted for a moment. */
async function boundImages(
  podman: string,
  payload: Payload,
  cleanup: Cleanup,
): Promise<{ ref: string; file: string }[]> {
  const rootDir = await mountImage(podman, payload.id);
  let unmounted = false;
  const unmount = async () => {
    if (!unmounted) await unmountImage(podman, payload.id);
    unmounted = true;
  };
  cleanup.defer(`unmount ${payload.name}`, unmount);
  try {
    const root = new ImageRoot(rootDir);
    const names = (await root.list(BOUND_IMAGES_DIR, MAX_BOUND_FILES)).filter(isBoundImageFile);
    const found: { ref: string; file: string }[] = [];
    for (const name of names) {
      const file = path.posix.join(BOUND_IMAGES_DIR, name);
      const read = await root.readText(file, MAX_QUADLET_BYTES);
      const ref = read && boundImageRef(name, read.text);
      if (ref) found.push({ ref, file });
    }
    return found;
  } catch (e) {
    if (e instanceof CnisoError) {
      throw new InputError(`payload ${payload.name}: ${e.message}`, e.hint);
    }
    throw e;
  } finally {
    await unmount();
  }
}

/**
 * Whether the live root has room for the payload: each path it adds must be
 * absent from the image, under real directories (a symlink there would take
 * the payload elsewhere). An empty /var/lib/containers/storage is room enough.
 */
export async function roomFindings(rootDir: string, format: PayloadFormat): Promise<Finding[]> {
  const findings = new Findings();
  for (const added of addedPaths(format)) {
    const problem = await obstacle(rootDir, added);
    if (problem) {
      findings.bad(
        "payload room",
        added,
        problem,
        "the payload cannot be added without changing the image's own files: remove that path from the image",
      );
    }
  }
  return findings.list;
}

/** What in the image stands where `added` would go, or undefined. Never follows a symlink. */
export async function obstacle(rootDir: string, added: string): Promise<string | undefined> {
  // Whatever lstat cannot see is not in the way.
  const fs = {
    lstat: (p: string) => Deno.lstat(p).catch(() => undefined),
    readLink: Deno.readLink,
  };
  const walked = await walk(added, { symlinks: "never", root: rootDir }, fs);
  if (walked.end === "blocked") {
    const what = walked.info.isSymlink ? "a symbolic link" : "not a directory";
    return `/${walked.parts.join("/")} in the image is ${what}`;
  }
  if (walked.end !== "found" || !walked.info) return undefined;
  const at = "/" + walked.parts.join("/");
  if (added === STORE_PATH && walked.info.isDirectory) {
    if (await isEmpty(walked.host)) return undefined;
    return `the image has its own container storage at ${at}; the payload would hide it`;
  }
  return `${at} is in the image already`;
}

async function isEmpty(dir: string): Promise<boolean> {
  for await (const _ of Deno.readDir(dir)) return false;
  return true;
}

/**
 * A --rootfs tree is read through an overlay view (payloads, SELinux's unit),
 * which would take a 0/0 character device for a whiteout and hide it: such a
 * tree is an overlay layer, not a root, and is refused. (An image's mount never
 * shows them.) Every character device is looked at, whatever its name.
 */
export async function whiteoutFindings(rootDir: string, item = "payload view"): Promise<Finding[]> {
  const r = await runBytes(
    "find",
    [rootDir, "-xdev", "-type", "c", "-exec", "stat", "--printf", "%t %T %n\\0", "{}", "+"],
    { maxBytes: 64 * 1024 * 1024 },
  );
  if (r.code !== 0 || r.cut) {
    throw new ToolError(
      `could not list the character devices of ${printable(rootDir)} (find exit code ${r.code})`,
      printable(r.stderr.trim().split("\n").slice(-5).join("\n")) || undefined,
    );
  }
  const findings = new Findings();
  for (const record of new TextDecoder().decode(r.stdout).split("\0").filter(Boolean)) {
    const m = /^(\w+) (\w+) ([^]*)$/.exec(record);
    if (m && m[1] === "0" && m[2] === "0") {
      findings.bad(
        item,
        m[3].slice(rootDir.length) || "/",
        "a 0/0 character device (an overlay whiteout): the live root's overlay view would hide it",
        "build from a tree without whiteouts (a merged root, not a layer), or from the image itself",
      );
    }
  }
  return findings.list;
}
