import assert from "node:assert/strict";
import { isFullyQualified, isImageReference } from "./image_ref.ts";

Deno.test("image references: names, tags, digests and IDs are taken", () => {
  for (
    const ref of [
      "localhost/my-image",
      "localhost/my-image:latest",
      "quay.io/fedora/fedora-bootc:42",
      "registry.example:5000/a/b/c:v1.2",
      `ghcr.io/ublue-os/bazzite@sha256:${"a".repeat(64)}`,
      "fedora",
      "cddf2cb91d4f",
      "a".repeat(64),
    ]
  ) assert.ok(isImageReference(ref), ref);
});

Deno.test("image references: transports, store specifications and odd text are refused", () => {
  for (
    const ref of [
      "containers-storage:[overlay@/tmp/x+/tmp/r]x",
      "docker://quay.io/x",
      "oci:/tmp/layout:x",
      "[overlay@/x+/y]img",
      "-x",
      "UPPER",
      "a b",
      "x\ny",
      "x:tag:tag",
      "",
    ]
  ) assert.ok(!isImageReference(ref), ref);
});

Deno.test("image references: bound images must name one image wherever they are read", () => {
  assert.ok(isFullyQualified("quay.io/x/y:1"));
  assert.ok(isFullyQualified("localhost/x:latest"));
  assert.ok(isFullyQualified(`registry:5000/x@sha256:${"b".repeat(64)}`));
  for (const ref of ["quay.io/x/y", "x:1", "localhost/x", "cdd", "library/x:1"]) {
    assert.ok(!isFullyQualified(ref), ref);
  }
});
