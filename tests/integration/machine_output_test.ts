/**
 * Output for machines: `build --progress json` (one JSON object per line on
 * stdout, on success and on failure) and `check --json` (one document). Needs
 * root and podman (the test images).
 */
import assert from "node:assert/strict";
import { cniso, testImage } from "../../testing/images.ts";
import { makeTree, remove } from "../../testing/tree.ts";

/** Every stdout line as JSON (a line that does not parse fails the test). */
function events(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split("\n").map((line) => {
    try {
      return JSON.parse(line);
    } catch {
      throw new Error(`not a JSON line: ${JSON.stringify(line)}`);
    }
  });
}

Deno.test("build --progress json (root, podman): only JSON lines, every step started and done in order, the result last", async () => {
  const image = await testImage("live");
  const dir = await Deno.makeTempDir({ prefix: "cniso-json-" });
  try {
    const r = await cniso(["build", image, "-o", `${dir}/x.iso`, "--progress", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const all = events(r.stdout);
    const steps = all.filter((e) => e.event === "step");
    const done = all.filter((e) => e.event === "step_done");
    assert.ok(steps.length >= 6);
    assert.deepEqual(steps.map((e) => e.index), steps.map((_, i) => i + 1));
    assert.deepEqual(done.map((e) => e.title), steps.map((e) => e.title));
    for (const s of steps) assert.equal(s.total, steps.length);
    const squashfs = steps.find((e) => e.title === "squashfs of the image")!;
    const percents = all.filter((e) => e.event === "progress" && e.index === squashfs.index)
      .map((e) => e.percent as number);
    assert.ok(percents.length >= 1 && percents.at(-1) === 100, `percentages: ${percents}`);
    assert.deepEqual(percents, [...percents].sort((a, b) => a - b), "they only rise");
    assert.ok(all.some((e) => e.event === "warning"), "the image's warnings come as events");
    const result = all.at(-1)!;
    assert.equal(result.event, "result");
    assert.equal(result.iso, `${dir}/x.iso`);
    assert.equal(result.label, "CNISO-TEST-2");
    assert.equal(result.bytes, (await Deno.stat(`${dir}/x.iso`)).size);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build --progress json: failures are JSON too, the error last with its exit code", async () => {
  for (
    const [args, code, message] of [
      [["build", "localhost/no-such-image-cniso", "--progress", "json"], 2, /no image/],
      [["build", "x", "--progress=json", "--compression", "bzip2"], 2, /unknown compression/],
      [["build", "x", "--progress", "json", "--no-such-option"], 2, /Unknown option/],
    ] as const
  ) {
    const r = await cniso([...args]);
    assert.equal(r.code, code, r.stderr);
    const last = events(r.stdout).at(-1)!;
    assert.equal(last.event, "error");
    assert.equal(last.exit_code, code);
    assert.match(String(last.message), message);
  }
});

Deno.test("check --json: one document; problems listed with what, status, where and hint", async () => {
  const root = await makeTree();
  try {
    const good = await cniso(["check", "--rootfs", root, "--json"]);
    assert.equal(good.code, 0, good.stderr);
    const doc = JSON.parse(good.stdout);
    assert.equal(doc.ok, true);
    assert.equal(doc.label, "Test-OS-1");
    assert.ok(
      doc.findings.some((f: { what: string; status: string }) =>
        f.what === "kernel" && f.status === "ok"
      ),
    );
    await remove(root, "boot/efi/EFI/debian/mmx64.efi");
    const bad = await cniso(["check", "--rootfs", root, "--json"]);
    assert.equal(bad.code, 2);
    const badDoc = JSON.parse(bad.stdout);
    assert.equal(badDoc.ok, false);
    assert.equal(badDoc.problems, 1);
    const mm = badDoc.findings.find((f: { what: string }) => f.what === "mmx64.efi");
    assert.equal(mm.status, "error");
    assert.match(mm.hint, /shim/);
    const missing = await cniso(["check", "localhost/no-such-image-cniso", "--json"]);
    assert.equal(missing.code, 2);
    assert.equal(JSON.parse(missing.stdout).error.exit_code, 2);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
