/**
 * Output for machines: `build --progress json` (one JSON object per line on
 * stdout, on success and on failure) and `check --json` (one document). Needs
 * root and podman (the test images).
 */
import $ from "dax";
import assert from "node:assert/strict";
import { fakePath } from "../../testing/fake_tools.ts";
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
    assert.ok(new Set(percents).size >= 3, `several percentages: ${percents}`);
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

Deno.test("build --progress json: a mksquashfs that draws its bar only on a terminal (as 4.5 does) gets one, and its percentages arrive", async () => {
  const real = await $.which("mksquashfs");
  const bin = await fakePath({
    mksquashfs: [
      'if [ -t 1 ] && [ "$(stty size 2>/dev/null | cut -d" " -f2)" -gt 0 ]; then',
      "  for p in 17 42 73; do printf '\\r[===   ] %d/100  %d%%' $p $p; sleep 0.2; done",
      "fi",
      `exec ${real} "$@"`,
    ].join("\n"),
  });
  const root = await makeTree();
  const dir = await Deno.makeTempDir({ prefix: "cniso-json-" });
  try {
    const r = await cniso(
      ["build", "--rootfs", root, "--no-bios", "-o", `${dir}/x.iso`, "--progress", "json"],
      { env: { PATH: `${bin}:${Deno.env.get("PATH")}` } },
    );
    assert.equal(r.code, 0, r.stderr);
    const percents = events(r.stdout).filter((e) => e.event === "progress").map((e) => e.percent);
    for (const p of [17, 42, 73, 100]) assert.ok(percents.includes(p), `${p} in ${percents}`);
  } finally {
    for (const d of [bin, root, dir]) await Deno.remove(d, { recursive: true });
  }
});
