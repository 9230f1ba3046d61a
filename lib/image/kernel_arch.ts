/**
 * A kernel's architecture from its own header, to cross-check the image's
 * config: an arm64 image whose kernel is x86_64 (or the reverse) makes an ISO
 * that boots nowhere. Pure but for the bounded read and the gzip prefix.
 *
 *   - EFI-stub kernels and Fedora's zboot images are PE files: "MZ", the PE
 *     header's offset at 0x3c, its machine type (0x8664 x86_64, 0xaa64 arm64);
 *   - an arm64 Image without the stub: "ARM\x64" at 0x38;
 *   - an x86 bzImage without it: "HdrS" at 0x202, 64-bit when xloadflags (0x236) says so;
 *   - a gzip-compressed kernel (Ubuntu's arm64 vmlinuz): its first bytes are unpacked.
 */
import { readAtMost } from "../read_at_most.ts";
import { ARCH_LAYOUTS, ARCHES } from "../iso/layout.ts";

/** What the header says: an architecture's name (cniso's or another), and the format. */
export interface KernelHeader {
  arch?: string;
  format: string;
}

/** Enough of the file for every header above, and for a gzip stream to yield them. */
const HEAD_BYTES = 64 * 1024;
/** The unpacked bytes looked at in a gzip-compressed kernel. */
const UNPACKED_BYTES = 4096;
/**
 * The compressed bytes unpacked for them: deflate never grows data by more than a few bytes
 * per block, so 4 KiB out need under 8 KiB in; and 8 KiB unpack to at most about 8 MiB,
 * whatever a hostile image made of them (a gzip bomb).
 */
const GZIP_INPUT_BYTES = 8 * 1024;

/** Machine types of other architectures, so a message can name them. */
const OTHER_PE_MACHINES: Record<number, string> = {
  0x14c: "i386",
  0x1c2: "arm",
  0x5064: "riscv64",
  0x6264: "loongarch64",
};

export async function readKernelHeader(hostPath: string): Promise<KernelHeader> {
  const head = await readAtMost(hostPath, HEAD_BYTES);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const inner = kernelHeader(
      await gunzipPrefix(head.subarray(0, GZIP_INPUT_BYTES), UNPACKED_BYTES),
    );
    return { ...inner, format: `gzip-compressed ${inner.format}` };
  }
  return kernelHeader(head);
}

/** The header of a kernel's first bytes (not compressed). */
export function kernelHeader(b: Uint8Array): KernelHeader {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ascii = (at: number, text: string) =>
    b.length >= at + text.length &&
    [...text].every((c, i) => b[at + i] === c.charCodeAt(0));
  if (ascii(0, "MZ") && b.length >= 0x40) {
    const pe = view.getUint32(0x3c, true);
    if (pe + 6 <= b.length && ascii(pe, "PE\0\0")) {
      const machine = view.getUint16(pe + 4, true);
      const format = ascii(4, "zimg") ? "EFI zboot image" : "EFI-stub kernel";
      return { arch: peMachineArch(machine), format };
    }
  }
  if (ascii(0x38, "ARM\x64")) return { arch: "aarch64", format: "arm64 Image" };
  if (ascii(0x202, "HdrS") && b.length > 0x237) {
    // xloadflags (its bit 0: a 64-bit kernel) exists from boot protocol 2.12 (Linux 3.8) on.
    if (view.getUint16(0x206, true) < 0x020c) return { format: "bzImage of boot protocol < 2.12" };
    const is64 = (view.getUint16(0x236, true) & 1) === 1;
    return { arch: is64 ? "x86_64" : "i386", format: "bzImage" };
  }
  return { format: "no kernel header cniso knows" };
}

function peMachineArch(machine: number): string {
  const arch = ARCHES.find((a) => ARCH_LAYOUTS[a].peMachine === machine);
  return arch ?? OTHER_PE_MACHINES[machine] ??
    `PE machine 0x${machine.toString(16).padStart(4, "0")}`;
}

/** Up to `want` bytes of a gzip stream's output from its first bytes (a truncated stream is fine). */
async function gunzipPrefix(compressed: Uint8Array, want: number): Promise<Uint8Array> {
  const stream = new DecompressionStream("gzip");
  const writer = stream.writable.getWriter();
  // Truncated on purpose: the stream's error at its end is expected and ignored.
  writer.write(new Uint8Array(compressed)).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  const out = new Uint8Array(want);
  let got = 0;
  try {
    while (got < want) {
      const { value, done } = await reader.read();
      if (done) break;
      const n = Math.min(value.length, want - got);
      out.set(value.subarray(0, n), got);
      got += n;
    }
  } catch {
    // Not gzip after all, or cut short before `want` bytes: what came out is judged.
  }
  reader.cancel().catch(() => {});
  return out.subarray(0, got);
}
