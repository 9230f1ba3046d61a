import assert from "node:assert/strict";
import { hasDmsquashLive } from "./initramfs.ts";
import { cpio, gzip } from "../../testing/cpio.ts";

async function check(parts: Uint8Array[]): Promise<boolean | undefined> {
  const file = await Deno.makeTempFile();
  try {
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) (all.set(p, at), at += p.length);
    await Deno.writeFile(file, all);
    return await hasDmsquashLive(file);
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("initramfs: dmsquash-live behind an uncompressed microcode archive", async () => {
  const early = cpio({ "kernel/x86/microcode/GenuineIntel.bin": "microcode" });
  const main = await gzip(cpio({ "usr/lib/dracut/modules.txt": "base\ndmsquash-live\n" }));
  assert.equal(await check([early, new Uint8Array(512), main]), true);
});

Deno.test("initramfs: compressed without the module, uncompressed with it, unknown data", async () => {
  assert.equal(await check([await gzip(cpio({ "usr/lib/dracut/modules.txt": "base\n" }))]), false);
  assert.equal(await check([cpio({ "usr/sbin/dmsquash-live-root": "#!/bin/sh" })]), true);
  assert.equal(await check([new TextEncoder().encode("not an initramfs at all")]), undefined);
});

Deno.test("initramfs: a malformed cpio header is 'could not tell', never a crash", async () => {
  const enc = new TextEncoder();
  const bad = [
    "070701" + "Z".repeat(104), // fields that are not hex
    "070701" + "0".repeat(88) + "00000000" + "0".repeat(8), // a name size of 0
    "070701" + "f".repeat(104), // sizes past the end of the file
  ];
  for (const header of bad) {
    const r = await check([enc.encode(header), new Uint8Array(64)]);
    assert.ok(r === undefined || r === false, header);
  }
});

Deno.test("initramfs: the probe stops when the build is interrupted", async () => {
  const controller = new AbortController();
  controller.abort(new Error("interrupted"));
  const main = await gzip(cpio({ "usr/lib/dracut/modules.txt": "base\n" }));
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeFile(file, main);
    await assert.rejects(() => hasDmsquashLive(file, controller.signal), /interrupted/);
  } finally {
    await Deno.remove(file);
  }
});
