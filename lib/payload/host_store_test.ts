import assert from "node:assert/strict";
import { hostStore, withoutSignatures } from "./host_store.ts";

const IMG = "1".repeat(64);
const TOP = "a".repeat(64);
const BASE = "b".repeat(64);

/** A host graph root holding one image of two layers, as podman's overlay driver lays it out. */
async function graphRoot(tweak: (root: string) => Promise<void> = async () => {}) {
  const root = await Deno.makeTempDir({ prefix: "cniso-graph-" });
  const images = [{
    id: IMG,
    names: ["localhost/x:1", "internal.example/secret:1"],
    "names-history": ["internal.example/secret:0"],
    layer: TOP,
  }, {
    id: "2".repeat(64),
    layer: "c".repeat(64),
  }];
  const layers = [{ id: TOP, parent: BASE }, { id: BASE }, { id: "c".repeat(64) }];
  await Deno.mkdir(`${root}/overlay-images/${IMG}`, { recursive: true });
  await Deno.mkdir(`${root}/overlay-layers`);
  await Deno.writeTextFile(`${root}/overlay-images/images.json`, JSON.stringify(images));
  await Deno.writeTextFile(`${root}/overlay-layers/layers.json`, JSON.stringify(layers));
  await Deno.writeTextFile(`${root}/overlay-images/${IMG}/manifest`, "{}");
  for (const [id, link] of [[TOP, "A".repeat(26)], [BASE, "B".repeat(26)]]) {
    await Deno.mkdir(`${root}/overlay/${id}/diff/etc`, { recursive: true });
    await Deno.mkdir(`${root}/overlay/${id}/work`);
    await Deno.writeTextFile(`${root}/overlay/${id}/link`, link);
    await Deno.writeTextFile(`${root}/overlay-layers/${id}.tar-split.gz`, "split");
  }
  await Deno.writeTextFile(`${root}/overlay/${TOP}/lower`, `l/${"B".repeat(26)}`);
  await tweak(root);
  return root;
}

Deno.test("host store: the image's records, its layer chain, links; diffs bound, never copied", async () => {
  const root = await graphRoot();
  try {
    const { store, reason } = await hostStore(root, [{ id: IMG, name: "localhost/x:1" }]);
    assert.equal(reason, undefined);
    const records = JSON.parse(store!.writes[0].content);
    assert.deepEqual(records.map((i: { id: string }) => i.id), [IMG]);
    assert.deepEqual(records[0].names, ["localhost/x:1"], "only the payload's name");
    assert.equal(records[0]["names-history"], undefined);
    assert.deepEqual(JSON.parse(store!.writes[1].content).map((l: { id: string }) => l.id), [
      TOP,
      BASE,
    ]);
    assert.deepEqual(store!.binds, [
      { source: `${root}/overlay/${TOP}/diff`, layer: TOP },
      { source: `${root}/overlay/${BASE}/diff`, layer: BASE },
    ]);
    assert.deepEqual(store!.links, [
      { path: `overlay/l/${"A".repeat(26)}`, target: `../${TOP}/diff` },
      { path: `overlay/l/${"B".repeat(26)}`, target: `../${BASE}/diff` },
    ]);
    const copied = store!.copies.map((c) => c.target).sort();
    assert.deepEqual(
      copied,
      [
        `overlay-images/${IMG}/manifest`,
        `overlay-layers/${BASE}.tar-split.gz`,
        `overlay-layers/${TOP}.tar-split.gz`,
        `overlay/${BASE}/link`,
        `overlay/${TOP}/link`,
        `overlay/${TOP}/lower`,
      ].sort(),
    );
    assert.ok(!copied.some((c) => c.includes("/diff")), "no layer file is copied");
    assert.ok(store!.dirs.includes(`overlay/${TOP}/work`));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("host store: what it cannot take is left to skopeo, with the reason", async () => {
  const cases: [string, (root: string) => Promise<void>, RegExp][] = [
    ["composefs", (r) => Deno.mkdir(`${r}/overlay/${TOP}/composefs-data`), /composefs/],
    ["no link", (r) => Deno.writeTextFile(`${r}/overlay/${BASE}/link`, "../../x"), /no link name/],
    ["a diff that is a link", async (r) => {
      await Deno.remove(`${r}/overlay/${BASE}/diff`, { recursive: true });
      await Deno.symlink("/etc", `${r}/overlay/${BASE}/diff`);
    }, /no diff directory/],
    ["an incomplete layer", (r) =>
      Deno.writeTextFile(
        `${r}/overlay-layers/layers.json`,
        JSON.stringify([{ id: TOP, parent: BASE }, { id: BASE, flags: { incomplete: true } }]),
      ), /flags/],
    ["a broken list", (r) => Deno.writeTextFile(`${r}/overlay-images/images.json`, "{"), /list/],
  ];
  for (const [name, tweak, reason] of cases) {
    const root = await graphRoot(tweak);
    try {
      const r = await hostStore(root, [{ id: IMG, name: "localhost/x:1" }]);
      assert.equal(r.store, undefined, name);
      assert.match(r.reason ?? "", reason, name);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  }
  const root = await graphRoot();
  try {
    assert.match(
      (await hostStore(root, [{ id: "9".repeat(64), name: "localhost/y:1" }])).reason!,
      /not in the host's main store/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("host store: the image's record keeps no signatures (sizes 0, the empty digest)", () => {
  const sig = `signature-${"a".repeat(64)}`;
  const record = withoutSignatures({
    id: "x",
    "big-data-names": ["manifest", sig],
    "big-data-sizes": { manifest: 10, [sig]: 1234 },
    "big-data-digests": { manifest: "sha256:m", [sig]: "sha256:s" },
    metadata: JSON.stringify({ "signatures-sizes": { "sha256:d": [600, 634] } }),
  });
  assert.deepEqual(record["big-data-sizes"], { manifest: 10, [sig]: 0 });
  assert.equal((record["big-data-digests"] as Record<string, string>)[sig].length, 71);
  assert.deepEqual(JSON.parse(record.metadata as string), {
    "signatures-sizes": { "sha256:d": [] },
  });
  assert.deepEqual(withoutSignatures({ id: "y", metadata: "not json" }).metadata, "not json");
});

Deno.test('host store: a single image\'s signatures (the "signatures" key, "signature-sizes") too', () => {
  const record = withoutSignatures({
    id: "x",
    "big-data-names": ["manifest", "signatures"],
    "big-data-sizes": { manifest: 10, signatures: 10 },
    "big-data-digests": { manifest: "sha256:m", signatures: "sha256:s" },
    metadata: JSON.stringify({ "signature-sizes": [10] }),
  });
  assert.deepEqual(record["big-data-sizes"], { manifest: 10, signatures: 0 });
  assert.deepEqual(JSON.parse(record.metadata as string), { "signature-sizes": [] });
});
