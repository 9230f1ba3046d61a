import assert from "node:assert/strict";
import { diskInfo } from "./disk_info.ts";

Deno.test("disk info: one line naming the system and the label", () => {
  assert.equal(
    diskInfo({ PRETTY_NAME: "Debian GNU/Linux 13 (trixie)" }, "Live-13"),
    "Debian GNU/Linux 13 (trixie) - live ISO Live-13, made by cniso\n",
  );
  assert.equal(diskInfo(undefined, "X"), "Linux - live ISO X, made by cniso\n");
});

Deno.test("disk info: a name with newlines or escapes stays one printable line", () => {
  const text = diskInfo({ PRETTY_NAME: "A\nB\x1b[2J" + "x".repeat(500) }, "L");
  assert.equal(text.split("\n").length, 2);
  assert.ok(text.length <= 200 + 40);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(text.slice(0, -1), /[\x00-\x1f\x7f]/);
});
