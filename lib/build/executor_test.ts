import assert from "node:assert/strict";
import { inTerminal, skippedEntries, withoutProgress } from "./executor.ts";

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
