import assert from "node:assert/strict";
import { readOnlyIn } from "./tree_safety.ts";

// Lines as /proc/self/mountinfo shows them on this project's machines.
const MOUNTINFO = [
  "98 70 0:40 / / rw,relatime - overlay overlay rw,lowerdir=/l1,upperdir=/u,workdir=/w",
  // podman run --mount type=image: a writable mount point over a read-only overlay.
  "104 98 0:49 / /image rw,relatime - overlay /x/merge ro,lowerdir=/l2:/l3,redirect_dir=on",
  // podman image mount on the host: read-only both ways.
  "52 42 0:39 / /var/lib/containers/storage/overlay/ab/merged ro,relatime - overlay overlay ro,lowerdir=/l4",
  // mount --bind DIR /mnt/ro; mount -o remount,bind,ro /mnt/ro: ext4 stays writable elsewhere.
  "60 22 8:1 /home/u/tree /mnt/ro ro,relatime - ext4 /dev/sda1 rw,errors=remount-ro",
  // A read-only file system (a squashfs, a cdrom).
  "61 22 7:0 / /mnt/sq ro,relatime - squashfs /dev/loop0 ro",
  "62 22 0:50 / /mnt/with\\040space ro,relatime - squashfs /dev/loop1 ro",
].join("\n");

Deno.test("read-only: a read-only file system or a read-only overlay, never a read-only bind", () => {
  assert.equal(readOnlyIn(MOUNTINFO, "/image"), true);
  assert.equal(readOnlyIn(MOUNTINFO, "/image/usr/lib"), true);
  assert.equal(readOnlyIn(MOUNTINFO, "/var/lib/containers/storage/overlay/ab/merged"), true);
  assert.equal(readOnlyIn(MOUNTINFO, "/mnt/ro"), false, "a read-only bind of a writable tree");
  assert.equal(readOnlyIn(MOUNTINFO, "/mnt/sq/etc"), true);
  assert.equal(readOnlyIn(MOUNTINFO, "/mnt/with space"), true, "octal escapes in mount points");
  assert.equal(readOnlyIn(MOUNTINFO, "/imagery"), false, "a prefix of a name is not the mount");
  assert.equal(readOnlyIn(MOUNTINFO, "/srv"), false);
  assert.equal(readOnlyIn("", "/image"), false, "nothing known: not read-only");
});
