/**
 * Hostile text (root): names and text from the image that hold line breaks and
 * CI workflow commands ("::error ...", "::stop-commands::"). Whatever cniso
 * prints about them, as a table, an error, a warning, a plan or JSON, no line
 * may begin with outside text (a runner trims blanks, then reads "::" as a
 * command). And a tree deeper than PATH_MAX is bad input (exit 2) that still
 * ends in the promised JSON document or error event.
 */
import assert from "node:assert/strict";
import { fakePath } from "../../testing/fake_tools.ts";
import { cniso, noInternalError } from "../../testing/images.ts";
import { makeTree, put } from "../../testing/tree.ts";

const COMMAND = "\n::error title=X::cniso: OK\n  ::add-mask::secret\n::stop-commands::t\n";

/** Every line of what cniso printed, trimmed as a runner trims it: none starts with "::". */
function assertNoCommands(text: string, context: string) {
  for (const line of text.split(/\r?\n|\r/)) {
    assert.doesNotMatch(line.trimStart(), /^::/, `${context}: ${JSON.stringify(line)}`);
  }
}

const HOSTILE_TREES: Record<string, (root: string) => Promise<void>> = {
  "a kernel directory named with commands": (root) =>
    put(root, `usr/lib/modules/7${COMMAND}/vmlinuz`, "kernel"),
  "an iso.yaml key named with commands": (root) =>
    put(root, "usr/lib/image-builder/bootc/iso.yaml", `${JSON.stringify(`k${COMMAND}`)}: 1\n`),
  "an iso.yaml entry name with commands": (root) =>
    put(
      root,
      "usr/lib/image-builder/bootc/iso.yaml",
      `grub2:\n  entries:\n    - name: ${JSON.stringify(`n${COMMAND}`)}\n` +
        "      linux: /images/pxeboot/vmlinuz root=live:CDLABEL=X\n" +
        "      initrd: /images/pxeboot/initrd.img\n",
    ),
  "an EFI vendor directory named with commands": (root) =>
    Deno.mkdir(`${root}/usr/lib/efi/shim/15/EFI/v${COMMAND}`, { recursive: true }),
  "an os-release name with commands": (root) =>
    put(
      root,
      "etc/os-release",
      `NAME="a${COMMAND.replaceAll("\n", "\\n")}"\nPRETTY_NAME="b\\n::error::x"\n`,
    ),
};

for (const [what, prepare] of Object.entries(HOSTILE_TREES)) {
  Deno.test(`hostile text (root): ${what}: no printed line starts with a workflow command`, async () => {
    const root = await makeTree();
    const out = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-text-" });
    try {
      await prepare(root);
      for (
        const args of [
          ["check", "--rootfs", root],
          ["check", "--json", "--rootfs", root],
          ["build", "--rootfs", root, "--dry-run", "-o", `${out}/x.iso`],
          ["build", "--rootfs", root, "--progress", "plain", "--no-bios", "-o", `${out}/x.iso`],
          ["build", "--rootfs", root, "--progress", "json", "--no-bios", "-o", `${out}/x.iso`],
        ]
      ) {
        const r = noInternalError(await cniso(args));
        assertNoCommands(r.stdout, `${args.join(" ")}: stdout`);
        assertNoCommands(r.stderr, `${args.join(" ")}: stderr`);
        // The JSON is whole: check's one document, build's one event per line.
        if (args.includes("--json")) JSON.parse(r.stdout);
        if (args.includes("json")) {
          for (const line of r.stdout.trim().split("\n")) JSON.parse(line);
        }
      }
    } finally {
      await Deno.remove(root, { recursive: true });
      await Deno.remove(out, { recursive: true });
    }
  });
}

Deno.test("hostile (root): a --rootfs tree deeper than PATH_MAX: exit 2 with the JSON document or error event", async () => {
  const root = await makeTree();
  const out = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-deep-" });
  try {
    // Made by relative steps: no single path handed to the kernel is too long.
    const name = "d".repeat(200);
    await Deno.mkdir(`${root}/usr/share`, { recursive: true });
    const cwd = Deno.cwd();
    try {
      Deno.chdir(`${root}/usr/share`);
      for (let i = 0; i < 25; i++) {
        Deno.mkdirSync(name);
        Deno.chdir(name);
      }
      Deno.writeTextFileSync("f", "deep");
    } finally {
      Deno.chdir(cwd);
    }
    const check = noInternalError(await cniso(["check", "--json", "--rootfs", root]));
    assert.equal(check.code, 2, check.stderr);
    const doc = JSON.parse(check.stdout);
    assert.equal(doc.ok, false);
    assert.equal(doc.error.exit_code, 2);
    assert.match(doc.error.message, /longer than the system allows/);
    assert.ok(doc.error.message.length < 600);
    const build = noInternalError(
      await cniso([
        "build",
        "--rootfs",
        root,
        "--progress",
        "json",
        "--no-bios",
        "-o",
        `${out}/x.iso`,
      ]),
    );
    assert.equal(build.code, 2, build.stderr);
    const last = JSON.parse(build.stdout.trim().split("\n").at(-1)!);
    assert.equal(last.event, "error");
    assert.equal(last.exit_code, 2);
    assert.deepEqual([...Deno.readDirSync(out)], []);
  } finally {
    // rm copes with the depth (it works relative to each directory).
    await new Deno.Command("rm", { args: ["-rf", root] }).output();
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("hostile text (root): a failing tool's output with commands is quoted behind cniso's marker", async () => {
  const root = await makeTree();
  const out = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-text-" });
  // xorriso as a stand-in that fails and prints lines a runner would run.
  const bin = await fakePath({
    xorriso:
      `printf 'xorriso : FAILURE\\n::error title=X::cniso: OK\\n  ::add-mask::x\\n' >&2; exit 1`,
  });
  try {
    for (const progress of ["plain", "json"]) {
      const r = noInternalError(
        await cniso(
          ["build", "--rootfs", root, "--no-bios", "--progress", progress, "-o", `${out}/x.iso`],
          { env: { PATH: bin } },
        ),
      );
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /::error title=X::cniso: OK/, "the tool's output is shown");
      assertNoCommands(r.stdout, `${progress}: stdout`);
      assertNoCommands(r.stderr, `${progress}: stderr`);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(out, { recursive: true });
    await Deno.remove(bin, { recursive: true });
  }
});
