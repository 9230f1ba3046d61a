import assert from "node:assert/strict";
import { percentages } from "./pipeline/executor.ts";
import { timeLeft } from "./progress.ts";

Deno.test("progress: mksquashfs's bar, redrawn with \\r and cut anywhere, gives rising percentages", () => {
  const seen: number[] = [];
  const feed = percentages((p) => seen.push(p));
  const bar = (n: number) =>
    `\r[${"=".repeat(n / 4)}${" ".repeat(25 - n / 4)}] ${n * 10}/1000 ${n}%`;
  const text = [0, 8, 24, 24, 52, 100].map(bar).join("");
  // In pieces of 7 characters: a percentage may be split across chunks.
  for (let i = 0; i < text.length; i += 7) feed(text.slice(i, i + 7));
  assert.deepEqual(seen, [0, 8, 24, 52, 100]);
  const none: number[] = [];
  percentages((p) => none.push(p))("Parallel mksquashfs: Using 2 processors\n100% of nothing");
  assert.deepEqual(none, [], "only the bar's own shape counts");
});

Deno.test("progress: time left from time so far and share done", () => {
  assert.equal(timeLeft(10, 50), 10);
  assert.equal(timeLeft(30, 75), 10);
  assert.equal(timeLeft(0.5, 50), undefined, "too early to tell");
  assert.equal(timeLeft(10, 1), undefined, "too little done to tell");
  assert.equal(timeLeft(10, 100), 0);
});
