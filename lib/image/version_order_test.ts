import assert from "node:assert/strict";
import { compareVersions, newestFirst } from "./version_order.ts";

Deno.test("version order: numbers compare as numbers, not text", () => {
  assert.deepEqual(compareVersions("6.10.0", "6.9.12") > 0, true);
  assert.deepEqual(compareVersions("6.9.12", "6.10.0") < 0, true);
  assert.deepEqual(compareVersions("6.1.0-28-amd64", "6.1.0-9-amd64") > 0, true);
  assert.deepEqual(compareVersions("6.11.5-300.fc41.x86_64", "6.11.5-300.fc41.x86_64"), 0);
  assert.deepEqual(compareVersions("010", "9") > 0, true);
});

Deno.test("version order: tilde sorts first, a number beats letters, longer wins", () => {
  assert.deepEqual(compareVersions("6.0~rc1", "6.0") < 0, true);
  assert.deepEqual(compareVersions("6.0", "6.0~rc1") > 0, true);
  assert.deepEqual(compareVersions("1.0a", "1.0.1") < 0, true);
  assert.deepEqual(compareVersions("15.8-3", "15.8") > 0, true);
  assert.deepEqual(compareVersions("2.12", "2.12-1.fc41") < 0, true);
});

Deno.test("version order: newestFirst is total and independent of input order", () => {
  const input = ["6.9.12", "6.10.3", "6.1.0-28-amd64", "6.10.03", "7.2.0~rc1", "7.2.0"];
  const want = ["7.2.0", "7.2.0~rc1", "6.10.03", "6.10.3", "6.9.12", "6.1.0-28-amd64"];
  assert.deepEqual(newestFirst(input), want);
  assert.deepEqual(newestFirst([...input].reverse()), want);
});
