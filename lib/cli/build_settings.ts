/**
 * `build`'s options judged into settings before anything is mounted: bad input
 * costs a second. The image or tree, the live root's file system and
 * compression, the exclusions, SOURCE_DATE_EPOCH, the payload request, where
 * the ISO goes and who gets it.
 */
import * as path from "node:path";
import { InputError } from "../errors.ts";
import type { ImageSpec } from "../image/image_source.ts";
import { isHostRoot } from "../image/user_namespace.ts";
import type { PayloadRequest } from "../payload/payloads.ts";
import { type Compression, parseCompression } from "../pipeline/compression.ts";
import { EROFS_DEFAULT_COMPRESSION } from "../pipeline/erofs.ts";
import { parseExcludes } from "../pipeline/exclude.ts";
import { parseEpoch } from "../pipeline/source_date.ts";
import { PROGRESS_MODES } from "../progress.ts";
import type { BUILD_OPTIONS } from "./commands.ts";
import { imageOrRootfs, oneOf, type parseOptions, payloadRequest, rootfsType } from "./options.ts";

export type BuildValues = ReturnType<typeof parseOptions<typeof BUILD_OPTIONS>>["values"];

export interface BuildSettings {
  spec: ImageSpec;
  rootfs: "squashfs" | "erofs";
  compression: Compression;
  excludes: string[];
  /** SOURCE_DATE_EPOCH, parsed (undefined: unset). */
  epoch: number | undefined;
  payload: PayloadRequest | undefined;
  output: OutputTarget;
  owner: Owner | undefined;
  dryRun: boolean;
}

export type Owner = { uid: number; gid: number };
export type OutputTarget = { path: string; isDirectory: boolean };

/** Every option judged before anything is mounted: bad input costs a second. */
export async function buildSettings(
  values: BuildValues,
  positionals: string[],
): Promise<BuildSettings> {
  oneOf("progress", values.progress, PROGRESS_MODES, "auto");
  const spec = imageOrRootfs("build", positionals, values.rootfs);
  const rootfs = rootfsType(values["rootfs-type"]);
  const compression = parseCompression(
    values.compression ?? (rootfs === "erofs" ? EROFS_DEFAULT_COMPRESSION : "zstd"),
  );
  const excludes = parseExcludes(values.exclude ?? []);
  // A SOURCE_DATE_EPOCH the tools cannot take is found before anything is mounted.
  const epoch = parseEpoch(Deno.env.get("SOURCE_DATE_EPOCH"));
  return {
    spec,
    rootfs,
    compression,
    excludes,
    epoch,
    payload: payloadRequest(values),
    output: await outputTarget(values.output),
    owner: await ownerOption(values.chown),
    dryRun: values["dry-run"] ?? false,
  };
}

/** --chown: root's alone (below host root the ISO is already the user's). */
async function ownerOption(text: string | undefined) {
  const owner = parseOwner(text);
  if (owner && !(await isHostRoot())) {
    throw new InputError(
      `--chown ${text}: only root gives the ISO to another owner`,
      "built without root, the ISO is yours already: leave --chown out",
    );
  }
  return owner;
}

function parseOwner(text: string | undefined): Owner | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+):(\d+)$/.exec(text);
  if (!m) throw new InputError(`--chown ${text}: expected UID:GID in numbers, e.g. 1000:1000`);
  return { uid: Number(m[1]), gid: Number(m[2]) };
}

/** Where the ISO goes: an existing directory, or a file whose directory exists. */
async function outputTarget(option: string | undefined): Promise<OutputTarget> {
  const target = path.resolve(option ?? ".");
  const info = await Deno.stat(target).catch(() => undefined);
  if (info?.isDirectory) return { path: target, isDirectory: true };
  if (info && !info.isFile) throw new InputError(`--output ${option}: not a file or directory`);
  const parent = await Deno.stat(path.dirname(target)).catch(() => undefined);
  if (!parent?.isDirectory) {
    throw new InputError(
      `--output ${option}: the directory ${path.dirname(target)} does not exist`,
      "create it first, or write the ISO elsewhere",
    );
  }
  return { path: target, isDirectory: false };
}
