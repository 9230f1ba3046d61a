import assert from "node:assert/strict";
import { inTerminal, skippedEntries, terminalCommand, withoutProgress } from "./executor.ts";

Deno.test("executor: what mksquashfs leaves out is a failure, naming it", () => {
  const stderr =
    "[====] 10/20 50%\rCannot stat dir/file /v/meta because Operation not permitted, ignoring\n" +
    "Failed to read file /v/x, creating empty file\n";
  const e = skippedEntries("mksquashfs", stderr);
  assert.ok(e);
  assert.match(e.message, /could not read 2 entries/);
  assert.match(e.message, /\n {2}Cannot stat dir\/file \/v\/meta/);
  assert.equal(skippedEntries("mksquashfs", "[====] 20/20 100%\n"), undefined);
  assert.equal(skippedEntries("xorriso", stderr), undefined);
});

Deno.test("executor: a command in a terminal of its own keeps every word as it was", () => {
  const cmd = inTerminal("/usr/bin/script", ["/usr/bin/mksquashfs", "/a b/it's", "-x"]);
  assert.deepEqual(cmd.slice(0, 5), ["/usr/bin/script", "-q", "-f", "-e", "-c"]);
  assert.equal(cmd[5], "stty cols 120 2>/dev/null; exec /usr/bin/mksquashfs '/a b/it'\\''s' -x");
  assert.equal(cmd[6], "/dev/null");
});

Deno.test("executor: progress bars and carriage returns are left out of a tool's messages", () => {
  const text = "[===   ] 10/100  10%\r[=====] 100/100 100%\r\nFATAL ERROR: no luck\r\n\r\n";
  assert.equal(withoutProgress(text), "FATAL ERROR: no luck");
});

Deno.test("inTerminal: a command line past 128 KiB runs from a file the shell reads (script takes one argument)", async () => {
  const words = Array.from({ length: 20_000 }, (_, i) => `word-${i}'s`);
  const command = ["/bin/echo", ...words];
  assert.ok(terminalCommand(command).length > 128 * 1024);
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(file, `${terminalCommand(command)}\n`);
    const [exe, ...args] = inTerminal("script", command, file);
    assert.ok(args.every((a) => a.length < 1024), "no long argument");
    const out = await new Deno.Command(exe, { args, env: { SHELL: "/bin/sh" }, stdout: "piped" })
      .output();
    assert.equal(out.code, 0);
    const text = new TextDecoder().decode(out.stdout).trim();
    assert.equal(text.split(/\s+/).length, words.length);
    assert.ok(text.endsWith("word-19999's"));
  } finally {
    await Deno.remove(file);
  }
});
