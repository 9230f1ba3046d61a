/**
 * Temporary image trees for unit tests: a minimal tree that satisfies the
 * contract (files hold short marker text, not real binaries), which a test
 * then breaks in one way.
 */
import * as path from "node:path";
import { ELTORITO_MODULES } from "../lib/image/grub_modules.ts";

export const KVER = "6.1.0-test";

export interface TreeOptions {
  isoYaml?: string;
  /** Second place for iso.yaml. */
  isoYamlAlt?: string;
  osRelease?: string;
}

export async function makeTree(options: TreeOptions = {}): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "cniso-tree-" });
  const files: Record<string, string> = {
    [`usr/lib/modules/${KVER}/vmlinuz`]: "kernel",
    [`usr/lib/modules/${KVER}/initramfs.img`]: "initramfs",
    "boot/efi/EFI/debian/shimx64.efi": "shim",
    "boot/efi/EFI/debian/mmx64.efi": "mm",
    "boot/efi/EFI/debian/gcdx64.efi": "gcd",
    "usr/lib/grub/i386-pc/boot_hybrid.img": "mbr",
    "usr/lib/grub/i386-pc/cdboot.img": "cdboot",
    "usr/lib/grub/i386-pc/kernel.img": "grub kernel",
    // Every module eltorito.img needs, and a dependency, as moddep.lst lists them.
    "usr/lib/grub/i386-pc/moddep.lst": "iso9660: fshelp\nnormal: terminal\nfshelp:\n",
    ...Object.fromEntries(
      [...ELTORITO_MODULES, "fshelp"].map((m) => [`usr/lib/grub/i386-pc/${m}.mod`, "mod"]),
    ),
    "etc/os-release": options.osRelease ??
      'PRETTY_NAME="Test OS 1"\nNAME="Test OS"\nID=test\nVERSION_ID="1"\n',
  };
  if (options.isoYaml !== undefined) {
    files["usr/lib/image-builder/bootc/iso.yaml"] = options.isoYaml;
  }
  if (options.isoYamlAlt !== undefined) {
    files["usr/lib/bootc-image-builder/iso.yaml"] = options.isoYamlAlt;
  }
  for (const [name, content] of Object.entries(files)) await put(root, name, content);
  await Deno.mkdir(path.join(root, "usr/lib/efi/shim/15/EFI/debian"), { recursive: true });
  await Deno.mkdir(path.join(root, "usr/lib/efi/shim/15/EFI/BOOT"), { recursive: true });
  return root;
}

export async function put(root: string, name: string, content: string): Promise<void> {
  const file = path.join(root, name);
  await Deno.mkdir(path.dirname(file), { recursive: true });
  await Deno.writeTextFile(file, content);
}

/** Replaces `name` in the tree by a symlink to `target`. */
export async function link(root: string, name: string, target: string): Promise<void> {
  const file = path.join(root, name);
  await Deno.mkdir(path.dirname(file), { recursive: true });
  await Deno.remove(file, { recursive: true }).catch(() => {});
  await Deno.symlink(target, file);
}

export async function remove(root: string, name: string): Promise<void> {
  await Deno.remove(path.join(root, name), { recursive: true });
}

/** A PE file's first bytes: "MZ", the PE header at `pe`, its machine type; zboot's "zimg" if asked. */
export function peHead(machine: number, options: { zboot?: boolean; pe?: number } = {}) {
  const pe = options.pe ?? 0x40;
  const b = new Uint8Array(Math.max(0x400, pe + 8));
  const view = new DataView(b.buffer);
  b.set([0x4d, 0x5a]);
  if (options.zboot) b.set([0x7a, 0x69, 0x6d, 0x67], 4);
  view.setUint32(0x3c, pe, true);
  b.set([0x50, 0x45, 0, 0], pe);
  view.setUint16(pe + 4, machine, true);
  return b;
}
