/**
 * Release checks (root, podman; slow: a 4.5 GB image, ISO and three boots
 * under QEMU; `deno task test:release`, run before every release, not by CI):
 * a live root larger than 4 GiB. xorriso stores such a file in several
 * extents (-iso-level 3); the ISO must pass checkisomd5 and boot from CD, from
 * USB and as a file on a multiboot stick, with the live root found.
 */
import $ from "dax";
import assert from "node:assert/strict";
import { bootTest, IsoCache, ROOT_ON_OVERLAY, wholeIsoLooped } from "../testing/boot.ts";
import { bigImage } from "../testing/images.ts";

const cache = new IsoCache("cniso-release-big-");
const GiB = 2 ** 30;

async function bigIso(): Promise<{ iso: string; stderr: string }> {
  return await cache.get("big", bigImage);
}

Deno.test("release (root, podman): a live root over 4 GiB is stored in several extents; the ISO passes checkisomd5; the build names the medium", async () => {
  const { iso, stderr } = await bigIso();
  // One "File data lba:" line per extent: index, start, blocks, the file's size, path.
  const report = await $`xorriso -indev ${iso} -find /LiveOS/squashfs.img -exec report_lba`
    .stdout("piped").stderr("piped").noThrow();
  const extents = (report.stdout + report.stderr).split("\n")
    .filter((l) => /File data lba:/.test(l));
  assert.ok(extents.length >= 2, `squashfs.img in ${extents.length} extent(s)`);
  // Each line repeats the whole file's size.
  const bytes = Number(extents[0].split(",").at(-2));
  assert.ok(bytes > 4 * GiB, `squashfs.img has ${bytes} bytes`);
  const md5 = await $`checkisomd5 ${iso}`.stdout("piped").stderr("piped").noThrow();
  assert.equal(md5.code, 0, md5.stdout + md5.stderr);
  assert.match(stderr, /FAT32/, "the build says a FAT32 copy-mode stick cannot hold it");
});

for (const media of ["cd", "usb", "file"]) {
  Deno.test(`release (slow, QEMU): the ISO over 4 GiB boots from ${media} with the live root found`, async () => {
    const { iso } = await bigIso();
    const expect = media === "file" ? await wholeIsoLooped(iso) : ROOT_ON_OVERLAY;
    const r = await bootTest(iso, ["--firmware", "bios", "--media", media, "--expect", expect]);
    assert.equal(r.code, 0, r.all);
  });
}

Deno.test("release: the big ISO's files go", async () => {
  await cache.remove();
});
