/**
 * Looks at an ISO with independent tools (xorriso's reports, mtools,
 * unsquashfs, checkisomd5), never with cniso's own code, and compares it with
 * the image it came from.
 */
import $ from "dax";
import assert from "node:assert/strict";
import * as path from "node:path";
import { withMountedImage } from "./images.ts";

const EFI_TYPE_GUID_ON_DISK = "28732ac11ff8d211ba4b00a0c93ec93b"; // C12A7328-F81F-11D2-BA4B-00A0C93EC93B

export interface IsoReport {
  volumeId: string;
  elTorito: string[];
  efiPartitionOffset: number;
}

export async function report(iso: string): Promise<IsoReport> {
  const text =
    await $`xorriso -indev ${iso} -pvd_info -report_el_torito plain -report_system_area plain`
      .stderr("null").text();
  const volumeId = /^Volume Id\s*:\s*(.*)$/m.exec(text)?.[1].trim() ?? "";
  const elTorito = [...text.matchAll(/^El Torito boot img :\s+\d+\s+(\S+)/gm)].map((m) => m[1]);
  let efiPartitionOffset = -1;
  const types = [...text.matchAll(/^GPT type GUID\s*:\s*(\d+)\s+(\S+)/gm)];
  const efi = types.find((m) => m[2] === EFI_TYPE_GUID_ON_DISK);
  if (efi) {
    const start = new RegExp(`^GPT start and size :\\s+${efi[1]}\\s+(\\d+)`, "m").exec(text);
    if (start) efiPartitionOffset = Number(start[1]) * 512;
  }
  return { volumeId, elTorito, efiPartitionOffset };
}

async function extract(iso: string, isoPath: string, dest: string) {
  await $`xorriso -osirrox on -indev ${iso} -extract ${isoPath} ${dest}`.quiet();
}

async function sameBytes(a: string, b: string, what: string) {
  const [x, y] = await Promise.all([Deno.readFile(a), Deno.readFile(b)]);
  assert.ok(x.length > 0, `${what}: empty`);
  assert.ok(x.length === y.length && x.every((v, i) => v === y[i]), `${what}: bytes differ`);
}

/** The loaders' names on the ISO per architecture (written here again: the tests' own view). */
const LOADERS = {
  x86_64: { shim: "BOOTX64.EFI", mm: "mmx64.efi", grub: "grubx64.efi", suffix: "x64" },
  aarch64: { shim: "BOOTAA64.EFI", mm: "mmaa64.efi", grub: "grubaa64.efi", suffix: "aa64" },
} as const;

export interface Expect {
  /** The image's architecture (default x86_64): the EFI files' names. */
  arch?: keyof typeof LOADERS;
  label: string;
  vendor: string;
  kernelVersion: string;
  /** Expect a BIOS El Torito entry (false for --no-bios). */
  bios?: boolean;
  /** Where shim, the MOK manager and GRUB are in the image (default: /boot/efi/EFI/<vendor>/). */
  efi?: { shim: string; mm: string; gcd: string };
  /** Kernels also on the ISO, under /images/pxeboot/<version>/. */
  otherKernels?: string[];
}

/** Asserts everything the build issue asks of an ISO made from `image`. */
export async function inspectIso(iso: string, image: string, expect: Expect): Promise<void> {
  const r = await report(iso);
  assert.equal(r.volumeId, expect.label, "volume id");
  assert.deepEqual(r.elTorito, expect.bios === false ? ["UEFI"] : ["BIOS", "UEFI"], "El Torito");
  assert.ok(r.efiPartitionOffset > 0, "an appended EFI system partition in the GPT");

  const out = await Deno.makeTempDir({ prefix: "cniso-inspect-" });
  try {
    await withMountedImage(image, async (root) => {
      const kdir = `${root}/usr/lib/modules/${expect.kernelVersion}`;
      const vendorDir = `/boot/efi/EFI/${expect.vendor}`;
      const loaders = LOADERS[expect.arch ?? "x86_64"];
      const efi = expect.efi ?? {
        shim: `${vendorDir}/shim${loaders.suffix}.efi`,
        mm: `${vendorDir}/mm${loaders.suffix}.efi`,
        gcd: `${vendorDir}/gcd${loaders.suffix}.efi`,
      };
      const pairs: [string, string][] = [
        ["/images/pxeboot/vmlinuz", `${kdir}/vmlinuz`],
        ["/images/pxeboot/initrd.img", `${kdir}/initramfs.img`],
        [`/EFI/BOOT/${loaders.shim}`, `${root}${efi.shim}`],
        [`/EFI/BOOT/${loaders.mm}`, `${root}${efi.mm}`],
        [`/EFI/BOOT/${loaders.grub}`, `${root}${efi.gcd}`],
        ...(expect.otherKernels ?? []).flatMap((v): [string, string][] => [
          [`/images/pxeboot/${v}/vmlinuz`, `${root}/usr/lib/modules/${v}/vmlinuz`],
          [`/images/pxeboot/${v}/initrd.img`, `${root}/usr/lib/modules/${v}/initramfs.img`],
        ]),
      ];
      for (const [isoPath, imagePath] of pairs) {
        const dest = path.join(out, "iso", isoPath);
        await Deno.mkdir(path.dirname(dest), { recursive: true });
        await extract(iso, isoPath, dest);
        await sameBytes(dest, imagePath, isoPath);
      }
      // The EFI partition holds the same EFI/BOOT files (read with mtools at its offset).
      for (const [isoPath, imagePath] of [...pairs.slice(2, 5), ["/EFI/BOOT/grub.cfg", ""]]) {
        const dest = path.join(out, "esp", isoPath);
        await Deno.mkdir(path.dirname(dest), { recursive: true });
        await $`mcopy -n -i ${iso}@@${r.efiPartitionOffset} ${"::" + isoPath} ${dest}`
          .env("MTOOLS_SKIP_CHECK", "1").quiet();
        const other = imagePath || path.join(out, "iso-grub.cfg");
        if (!imagePath) await extract(iso, "/EFI/BOOT/grub.cfg", other);
        await sameBytes(dest, other, `EFI partition ${isoPath}`);
      }
      // Debian's and Ubuntu's GRUB find the medium by this marker file.
      await extract(iso, "/.disk/info", path.join(out, "disk-info"));
      assert.match(
        await Deno.readTextFile(path.join(out, "disk-info")),
        /^[^\n]+ - live ISO \S+, made by cniso\n$/,
      );
      if (expect.bios !== false) {
        for (
          const p of [
            "/boot/grub2/grub.cfg",
            "/images/eltorito.img",
            "/boot/grub2/i386-pc/boot_hybrid.img",
          ]
        ) {
          await extract(iso, p, path.join(out, "x", path.basename(p)));
        }
      }
      // The squashfs holds exactly the image's tree, but /dev's entries (tool_stages.ts LIVE_ROOT_EXCLUDES).
      const lba = /File data lba:\s*\d+\s*,\s*(\d+)/.exec(
        await $`xorriso -indev ${iso} -find /LiveOS/squashfs.img -exec report_lba`.stderr("null")
          .text(),
      );
      assert.ok(lba, "squashfs.img has a data extent");
      const listed = (await $`unsquashfs -o ${Number(lba[1]) * 2048} -l -d ${""} ${iso}`.lines())
        .filter((l) => l.startsWith("/")).sort();
      const expected = (await $`find . -mindepth 1`.cwd(root).lines()).map((l) => l.slice(1))
        .filter((l) => !l.startsWith("/dev/")).sort();
      assert.equal(listed.length, expected.length, "number of files in the squashfs");
      assert.deepEqual(listed, expected, "the squashfs lists the image's files");
    });
  } finally {
    await Deno.remove(out, { recursive: true });
  }
  const md5 = await $`checkisomd5 ${iso}`.stdout("piped").stderr("piped").noThrow();
  assert.equal(md5.code, 0, `checkisomd5: ${md5.stdout}${md5.stderr}`);
  assert.match(md5.stderr + md5.stdout, /the result is: PASS/);
}
