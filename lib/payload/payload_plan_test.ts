import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { checkWorkPath, payloadShare, VIEW_SCRIPT } from "./payload_plan.ts";
import { tagFor } from "./payloads.ts";
import { addedPaths } from "./payload_plan.ts";

Deno.test("payload: the tag a reference means", () => {
  const tags = ["localhost/other:1", "localhost/app:latest", "localhost/app:2"];
  assert.equal(tagFor("localhost/app", tags), "localhost/app:latest");
  assert.equal(tagFor("app", tags), "localhost/app:latest", "a short name");
  assert.equal(tagFor("localhost/app:2", tags), "localhost/app:2");
  // A short name never takes another registry's tag that ends the same way.
  assert.equal(tagFor("app:1", ["registry.internal.corp/team/app:1"]), undefined);
  // An ID never takes the host's first tag (it could be an internal registry's name).
  assert.equal(tagFor("0123abcd", ["internal.corp.example/app:1"]), undefined);
  assert.equal(tagFor("0123abcd", []), undefined);
  const digest = `quay.io/x/app@sha256:${"a".repeat(64)}`;
  assert.equal(tagFor(digest, ["internal.corp.example/app:1"]), digest);
  assert.equal(
    tagFor("localhost:5000/app", ["localhost:5000/app:latest"]),
    "localhost:5000/app:latest",
  );
});

Deno.test("payload: work paths skopeo's references cannot carry are bad input", () => {
  checkWorkPath("/home/me/My ISOs/.cniso-1-ab");
  for (const bad of ["/a+b/.cniso", "/a:b", "/a@b", "/[x]", "/a\nb"]) {
    assert.throws(() => checkWorkPath(bad), InputError, bad);
  }
});

Deno.test("payload: the view script takes paths as arguments; its mount options name fixed paths", () => {
  assert.doesNotMatch(VIEW_SCRIPT, /\$[3-9]/);
  assert.match(VIEW_SCRIPT, /lowerdir=image:skel,redirect_dir=nofollow,metacopy=off view$/m);
  assert.match(VIEW_SCRIPT, /mount --bind -o ro "\$1"/, "host layers bound read-only");
  assert.match(VIEW_SCRIPT, /^exec "\$@"$/m);
});

Deno.test("payload: what each format adds to the live root", () => {
  assert.deepEqual(addedPaths("containers-storage"), [
    "/var/lib/containers/storage",
    "/usr/lib/cniso/payload-store",
    "/usr/lib/systemd/system/cniso-payload-store.service",
    "/usr/lib/systemd/system/sysinit.target.wants/cniso-payload-store.service",
  ]);
  assert.deepEqual(addedPaths("oci"), ["/var/lib/cniso/payload"]);
  assert.equal(payloadShare(25, 75), 0.25);
});
