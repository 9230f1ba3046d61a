import assert from "node:assert/strict";
import { parseCompression } from "./compression.ts";
import {
  checkErofsCompression,
  erofsCompressors,
  erofsUuid,
  excludeRegex,
  mkfsErofsArgs,
} from "./erofs.ts";

Deno.test("erofs: the compressors a mkfs.erofs lists in its help", () => {
  assert.deepEqual(erofsCompressors("usage...\nAvailable compressors are: lz4hc, lz4\n"), [
    "lz4hc",
    "lz4",
  ]);
  assert.equal(erofsCompressors("no list"), undefined);
});

Deno.test("erofs: --compression mapped to mkfs.erofs; one it lacks is bad input naming what it has", () => {
  const args = (c: string) =>
    mkfsErofsArgs({
      output: "/w/squashfs.img",
      rootDir: "/r",
      compression: parseCompression(c),
      uuid: "u",
      excludes: [],
    });
  assert.deepEqual(args("lz4hc"), ["--quiet", "-zlz4hc", "-Uu", "/w/squashfs.img", "/r"]);
  assert.deepEqual(args("zstd:6:1M").slice(1, 3), ["-zzstd,6", "-C1048576"]);
  assert.equal(args("gzip:9")[1], "-zdeflate,9");
  assert.equal(args("xz")[1], "-zlzma");
  checkErofsCompression(parseCompression("lz4"), ["lz4hc", "lz4"]);
  assert.throws(
    () => checkErofsCompression(parseCompression("zstd"), ["lz4hc", "lz4"]),
    /--compression zstd:5: this mkfs\.erofs has no zstd compressor \(it has: lz4hc, lz4\)/,
  );
});

Deno.test("erofs: --exclude wildcards as mkfs.erofs's regular expressions", () => {
  assert.equal(excludeRegex("var/lib/rpm"), "^var/lib/rpm$");
  assert.equal(excludeRegex("boot/*"), "^boot/([^./][^/]*)?$");
  assert.equal(excludeRegex("... *.pyc"), "(^|/)([^./][^/]*)?\\.pyc$");
  assert.equal(excludeRegex("a+b(c)?"), "^a\\+b\\(c\\)[^/]$");
  assert.equal(excludeRegex("x/a*"), "^x/a[^/]*$");
  const boot = new RegExp(excludeRegex("boot/*"));
  assert.ok(boot.test("boot/vmlinuz") && !boot.test("boot/.hidden") && !boot.test("boot/a/b"));
  const re = new RegExp(excludeRegex("... *.pyc"));
  assert.ok(re.test("usr/lib/x.pyc") && re.test("x.pyc") && !re.test("usr/lib/x.pyc.txt"));
});

Deno.test("erofs: the UUID depends on the label and the time only", () => {
  const a = erofsUuid("L", 1700000000);
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(erofsUuid("L", 1700000000), a);
  assert.notEqual(erofsUuid("L", 1700000001), a);
  assert.notEqual(erofsUuid("M", 1700000000), a);
});
