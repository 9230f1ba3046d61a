import assert from "node:assert/strict";
import { isContext, labelLine, labelValue, pseudoName } from "./pseudo.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("pseudo: white space, quotes and backslashes in names are escaped; newlines cannot be written", () => {
  assert.equal(dec(pseudoName(enc("/etc/passwd"))!), "/etc/passwd");
  assert.equal(dec(pseudoName(enc('/a b\t"c"\\d'))!), '/a\\ b\\\t\\"c\\"\\\\d');
  assert.equal(dec(pseudoName(enc("/a\rb\vc\fd"))!), "/a\\\rb\\\vc\\\fd");
  assert.equal(pseudoName(enc("/a\nb")), undefined);
  // Bytes that are not UTF-8 pass as they are.
  assert.deepEqual(
    pseudoName(new Uint8Array([0x2f, 0xff, 0xfe])),
    new Uint8Array([0x2f, 0xff, 0xfe]),
  );
});

Deno.test("pseudo: the label is the context and a NUL, as setfiles writes it", () => {
  assert.equal(labelValue("a:b:c"), "0ta:b:c\\000");
  assert.equal(
    dec(labelLine(enc("/x y"), "system_u:object_r:etc_t:s0")!),
    `/x\\ y x security.selinux=${labelValue("system_u:object_r:etc_t:s0")}\n`,
  );
  assert.equal(labelLine(enc("/x\ny"), "a:b:c"), undefined);
});

Deno.test("pseudo: only security contexts become labels", () => {
  for (
    const ok of ["system_u:object_r:etc_t:s0", "system_u:object_r:etc_t", "u:r:t:s0-s0:c0.c1023"]
  ) {
    assert.ok(isContext(ok), ok);
  }
  for (const bad of ["", "etc_t", "a:b:c d", "a:b:c\nx", "a:b:c:s0;rm", "<<none>>"]) {
    assert.ok(!isContext(bad), bad);
  }
});
