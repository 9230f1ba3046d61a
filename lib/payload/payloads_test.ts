import assert from "node:assert/strict";
import { obstacle, roomFindings } from "./payloads.ts";

async function tree(prepare: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "cniso-room-" });
  await prepare(root);
  return root;
}

Deno.test("payload room: absent paths, and an empty /var/lib/containers/storage, are room", async () => {
  const root = await tree(async (r) => {
    await Deno.mkdir(`${r}/var/lib/containers/storage`, { recursive: true });
    await Deno.mkdir(`${r}/usr/lib/systemd/system`, { recursive: true });
  });
  try {
    assert.deepEqual(await roomFindings(root, "containers-storage"), []);
    assert.deepEqual(await roomFindings(root, "oci"), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("payload room: the image's own storage, a symlink on the way, a file of ours already there", async () => {
  const root = await tree(async (r) => {
    await Deno.mkdir(`${r}/var/lib/containers/storage/overlay`, { recursive: true });
    await Deno.mkdir(`${r}/usr/lib/cniso`, { recursive: true });
    await Deno.writeTextFile(`${r}/usr/lib/cniso/payload-store`, "x");
    await Deno.mkdir(`${r}/elsewhere`);
    await Deno.mkdir(`${r}/usr/lib/systemd`, { recursive: true });
    await Deno.symlink("/elsewhere", `${r}/usr/lib/systemd/system`);
  });
  try {
    const found = await roomFindings(root, "containers-storage");
    assert.deepEqual(found.map((f) => [f.severity, f.where]), [
      ["error", "/var/lib/containers/storage"],
      ["error", "/usr/lib/cniso/payload-store"],
      ["error", "/usr/lib/systemd/system/cniso-payload-store.service"],
      ["error", "/usr/lib/systemd/system/sysinit.target.wants/cniso-payload-store.service"],
    ]);
    assert.match(found[0].detail, /its own container storage/);
    assert.match(found[2].detail, /\/usr\/lib\/systemd\/system in the image is a symbolic link/);
    assert.deepEqual(await roomFindings(root, "oci"), [], "oci goes to /var/lib/cniso");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("payload room: `..` in a path stays in the image (it never looks above the root)", async () => {
  const parent = await Deno.makeTempDir({ prefix: "cniso-room-" });
  try {
    await Deno.mkdir(`${parent}/image/etc`, { recursive: true });
    await Deno.writeTextFile(`${parent}/beside`, "host");
    const root = `${parent}/image`;
    assert.equal(await obstacle(root, "/../beside"), undefined);
    assert.equal(await obstacle(root, "/../../etc"), "/etc is in the image already");
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});
