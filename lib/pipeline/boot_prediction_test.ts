import assert from "node:assert/strict";
import { judgeMedium } from "./boot_prediction.ts";

Deno.test("medium: estimated at half the tree's size; over 4 GiB and over a DVD are warnings", () => {
  const gib = 1024 ** 3;
  assert.equal(judgeMedium(6 * gib, true).severity, "ok"); // about 3 GiB
  const big = judgeMedium(10 * gib, true);
  assert.equal(big.severity, "warning");
  assert.match(big.detail, /about 5\.00 GiB .*likely over 4 GiB.*likely does not fit a DVD/);
  assert.equal(judgeMedium(4 * gib + 1, false).severity, "warning");
  assert.doesNotMatch(judgeMedium(4.1 * gib, false).detail, /DVD/);
  assert.equal(judgeMedium(4 * gib - 1, false).severity, "ok");
});
