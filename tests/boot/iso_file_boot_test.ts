/**
 * The ISO as a file on a multiboot stick (root, podman; slow: QEMU under TCG):
 * boot-test --media file copies the ISO onto an ext4 stick and boots it with a
 * GRUB of the host's own that does what GRUB-based multiboot tools do (finds
 * the file, makes a loop device of it the root, sets iso_path, runs the ISO's
 * /boot/grub/loopback.cfg). The live system must come up from the file: dracut's
 * iso-scan loop-mounts the whole ISO file, which the kernel reports with the
 * file's size (a CD or USB boot never loops the whole ISO). Debian 12's dracut
 * 059 in BIOS and UEFI; Debian sid's dracut 112 is in sid_boot_test.ts.
 */
import assert from "node:assert/strict";
import { bootTest, IsoCache, wholeIsoLooped } from "../../testing/boot.ts";
import { cniso, testImage } from "../../testing/images.ts";

const cache = new IsoCache("cniso-iso-file-");

for (const firmware of ["bios", "uefi"]) {
  Deno.test(`as a file (slow, QEMU): ${firmware}: a multiboot stick's GRUB boots loopback.cfg, iso-scan finds the ISO file, the live system comes up`, async () => {
    const { iso } = await cache.get("live", () => testImage("live"));
    const r = await bootTest(iso, [
      ...["--firmware", firmware, "--media", "file", "--expect", await wholeIsoLooped(iso)],
    ]);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /PASS: .* booted \(.*file.*\) to the live system/);
  });
}

Deno.test("as a file: check names iso-scan; --media file under Secure Boot is refused (the stick's GRUB is unsigned)", async () => {
  const { iso } = await cache.get("live", () => testImage("live"));
  const check = await cniso(["check", await testImage("live")]);
  assert.equal(check.code, 0, check.stderr);
  assert.doesNotMatch(check.stdout, /has no iso-scan/);
  const r = await cniso(["boot-test", iso, "--media", "file", "--firmware", "uefi-secure"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--media file boots the host's own GRUB, which Secure Boot refuses/);
});

Deno.test("as a file: the ISOs' files go", async () => {
  await cache.remove();
});
