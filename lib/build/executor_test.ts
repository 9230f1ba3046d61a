import assert from "node:assert/strict";
import { skippedEntries } from "./executor.ts";

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
