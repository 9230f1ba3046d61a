import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { discover } from "./contract.ts";
import { erofsSupport } from "./erofs_support.ts";
import { ImageRoot } from "./image_root.ts";
import { KVER, makeTree, put } from "../../testing/tree.ts";

const SCRIPT = "usr/lib/dracut/modules.d/90dmsquash-live/dmsquash-live-root.sh";

async function verdict(prepare: (root: string) => Promise<void>) {
  const root = await makeTree();
  try {
    await prepare(root);
    const image = new ImageRoot(root);
    const { contract } = await discover(image);
    assert.ok(contract);
    return await erofsSupport(image, contract);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("erofs support: no dracut dmsquash-live in the image", async () => {
  const v = await verdict(async () => {});
  assert.match(v.problem!, /no dracut dmsquash-live module/);
  assert.match(v.hint!, /--rootfs-type squashfs/);
});

Deno.test("erofs support: dracut 059's script mounts squashfs only", async () => {
  const v = await verdict((r) =>
    put(r, SCRIPT, 'mount -n -t squashfs -o ro "$SQUASHED_LOOPDEV" /run/initramfs/squashfs\n')
  );
  assert.match(v.problem!, /dmsquash-live-root\.sh mounts the live image as squashfs only/);
});

Deno.test("erofs support: a dracut that knows EROFS, with the driver built in, a module in the initramfs, or neither", async () => {
  const dracut = (r: string) => put(r, SCRIPT, 'fstype=$(det_fs "$img") # squashfs or erofs\n');
  const builtin = await verdict(async (r) => {
    await dracut(r);
    await put(r, `usr/lib/modules/${KVER}/modules.builtin`, "kernel/fs/erofs/erofs.ko\n");
  });
  assert.equal(builtin.problem, undefined);
  assert.match(builtin.detail, /mounts EROFS/);
  const moduleInInitramfs = await verdict(async (r) => {
    await dracut(r);
    await put(r, `usr/lib/modules/${KVER}/kernel/fs/erofs/erofs.ko.xz`, "m");
    await put(r, `usr/lib/modules/${KVER}/initramfs.img`, "...usr/lib/modules/x/erofs.ko.xz...");
  });
  assert.equal(moduleInInitramfs.problem, undefined);
  const moduleMissing = await verdict(async (r) => {
    await dracut(r);
    await put(r, `usr/lib/modules/${KVER}/kernel/fs/erofs/erofs.ko`, "m");
    // A compressed initramfs without the module: the probe looks inside and does not find it.
    await Deno.writeFile(
      `${r}/usr/lib/modules/${KVER}/initramfs.img`,
      gzipSync(new TextEncoder().encode("usr/lib/modules/x/squashfs.ko.xz")),
    );
  });
  assert.match(moduleMissing.problem!, /initramfs\.img has no erofs module/);
  const noDriver = await verdict(dracut);
  assert.match(noDriver.problem!, new RegExp(`kernel ${KVER} has no EROFS driver`));
});
