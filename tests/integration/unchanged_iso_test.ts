/**
 * ISOs unchanged by changes that are not meant to change them (root, podman):
 * the code of a reference commit and this code build the same ISO, byte for
 * byte, and print the same plan, under one SOURCE_DATE_EPOCH. The reference is
 * the last commit before the reshaping of #25 (modules split, one path walker,
 * one command table). A change that is meant to change ISOs moves REFERENCE to
 * its own commit and says why in its message.
 */
import $ from "dax";
import assert from "node:assert/strict";
import * as path from "node:path";
import { cniso, payloadImage, PERMISSIONS, REPO, testImage } from "../../testing/images.ts";

const REFERENCE = "9cf64d4d66d80228681e37406614f24fd26d1476";
const ENV = { SOURCE_DATE_EPOCH: "1700000000" };

/** The reference commit's tree, from this clone's history (CI clones with it). */
async function referenceTree(): Promise<string> {
  const has = await $`git -C ${REPO} cat-file -e ${REFERENCE}^{commit}`.noThrow().quiet();
  assert.equal(
    has.code,
    0,
    `commit ${REFERENCE} is not in ${REPO}'s history: run the tests from a full clone`,
  );
  const dir = await Deno.makeTempDir({ prefix: "cniso-reference-" });
  await $`git -C ${REPO} archive ${REFERENCE} | tar -x -C ${dir}`;
  return dir;
}

/** The reference's CLI, run as `cniso` runs this one (same permissions, its own config). */
async function referenceCniso(tree: string, args: string[]) {
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
    env: ENV,
    cwd: tree,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** Both builds of one image's ISO (same file name: the plan names it), compared byte for byte. */
async function sameIso(tree: string, args: string[]) {
  const dirs = [
    await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-unchanged-ref-" }),
    await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-unchanged-now-" }),
  ];
  try {
    const [ref, now] = dirs.map((d) => path.join(d, "live.iso"));
    const r = await referenceCniso(tree, ["build", ...args, "-o", ref]);
    assert.equal(r.code, 0, `the reference could not build: ${r.stderr}`);
    const n = await cniso(["build", ...args, "-o", now], { env: ENV });
    assert.equal(n.code, 0, n.stderr);
    const cmp = await $`cmp ${ref} ${now}`.noThrow().stdout("piped").stderr("piped");
    assert.equal(cmp.code, 0, `${args.join(" ")}: the ISOs differ: ${cmp.stdout}${cmp.stderr}`);
  } finally {
    for (const d of dirs) await Deno.remove(d, { recursive: true });
  }
}

Deno.test("unchanged ISOs (root, podman): the reference commit's plans and ISOs, byte for byte", async (t) => {
  const tree = await referenceTree();
  try {
    const [live, selinux, kernels, payloadLive, payload] = await Promise.all([
      testImage("live"),
      testImage("selinux"),
      testImage("kernels"),
      testImage("payload-live"),
      payloadImage("payload-a"),
    ]);
    const cases = [
      [live],
      [live, "--rootfs-type", "erofs"],
      [live, "--no-bios", "--compression", "xz", "--exclude", "/var/lib/apt"],
      [selinux],
      [kernels, "--default-kernel-only"],
      [payloadLive, "--payload", payload],
    ];
    await t.step("the dry-run plans (text and JSON) are the same", async () => {
      for (const args of cases) {
        for (const extra of [[], ["--progress", "json"]]) {
          const all = ["build", ...args, "--dry-run", "-o", "/var/tmp/x.iso", ...extra];
          const r = await referenceCniso(tree, all);
          const n = await cniso(all, { env: ENV });
          assert.equal(n.code, r.code, `${all.join(" ")}: ${n.stderr}`);
          assert.equal(n.stdout, r.stdout, all.join(" "));
          assert.equal(n.stderr, r.stderr, all.join(" "));
        }
      }
    });
    await t.step("the SELinux image's ISO (labels, relabel unit) is the same", async () => {
      await sameIso(tree, [selinux]);
    });
    await t.step("the payload image's ISO (a store read in place) is the same", async () => {
      await sameIso(tree, [payloadLive, "--payload", payload]);
    });
  } finally {
    await Deno.remove(tree, { recursive: true });
  }
});
