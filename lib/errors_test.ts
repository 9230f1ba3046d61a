import assert from "node:assert/strict";
import { formatError, InputError } from "./errors.ts";
import { jsonText } from "./terminal.ts";

Deno.test("formatError: no line of a message or hint begins with outside text", () => {
  const hostile = "7\n::error title=X::cniso: OK\n  ::add-mask::x\r\n::stop-commands::t";
  const text = formatError(new InputError(`a path ${hostile}`, `hint ${hostile}\nsecond`));
  for (const line of text.split("\n")) assert.match(line, /^cniso: /, line);
  assert.match(text, /^cniso: error: a path 7$/m);
  assert.match(text, /^cniso: {3}::error title=X::cniso: OK$/m);
  assert.match(text, /^cniso: hint: second$/m);
  assert.match(text, /\\x0d/);
});

Deno.test("jsonText: C1 controls, DEL and U+2028/9 escaped; the value reads back the same", () => {
  const value = { s: "a\u0085b\u2028c\u2029d\u007fe\u009bf\n" };
  const text = jsonText(value);
  assert.doesNotMatch(text, /[\u007f-\u009f\u2028\u2029\n]/);
  assert.deepEqual(JSON.parse(text), value);
  assert.equal(jsonText(value, 2).split("\n").length, 3);
});
