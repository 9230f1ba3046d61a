import assert from "node:assert/strict";
import * as path from "node:path";
import { ImageRoot } from "./image_root.ts";
import { link, makeTree, put } from "../../testing/tree.ts";

Deno.test("image root: symlinks resolve inside the image, as in a chroot", async () => {
  const root = await makeTree();
  const hostCanary = await Deno.makeTempFile({ prefix: "cniso-canary-" });
  try {
    await put(root, "etc/passwd", "image passwd");
    await link(root, "abs", "/etc/passwd");
    await link(root, "rel", "../../../../../../../../etc/passwd");
    await link(root, "escape", hostCanary); // exists on the host, not in the image
    await link(root, "usr/lib/chain", "../../abs");
    await link(root, "loop", "loop");
    const r = new ImageRoot(root);
    for (const name of ["/abs", "/rel", "/usr/lib/chain"]) {
      const got = await r.readText(name, 4096);
      assert.deepEqual(got?.text, "image passwd", name);
      assert.deepEqual(got?.resolved.imagePath, "/etc/passwd");
      assert.deepEqual(got?.resolved.hostPath, path.join(root, "etc/passwd"));
    }
    assert.deepEqual(await r.resolve("/escape"), undefined);
    assert.deepEqual(await r.resolve("/../../.."), {
      imagePath: "/",
      hostPath: root,
      kind: "directory",
      size: (await Deno.stat(root)).size,
    });
    await assert.rejects(r.resolve("/loop"), /too many levels of symbolic links/);
    assert.deepEqual(await r.lexists("/escape"), true);
    assert.deepEqual(await r.lexists("/nothing"), false);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(hostCanary);
  }
});

Deno.test("image root: a directory symlink in the middle of a path stays inside", async () => {
  const root = await makeTree();
  try {
    await put(root, "real/usr/lib/x", "inside");
    await link(root, "usr/lib/modules", "/real/usr/lib");
    const r = new ImageRoot(root);
    assert.deepEqual((await r.readText("/usr/lib/modules/x", 4096))?.text, "inside");
    assert.deepEqual(await r.list("/usr/lib/modules"), ["x"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("image root: a path too long for the host is the image's doing (bad input)", async () => {
  const root = await Deno.makeTempDir({ prefix: "cniso-long-" });
  const long = "n".repeat(250);
  try {
    // Made from inside, name by name: no single call gets a path that long.
    const mk = `cd "$1" && for i in $(seq 20); do mkdir ${long} && cd ${long}; done`;
    const made = await new Deno.Command("bash", { args: ["-c", mk, "bash", root] }).output();
    assert.equal(made.code, 0);
    const deep = "/" + Array(20).fill(long).join("/");
    await assert.rejects(new ImageRoot(root).resolve(deep), /leads to a path too long to read/);
  } finally {
    await new Deno.Command("rm", { args: ["-rf", root] }).output();
  }
});
