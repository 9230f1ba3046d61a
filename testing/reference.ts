/**
 * The reference commit: the code before the reshaping of #25 (modules split,
 * one path walker, one command table), which changed no ISO. Tests build with
 * it and with this code and compare: ISOs byte for byte, plans line for line.
 * A change that is meant to change ISOs moves REFERENCE to its own commit and
 * says why in its message.
 */
import $ from "dax";
import assert from "node:assert/strict";
import * as path from "node:path";
import { PERMISSIONS, REPO } from "./images.ts";

export const REFERENCE = "9cf64d4d66d80228681e37406614f24fd26d1476";

/** The reference's tree, from this clone's history (CI clones with it); removed by `fn`'s end. */
export async function withReferenceTree<T>(fn: (tree: string) => Promise<T>): Promise<T> {
  const has = await $`git -C ${REPO} cat-file -e ${REFERENCE}^{commit}`.noThrow().quiet();
  assert.equal(has.code, 0, `commit ${REFERENCE} is not in ${REPO}'s history: use a full clone`);
  const tree = await Deno.makeTempDir({ prefix: "cniso-reference-" });
  try {
    await $`git -C ${REPO} archive ${REFERENCE} | tar -x -C ${tree}`;
    return await fn(tree);
  } finally {
    await Deno.remove(tree, { recursive: true });
  }
}

/** The reference's CLI, run as `cniso` runs this one (same permissions, its own config). */
export async function referenceCniso(tree: string, args: string[], env?: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...PERMISSIONS,
      "--no-prompt",
      "--config",
      path.join(tree, "deno.json"),
      path.join(tree, "main.ts"),
      ...args,
    ],
    env,
    cwd: tree,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/**
 * `iso`, built by this code with `cniso build IMAGE -o ISO ARGS...` (`args`: IMAGE ARGS...),
 * is what the reference builds from the same arguments, byte for byte.
 */
export async function assertReferenceIso(iso: string, args: string[]) {
  await withReferenceTree(async (tree) => {
    const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-reference-iso-" });
    try {
      const [image, ...rest] = args;
      const ref = path.join(dir, path.basename(iso));
      const r = await referenceCniso(tree, ["build", image, "-o", ref, ...rest]);
      assert.equal(r.code, 0, `the reference could not build: ${r.stderr}`);
      const cmp = await $`cmp ${ref} ${iso}`.noThrow().stdout("piped").stderr("piped");
      assert.equal(cmp.code, 0, `not the reference's ISO: ${cmp.stdout}${cmp.stderr}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
