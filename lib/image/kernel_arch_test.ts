import assert from "node:assert/strict";
import { kernelHeader, readKernelHeader } from "./kernel_arch.ts";
import { peHead } from "../../testing/tree.ts";

/** An arm64 Image without the EFI stub: "ARM\x64" at 0x38. */
function arm64Image() {
  const b = new Uint8Array(0x1000);
  b.set([0x41, 0x52, 0x4d, 0x64], 0x38);
  return b;
}

function bzImage(is64: boolean, protocol = 0x020f) {
  const b = new Uint8Array(0x1000);
  b.set([0x48, 0x64, 0x72, 0x53], 0x202);
  new DataView(b.buffer).setUint16(0x206, protocol, true);
  new DataView(b.buffer).setUint16(0x236, is64 ? 0x1 : 0, true);
  return b;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("kernel header: PE machine types, zboot, Image and bzImage", () => {
  assert.deepEqual(kernelHeader(peHead(0x8664)), { arch: "x86_64", format: "EFI-stub kernel" });
  assert.deepEqual(kernelHeader(peHead(0xaa64)), { arch: "aarch64", format: "EFI-stub kernel" });
  assert.deepEqual(kernelHeader(peHead(0xaa64, { zboot: true })), {
    arch: "aarch64",
    format: "EFI zboot image",
  });
  assert.equal(kernelHeader(peHead(0x5064)).arch, "riscv64");
  assert.equal(kernelHeader(peHead(0x1234)).arch, "PE machine 0x1234");
  assert.deepEqual(kernelHeader(arm64Image()), { arch: "aarch64", format: "arm64 Image" });
  assert.deepEqual(kernelHeader(bzImage(true)), { arch: "x86_64", format: "bzImage" });
  assert.equal(kernelHeader(bzImage(false)).arch, "i386");
  // Before boot protocol 2.12 the bytes of xloadflags were something else: no verdict.
  assert.equal(kernelHeader(bzImage(false, 0x020b)).arch, undefined);
});

Deno.test("kernel header: text, short files and a PE offset past the end say nothing", () => {
  assert.equal(kernelHeader(new TextEncoder().encode("kernel")).arch, undefined);
  assert.equal(kernelHeader(new Uint8Array()).arch, undefined);
  assert.equal(kernelHeader(new Uint8Array([0x4d, 0x5a])).arch, undefined);
  assert.equal(
    kernelHeader(peHead(0xaa64, { pe: 0x7fff_fff0 }).subarray(0, 0x400)).arch,
    undefined,
  );
});

Deno.test("kernel header: a gzip-compressed arm64 Image (Ubuntu's vmlinuz) is unpacked; a gzip bomb costs little", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cniso-kernel-" });
  try {
    // Followed by incompressible bytes: only the stream's start is in the bytes read.
    const image = new Uint8Array(512 * 1024);
    crypto.getRandomValues(image.subarray(0x1000, 0x1000 + 65536));
    image.set(peHead(0xaa64).subarray(0, 0x100));
    image.set([0x41, 0x52, 0x4d, 0x64], 0x38);
    await Deno.writeFile(`${dir}/vmlinuz`, await gzip(image));
    assert.deepEqual(await readKernelHeader(`${dir}/vmlinuz`), {
      arch: "aarch64",
      format: "gzip-compressed EFI-stub kernel",
    });
    // A bomb (zeros, 1000:1): only its first 8 KiB are unpacked.
    const bomb = await gzip(new Uint8Array(256 * 1024 * 1024));
    await Deno.writeFile(`${dir}/bomb`, bomb);
    const before = Deno.memoryUsage().rss;
    assert.equal((await readKernelHeader(`${dir}/bomb`)).arch, undefined);
    assert.ok(Deno.memoryUsage().rss - before < 64 * 1024 * 1024, "memory for a bomb");
    // Broken gzip: nothing recognised, no error.
    await Deno.writeFile(`${dir}/broken`, new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    assert.equal((await readKernelHeader(`${dir}/broken`)).arch, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
