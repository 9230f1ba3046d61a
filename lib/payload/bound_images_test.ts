import assert from "node:assert/strict";
import { boundImageRef, isBoundImageFile } from "./bound_images.ts";

Deno.test("bound images: the Image= of an .image file's [Image] section", () => {
  assert.equal(
    boundImageRef("a.image", "[Image]\nImage=quay.io/x/y:1\n"),
    "quay.io/x/y:1",
  );
  assert.equal(
    boundImageRef(
      "a.container",
      '# c\n[Unit]\nImage=wrong\n[Container]\n Image = "reg/x" \nExec=x\n',
    ),
    "reg/x",
    "the [Container] section's, quoted, with spaces",
  );
  assert.equal(boundImageRef("a.image", "[Image]\nImage=one\nImage=two\n"), "two", "the last wins");
});

Deno.test("bound images: files bootc does not read, and files without an image", () => {
  assert.equal(isBoundImageFile("x.image"), true);
  assert.equal(isBoundImageFile("x.container"), true);
  assert.equal(isBoundImageFile(".image"), false);
  assert.equal(isBoundImageFile("x.volume"), false);
  assert.equal(boundImageRef("a.volume", "[Volume]\nImage=x\n"), undefined);
  assert.equal(boundImageRef("a.image", "[Container]\nImage=x\n"), undefined, "wrong section");
  assert.equal(boundImageRef("a.image", "[Image]\nImage=\n"), undefined);
});
