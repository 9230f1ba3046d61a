import assert from "node:assert/strict";
import { cpio, gzip, join } from "../../testing/cpio.ts";
import { listInitramfs } from "./initramfs_listing.ts";
import {
  builtinModules,
  configHostonly,
  hostOnly,
  judgeInitramfs,
  modulesIn,
} from "./initramfs_verdict.ts";
import type { CpioListing } from "./cpio_reader.ts";

const K = "6.1.0-test";
const DRIVERS = ["fs/squashfs/squashfs.ko.xz", "drivers/block/loop.ko", "fs/isofs/isofs.ko.zst"]
  .concat(["fs/overlayfs/overlay.ko", "drivers/scsi/sr_mod.ko", "drivers/cdrom/cdrom.ko"])
  .concat(["drivers/usb/storage/usb-storage.ko", "drivers/scsi/sd_mod.ko"])
  .map((d) => `usr/lib/modules/${K}/kernel/${d}`);

function listing(files: Record<string, string>): CpioListing {
  const enc = new TextEncoder();
  return {
    names: new Set(Object.keys(files)),
    files: new Map(Object.entries(files).map(([k, v]) => [k, enc.encode(v)])),
  };
}

const live = (extra: Record<string, string> = {}) =>
  listing({
    "usr/lib/dracut/modules.txt": "systemd\ndmsquash-live\n",
    "usr/sbin/iso-scan": "",
    ...Object.fromEntries(DRIVERS.map((d) => [d, ""])),
    ...extra,
  });

const subject = { kernelVersion: K, imagePath: `/usr/lib/modules/${K}/initramfs.img`, builtin: "" };

Deno.test("a generic live initramfs with every driver is one ok line", () => {
  const f = judgeInitramfs(live(), { ...subject, rootfsType: "squashfs" });
  assert.deepEqual(f.map((x) => x.severity), ["ok"]);
  assert.match(f[0].detail, /generic/);
});

Deno.test("no dmsquash-live is an error whose hint is the dracut command with --no-hostonly", () => {
  const l = live({ "usr/lib/dracut/modules.txt": "systemd\nbase\n" });
  const f = judgeInitramfs(l, { ...subject, rootfsType: "squashfs" });
  const error = f.find((x) => x.severity === "error")!;
  assert.match(error.detail, /no dracut dmsquash-live/);
  assert.match(
    error.hint!,
    /dracut --force --no-hostonly --add "dmsquash-live" --kver 6\.1\.0-test/,
  );
});

Deno.test("a missing live-root driver is an error unless the kernel has it built in", () => {
  const names = Object.fromEntries(DRIVERS.filter((d) => !/squashfs/.test(d)).map((d) => [d, ""]));
  const l = listing({ "usr/lib/dracut/modules.txt": "dmsquash-live\n", ...names });
  const f = judgeInitramfs(l, { ...subject, rootfsType: "squashfs" });
  assert.match(f.find((x) => x.severity === "error")!.detail, /no squashfs driver/);
  const builtin = `kernel/fs/squashfs/squashfs.ko\n`;
  const g = judgeInitramfs(l, { ...subject, builtin, rootfsType: "squashfs" });
  assert.ok(g.every((x) => x.severity !== "error"));
  // EROFS needs its own driver.
  const e = judgeInitramfs(live(), { ...subject, rootfsType: "erofs" });
  assert.match(e.find((x) => x.severity === "error")!.detail, /no erofs driver/);
});

Deno.test("host-only is read from dracut's records: arguments (last wins), strict list, passwd", () => {
  assert.equal(hostOnly(live()), undefined);
  const args = (a: string) => live({ "usr/lib/dracut/build-parameter.txt": a });
  assert.match(hostOnly(args(" --kver '6.1' -H"))!, /-H/);
  assert.equal(hostOnly(args(" --hostonly --no-hostonly")), undefined);
  assert.equal(hostOnly(args(" --hostonly-cmdline")), undefined);
  assert.match(hostOnly(live({ "lib/dracut/hostonly-kernel-modules.txt": "x" }))!, /strict/);
  // Without recorded arguments, the image's dracut configuration says.
  const conf = configHostonly([
    { path: "/usr/lib/dracut/dracut.conf.d/01-dist.conf", text: 'hostonly="yes"\n' },
    { path: "/etc/dracut.conf.d/50-live.conf", text: "# hostonly=no\ncompress=zstd\n" },
  ]);
  assert.match(hostOnly(live(), conf)!, /01-dist\.conf sets hostonly=yes/);
  assert.equal(hostOnly(args(" --no-hostonly"), conf), undefined);
  const off = configHostonly([
    { path: "/usr/lib/dracut/dracut.conf.d/01-dist.conf", text: 'hostonly="yes"\n' },
    { path: "/etc/dracut.conf.d/50-live.conf", text: "hostonly='no'\n" },
  ]);
  assert.equal(hostOnly(live(), off), undefined);
  const f = judgeInitramfs(args("-H"), { ...subject, rootfsType: "squashfs" });
  assert.ok(f.some((x) => x.severity === "warning" && /host-only/.test(x.detail)));
});

Deno.test("media drivers and iso-scan missing are warnings", () => {
  const l = listing({
    "usr/lib/dracut/modules.txt": "dmsquash-live\n",
    [DRIVERS[0]]: "",
    [DRIVERS[1]]: "",
    [DRIVERS[2]]: "",
    [DRIVERS[3]]: "",
  });
  const f = judgeInitramfs(l, { ...subject, rootfsType: "squashfs" });
  assert.ok(f.every((x) => x.severity !== "error"));
  const text = f.map((x) => x.detail).join("\n");
  assert.match(text, /sr_mod, cdrom.*CD\/DVD/);
  assert.match(text, /usb_storage, sd_mod.*USB/);
  assert.match(text, /iso-scan/);
});

Deno.test("module names: compressed, hyphens as underscores, builtin list", () => {
  assert.deepEqual([...modulesIn(DRIVERS, K)].sort(), [
    "cdrom",
    "isofs",
    "loop",
    "overlay",
    "sd_mod",
    "squashfs",
    "sr_mod",
    "usb_storage",
  ]);
  // Another kernel's modules count only when the initramfs has none of this one's.
  const other = DRIVERS.map((d) => d.replace(K, "6.2.0-other"));
  assert.deepEqual([...modulesIn([...other, DRIVERS[0]], K)], ["squashfs"]);
  assert.equal(modulesIn(other, K).size, 8);
  assert.deepEqual([
    ...builtinModules("kernel/fs/isofs/isofs.ko\nkernel/drivers/usb/storage/usb-storage.ko\n"),
  ], [
    "isofs",
    "usb_storage",
  ]);
});

Deno.test("listInitramfs reads an uncompressed early archive and a gzip main archive", async () => {
  const early = cpio({ "kernel/x86/microcode/GenuineIntel.bin": "ucode" });
  const main = await gzip(cpio({
    "usr/lib/dracut/modules.txt": "dmsquash-live\n",
    "./usr/lib/dracut/build-parameter.txt": " --no-hostonly",
    [DRIVERS[0]]: "x".repeat(5000),
  }));
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeFile(file, join([early, new Uint8Array(512), main]));
    const l = await listInitramfs(file);
    assert.ok(!("unreadable" in l));
    assert.equal(l.compression, "gzip");
    assert.ok(l.names.has("kernel/x86/microcode/GenuineIntel.bin"));
    assert.ok(l.names.has(DRIVERS[0]));
    assert.equal(
      new TextDecoder().decode(l.files.get("usr/lib/dracut/build-parameter.txt")),
      " --no-hostonly",
    );
    await Deno.writeFile(file, join([early, new TextEncoder().encode("garbage!")]));
    const bad = await listInitramfs(file);
    assert.ok("unreadable" in bad && /unknown compression/.test(bad.unreadable));
    // A header that lies about its name's size is malformed, not a crash.
    const broken = cpio({ a: "b" });
    broken.set(new TextEncoder().encode("FFFFFFFF"), 6 + 11 * 8);
    await Deno.writeFile(file, broken);
    const m = await listInitramfs(file);
    assert.ok("unreadable" in m && /malformed/.test(m.unreadable));
  } finally {
    await Deno.remove(file);
  }
});
