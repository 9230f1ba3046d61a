/**
 * Confined access to an image's tree. The image is untrusted: a symlink such as
 * `vmlinuz -> /etc/shadow` must resolve inside the image, as it would in a
 * chroot, never on the host. Every read of the image goes through here.
 */
import * as path from "node:path";
import { InputError } from "../errors.ts";
import { components, denoFs, walk } from "../path_walk.ts";
import { readAtMost } from "../read_at_most.ts";

export type EntryKind = "file" | "directory" | "other";

export interface Resolved {
  /** The path inside the image, with every symlink resolved (always absolute). */
  imagePath: string;
  /** The same object on the host: `root` + `imagePath`, free of symlinks. */
  hostPath: string;
  kind: EntryKind;
  size: number;
}

export class ImageRoot {
  /**
   * `root` is the host directory that is `/` of the image (a mount point). Every read stops
   * once `signal` aborts: the discovery's budget (judge_image.ts), or the user's signal.
   */
  constructor(readonly root: string, readonly signal?: AbortSignal) {}

  /**
   * Resolves `imagePath` component by component, following symlinks inside the
   * image only; `..` stops at the image root. Returns undefined when nothing is
   * there (or a link dangles).
   */
  async resolve(imagePath: string): Promise<Resolved | undefined> {
    const fs = { lstat: (host: string) => lookUp(host, imagePath), readLink: denoFs.readLink };
    const rule = { symlinks: "within-root", root: this.root } as const;
    const walked = await walk(imagePath, rule, fs, { signal: this.signal });
    if (walked.end === "loop") {
      throw new InputError(`too many levels of symbolic links at ${imagePath} in the image`);
    }
    if (walked.end !== "found") return undefined;
    const info = await Deno.lstat(walked.host);
    return {
      imagePath: "/" + walked.parts.join("/"),
      hostPath: walked.host,
      kind: info.isFile ? "file" : info.isDirectory ? "directory" : "other",
      size: info.size,
    };
  }

  /** Resolves a path that must be a regular file; undefined when it is absent or not a file. */
  async file(imagePath: string): Promise<Resolved | undefined> {
    const r = await this.resolve(imagePath);
    return r?.kind === "file" ? r : undefined;
  }

  /** Whether anything (even a dangling link) is at `imagePath`, its parent resolved in the image. */
  async lexists(imagePath: string): Promise<boolean> {
    const parts = components(imagePath);
    const name = parts.pop();
    if (!name) return true;
    // "..": the walk keeps it inside the root (components() drops ".").
    if (name === "..") return (await this.resolve(imagePath)) !== undefined;
    const parent = await this.resolve("/" + parts.join("/"));
    if (parent?.kind !== "directory") return false;
    try {
      await Deno.lstat(path.join(parent.hostPath, name));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Reads a text file inside the image, or undefined when it is absent. A file
   * over `maxBytes` is bad input, found from its size before anything is read
   * (and a file that grows while read is cut there too).
   */
  async readText(
    imagePath: string,
    maxBytes: number,
  ): Promise<{ resolved: Resolved; text: string } | undefined> {
    const resolved = await this.file(imagePath);
    if (!resolved) return undefined;
    const tooBig = () =>
      new InputError(
        `${resolved.imagePath} in the image has ${resolved.size} bytes; at most ${maxBytes} are read`,
        "this file is a few lines: check what the image put there",
      );
    if (resolved.size > maxBytes) throw tooBig();
    const bytes = await readAtMost(resolved.hostPath, maxBytes + 1);
    if (bytes.length > maxBytes) throw tooBig();
    return { resolved, text: new TextDecoder().decode(bytes) };
  }

  /** Names in a directory of the image (sorted), or [] when it is absent; more than `max` is bad input. */
  async list(imagePath: string, max = 10_000): Promise<string[]> {
    const dir = await this.resolve(imagePath);
    if (dir?.kind !== "directory") return [];
    const names: string[] = [];
    for await (const entry of Deno.readDir(dir.hostPath)) {
      this.signal?.throwIfAborted();
      if (names.length >= max) {
        throw new InputError(`${dir.imagePath} in the image has more than ${max} entries`);
      }
      names.push(entry.name);
    }
    return names.sort();
  }
}

/** The entry at `host` (a step of `imagePath`), or undefined when nothing is there. */
async function lookUp(host: string, imagePath: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(host);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    // Paths too long for the host (links that pile up long names): the image's doing.
    if (/name too long|os error 36/i.test(String(e))) {
      throw new InputError(`${imagePath} in the image leads to a path too long to read`);
    }
    throw e;
  }
}
