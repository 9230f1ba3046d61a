/**
 * A second distribution family (root, podman; slow: QEMU under TCG): a
 * Debian sid image laid out as the contract's upstream Debian example does
 * it (unsigned shim, Debian's monolithic CD GRUB that finds its medium by
 * /.disk/info, no iso.yaml) boots from CD (BIOS, UEFI) and USB (BIOS), and as
 * a file on a multiboot stick (dracut-ng's iso-scan); its dracut-ng boots an
 * EROFS live root, which Debian 12's dracut 059 cannot and is refused.
 */
import $ from "dax";
import assert from "node:assert/strict";
import { bootTest, IsoCache, ROOT_ON_OVERLAY, wholeIsoLooped } from "../../testing/boot.ts";
import { cniso, sidImage, testImage, withMountedImage } from "../../testing/images.ts";
import { inspectIso } from "../../testing/iso_inspect.ts";

const cache = new IsoCache("cniso-sid-isos-");

async function isoOf(kind: "squashfs" | "erofs"): Promise<string> {
  // lz4: the fast EROFS compressor (lz4hc, the default, takes a minute here).
  const extra = kind === "erofs" ? ["--rootfs-type", "erofs", "--compression", "lz4"] : [];
  return (await cache.get(kind, sidImage, extra)).iso;
}

const boot = bootTest;

Deno.test("sid (root, podman): the ISO, inspected with independent tools, has the image's files and the marker", async () => {
  const image = await sidImage();
  const kernelVersion = await withMountedImage(image, async (root) => {
    for await (const e of Deno.readDir(`${root}/usr/lib/modules`)) return e.name;
    throw new Error("no kernel");
  });
  // No VERSION_ID in sid's os-release: the label is the name alone.
  await inspectIso(await isoOf("squashfs"), image, {
    label: "Debian-GNU-Linux",
    vendor: "debian",
    kernelVersion,
  });
});

for (
  // UEFI from USB is booted by the layouts and live tests; sid's dracut boots the ISO as a file.
  const [firmware, media] of [["bios", "cd"], ["bios", "usb"], ["uefi", "cd"]]
) {
  Deno.test(`sid (slow, QEMU): ${firmware} ${media}: Debian's own GRUB finds the medium and the live system comes up`, async () => {
    const r = await boot(await isoOf("squashfs"), [
      ...["--firmware", firmware, "--media", media, "--expect", ROOT_ON_OVERLAY],
    ]);
    assert.equal(r.code, 0, r.all);
  });
}

Deno.test("sid (slow, QEMU): bios, the ISO as a file on a multiboot stick: dracut-ng's iso-scan finds it and the live system comes up", async () => {
  const iso = await isoOf("squashfs");
  const r = await boot(iso, [
    "--firmware",
    "bios",
    "--media",
    "file",
    "--expect",
    await wholeIsoLooped(iso),
  ]);
  assert.equal(r.code, 0, r.all);
});

Deno.test("sid (root, podman): --rootfs-type erofs: check says the image's dracut can mount it; the ISO holds an EROFS", async () => {
  const check = await cniso(["check", await sidImage(), "--rootfs-type", "erofs"]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /EROFS live root.*mounts EROFS/);
  const iso = await isoOf("erofs");
  const magic = await $`xorriso -osirrox on -indev ${iso} -extract /LiveOS/squashfs.img ${iso}.img`
    .quiet()
    .then(() => $`file -b ${iso}.img`.text());
  await Deno.remove(`${iso}.img`);
  assert.match(magic, /EROFS/i);
});

Deno.test("sid (slow, QEMU): bios cd: the EROFS live root boots", async () => {
  const log = await Deno.makeTempFile({ prefix: "cniso-erofs-serial-" });
  try {
    const r = await boot(await isoOf("erofs"), [
      ...["--firmware", "bios", "--expect", ROOT_ON_OVERLAY, "--serial-log", log],
    ]);
    assert.equal(r.code, 0, r.all);
    assert.match(await Deno.readTextFile(log), /erofs \(device loop\d+\): mounted/);
  } finally {
    await Deno.remove(log);
  }
});

Deno.test("erofs (root, podman): Debian 12's dracut 059 cannot mount EROFS: check and build refuse it with the reason", async () => {
  const image = await testImage("noyaml");
  const check = await cniso(["check", image, "--rootfs-type", "erofs"]);
  assert.equal(check.code, 2, check.stdout + check.stderr);
  assert.match(check.stdout, /dmsquash-live-root\.sh mounts the live image as squashfs only/);
  const out = await Deno.makeTempDir({ prefix: "cniso-erofs-refused-" });
  try {
    const r = await cniso(["build", image, "--rootfs-type", "erofs", "-o", out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /squashfs only/);
    assert.match(r.stderr, /--rootfs-type squashfs/);
    assert.deepEqual([...Deno.readDirSync(out)], []);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("sid: remove the ISOs", async () => {
  await cache.remove();
});
