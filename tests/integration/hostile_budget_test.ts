/**
 * Discovery's budget (root): an image whose layout holds far more than any
 * bootable image's (64 EFI packages of 256 versions each, every version a
 * chain of 38 links) would keep discovery busy for minutes. One budget covers
 * the whole discovery, probes included: check and build stop with exit 2 and
 * say why (and check --json still prints its document).
 */
import assert from "node:assert/strict";
import { cniso, noInternalError } from "../../testing/images.ts";
import { makeTree } from "../../testing/tree.ts";

async function wideTree(): Promise<string> {
  const root = await makeTree();
  // No EFI files where the contract puts them: every package version is looked at.
  await Deno.remove(`${root}/boot/efi/EFI/debian`, { recursive: true });
  await Deno.mkdir(`${root}/boot/efi/EFI/debian`, { recursive: true });
  await Deno.mkdir(`${root}/chain/real/EFI/debian`, { recursive: true });
  for (let i = 0; i < 38; i++) {
    await Deno.symlink(i === 37 ? "real" : `l${i + 1}`, `${root}/chain/l${i}`);
  }
  for (let p = 0; p < 64; p++) {
    const dir = `${root}/usr/lib/efi/pkg${p}`;
    await Deno.mkdir(dir, { recursive: true });
    for (let v = 0; v < 256; v++) await Deno.symlink("/chain/l0", `${dir}/${v}`);
  }
  return root;
}

Deno.test("hostile (root, slow): a layout far larger than a bootable image's: check stops at its budget, exit 2, JSON too", async () => {
  const root = await wideTree();
  try {
    const r = noInternalError(await cniso(["check", "--json", "--rootfs", root]));
    assert.equal(r.code, 2, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.error.exit_code, 2);
    assert.match(doc.error.message, /reading the image took over \d+ s/);
    assert.match(doc.error.hint, /\/usr\/lib\/efi/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
