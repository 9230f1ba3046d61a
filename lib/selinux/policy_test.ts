import assert from "node:assert/strict";
import { Findings } from "../image/findings.ts";
import { ImageRoot } from "../image/image_root.ts";
import { findPolicy, parseSelinuxConfig } from "./policy.ts";

Deno.test("selinux config: mode and type; the last assignment counts; bad values name the line", () => {
  assert.deepEqual(
    parseSelinuxConfig("# c\nSELINUX=enforcing\nSELINUXTYPE=targeted\n"),
    { mode: "enforcing", type: "targeted" },
  );
  assert.deepEqual(parseSelinuxConfig('SELINUX="Permissive"\nSELINUXTYPE = default'), {
    mode: "permissive",
    type: "default",
  });
  assert.deepEqual(parseSelinuxConfig("SELINUXTYPE=a\nSELINUXTYPE=b"), { type: "b" });
  assert.match(parseSelinuxConfig("\nSELINUX=maybe").problem!, /^line 2: SELINUX=maybe/);
  for (const bad of ["../../x", "a/b", "..", "-x"]) {
    assert.match(parseSelinuxConfig(`SELINUXTYPE=${bad}`).problem!, /not a policy name/, bad);
  }
});

async function tree(files: Record<string, string>, links: Record<string, string> = {}) {
  const root = await Deno.makeTempDir({ prefix: "cniso-policy-test-" });
  for (const [p, content] of Object.entries(files)) {
    await Deno.mkdir(`${root}${p.replace(/\/[^/]*$/, "")}`, { recursive: true });
    await Deno.writeTextFile(`${root}${p}`, content);
  }
  for (const [p, target] of Object.entries(links)) {
    await Deno.mkdir(`${root}${p.replace(/\/[^/]*$/, "")}`, { recursive: true });
    await Deno.symlink(target, `${root}${p}`);
  }
  return root;
}

const FC = "/etc/selinux/targeted/contexts/files/file_contexts";

Deno.test("selinux policy: found with the files beside file_contexts, read inside the image", async () => {
  const root = await tree({
    "/etc/selinux/config": "SELINUX=enforcing\nSELINUXTYPE=targeted\n",
    [FC]: "/etc(/.*)? system_u:object_r:etc_t:s0\n",
    [`${FC}.local`]: "",
    [`${FC}.subs`]: "/foo /etc\n",
  });
  try {
    const f = new Findings();
    const policy = await findPolicy(new ImageRoot(root), f);
    assert.equal(policy?.type, "targeted");
    assert.equal(policy?.mode, "enforcing");
    assert.deepEqual(policy?.contexts.map((c) => c.suffix), ["", ".local", ".subs"]);
    assert.ok(policy!.contexts.every((c) => c.file.hostPath.startsWith(root)));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("selinux policy: none without a config or file_contexts; a file_contexts linked out of the image is read inside it", async () => {
  const host = await Deno.makeTempFile({ prefix: "cniso-host-fc-" });
  const root = await tree(
    { "/etc/selinux/config": "SELINUXTYPE=targeted\n" },
    { [FC]: host },
  );
  try {
    const f = new Findings();
    assert.equal(await findPolicy(new ImageRoot(root), f), undefined);
    assert.match(f.list[0].detail, /no file_contexts/);
    const empty = await Deno.makeTempDir();
    assert.equal(await findPolicy(new ImageRoot(empty), new Findings()), undefined);
    await Deno.remove(empty);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(host);
  }
});
