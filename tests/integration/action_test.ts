/**
 * The GitHub Action (action.yml): its inputs as the runner maps them, and its
 * step run as the runner runs it (INPUT_* variables, a GITHUB_OUTPUT file)
 * against the real builder image. Needs root and podman.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { parse } from "yaml";
import {
  builderImage,
  noInternalError,
  payloadImage,
  REPO,
  testImage,
} from "../../testing/images.ts";
import { report } from "../../testing/iso_inspect.ts";

interface Action {
  inputs: Record<string, { required?: boolean; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: { id: string; env: Record<string, string>; run: string }[] };
}

const action = parse(Deno.readTextFileSync(path.join(REPO, "action.yml"))) as Action;

Deno.test("action.yml: declares its inputs and passes each to the step as the runner names them", () => {
  assert.deepEqual(Object.keys(action.inputs).sort(), [
    "allow-label-mismatch",
    "builder-image",
    "compression",
    "image",
    "mode",
    "output-dir",
    "payload-bound",
    "payload-format",
    "payloads",
  ]);
  assert.equal(action.inputs.image.required, true);
  assert.equal(action.inputs.mode.default, "unprivileged");
  assert.equal(action.runs.using, "composite");
  const step = action.runs.steps[0];
  for (const name of Object.keys(action.inputs)) {
    const env = `INPUT_${name.toUpperCase().replaceAll("-", "_")}`;
    assert.equal(step.env[env], `\${{ inputs.${name} }}`, env);
  }
  assert.match(step.run, /scripts\/action\.sh/);
  assert.equal(action.outputs.iso.value, `\${{ steps.${step.id}.outputs.iso }}`);
});

/** Runs the action's step the way the runner does: INPUT_* variables and a GITHUB_OUTPUT file. */
async function runStep(inputs: Record<string, string>, dir: string) {
  const githubOutput = path.join(dir, "github_output");
  await Deno.writeTextFile(githubOutput, "");
  const env: Record<string, string> = { GITHUB_OUTPUT: githubOutput, PATH: Deno.env.get("PATH")! };
  for (const [name, value] of Object.entries(inputs)) {
    env[`INPUT_${name.toUpperCase().replaceAll("-", "_")}`] = value;
  }
  const out = await new Deno.Command("bash", {
    args: [path.join(REPO, "scripts/action.sh")],
    env,
    clearEnv: true,
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const r = noInternalError({
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  });
  return { ...r, outputs: await Deno.readTextFile(githubOutput) };
}

Deno.test("action (root, podman): the step builds the ISO with the builder image and sets the output 'iso'", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cniso-action-" });
  try {
    const r = await runStep({
      "image": await testImage("live"),
      "builder-image": await builderImage(),
      "output-dir": "isos",
      "compression": "zstd:1",
      "mode": "unprivileged",
      "allow-label-mismatch": "false",
    }, dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // Workflow commands are off while the builder prints, with a random token.
    const token = /^::stop-commands::([0-9a-f]{32})$/m.exec(r.stdout)?.[1];
    assert.ok(token, r.stdout);
    assert.ok(r.stdout.indexOf(`::${token}::`) > r.stdout.indexOf('"event":"result"'));
    const iso = /^iso=(.*)$/m.exec(r.outputs)?.[1];
    assert.equal(iso, path.join(dir, "isos/CNISO-TEST-2.iso"));
    assert.equal((await report(iso!)).volumeId, "CNISO-TEST-2");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("action (root, podman): privileged mode with two payloads, given on two lines", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cniso-action-" });
  try {
    const a = await payloadImage("payload-a");
    const b = await payloadImage("payload-b");
    const r = await runStep({
      "image": await testImage("live"),
      "builder-image": await builderImage(),
      "output-dir": "isos",
      "mode": "privileged",
      "payloads": `${a}\n${b}\n`,
    }, dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /"title":"payload: 2 images, layers read in place"/);
    assert.match(r.outputs, /^iso=.*CNISO-TEST-2\.iso$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("action: bad inputs stop the step with an error annotation (exit 2)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cniso-action-" });
  try {
    for (
      const [inputs, message] of [
        [{ image: "x", mode: "sideways" }, /mode: expected unprivileged or privileged/],
        [{ image: "" }, /the input 'image' is required/],
        [{ image: "--privileged" }, /image: not an image reference/],
        [{ image: "x", "builder-image": "-v/:/host" }, /builder-image: not an image reference/],
        // A comma would add options to --mount type=image,source=IMAGE,...
        [{ image: "x,destination=/etc" }, /image: not an image reference/],
        [{ image: "x y" }, /image: not an image reference/],
        // The annotation stays one line: the input's line break is escaped.
        [{ image: "x\n::warning::injected" }, /not an image reference: 'x%0A::warning::injected'/],
        [{ image: "x", "allow-label-mismatch": "yes" }, /expected true or false/],
        [{ image: "x", payloads: "localhost/p" }, /payloads need mode: privileged/],
        [{ image: "x", mode: "privileged", payloads: "a -x" }, /cannot start with '-'/],
        [{ image: "x", "payload-bound": "1" }, /payload-bound: expected true or false/],
        [
          { image: "x", "payload-format": "tar" },
          /payload-format: expected containers-storage or oci/,
        ],
      ] as const
    ) {
      const r = await runStep({ ...inputs }, dir);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^::error::cniso action: /m);
      assert.doesNotMatch(r.stderr, /^\s*::(?!error::cniso action: )/m);
      assert.match(r.stderr, message);
      assert.equal(r.outputs, "");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
