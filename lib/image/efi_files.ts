/**
 * The UEFI pieces: the vendor directory, and shim, the MOK manager and the CD
 * GRUB, looked for where distributions put them today. First the contract's
 * /boot/efi/EFI/<vendor>/, then the package tree Fedora installs
 * (/usr/lib/efi/<package>/<version>/EFI/<vendor>/, highest version wins),
 * then bootupd's payload (/usr/lib/bootupd/updates/EFI/<vendor>/).
 */
import type { ImageRoot, Resolved } from "./image_root.ts";
import { type Findings, mib, pickOne } from "./findings.ts";
import { compareVersions } from "./version_order.ts";
import { type Arch, ARCH_LAYOUTS } from "../iso/layout.ts";

const SHIM_DIR = "/usr/lib/efi/shim";
const PACKAGES_DIR = "/usr/lib/efi";
const BOOTUPD_DIR = "/usr/lib/bootupd/updates/EFI";
const ESP_DIR = "/boot/efi/EFI";
/** Packages and versions looked at, at most: a distribution has a handful. */
const MAX_ENTRIES = 256;
/** shim, the MOK manager and GRUB are a few MiB each; they go into a FAT image. */
export const MAX_EFI_BYTES = 64 * 1024 * 1024;

/** Where each architecture's shim, MOK manager and CD GRUB come from, for the hints. */
const EFI_PACKAGES: Record<Arch, Record<EfiKey, string>> = {
  x86_64: {
    shim: "Fedora: shim-x64; Debian: shim-signed (copy /usr/lib/shim/shimx64.efi.signed)",
    mm: "Fedora: shim-x64; Debian: shim-helpers-amd64-signed (copy /usr/lib/shim/mmx64.efi.signed)",
    gcd:
      "Fedora: grub2-efi-x64-cdboot; Debian: grub-efi-amd64-signed (copy /usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed)",
  },
  aarch64: {
    shim: "Fedora: shim-aa64; Debian: shim-signed (copy /usr/lib/shim/shimaa64.efi.signed)",
    mm:
      "Fedora: shim-aa64; Debian: shim-helpers-arm64-signed (copy /usr/lib/shim/mmaa64.efi.signed)",
    gcd:
      "Fedora: grub2-efi-aa64-cdboot; Debian: grub-efi-arm64-signed (copy /usr/lib/grub/arm64-efi-signed/gcdaa64.efi.signed)",
  },
};

export type EfiKey = "shim" | "mm" | "gcd";

/** An architecture's EFI binaries: the file name in the image, and the packages that have it. */
export function efiBinaries(arch: Arch): Record<EfiKey, { file: string; packages: string }> {
  const names = ARCH_LAYOUTS[arch].imageEfi;
  const packages = EFI_PACKAGES[arch];
  return {
    shim: { file: names.shim, packages: packages.shim },
    mm: { file: names.mm, packages: packages.mm },
    gcd: { file: names.gcd, packages: packages.gcd },
  };
}

/** Vendor directories in `dirs` (BOOT is the removable-media directory, not a vendor). */
async function vendorsIn(root: ImageRoot, dirs: string[]): Promise<string[]> {
  const vendors = new Set<string>();
  for (const dir of dirs) {
    for (const name of await root.list(dir, MAX_ENTRIES)) {
      if (name.toUpperCase() !== "BOOT") vendors.add(name);
    }
  }
  return [...vendors].sort();
}

/**
 * The vendor: named by shim's package directory, or failing that by bootupd's,
 * or failing both by the /boot/efi/EFI/ directory that holds shim.
 */
export async function findVendor(
  root: ImageRoot,
  requested: string | undefined,
  arch: Arch,
  f: Findings,
) {
  const shimFile = ARCH_LAYOUTS[arch].imageEfi.shim;
  const shimDirs = (await root.list(SHIM_DIR, MAX_ENTRIES)).map((v) => `${SHIM_DIR}/${v}/EFI`);
  let vendors = await vendorsIn(root, shimDirs);
  let where = (v: string) => `${SHIM_DIR}/*/EFI/${v}`;
  if (vendors.length === 0) {
    vendors = await vendorsIn(root, [BOOTUPD_DIR]);
    if (vendors.length > 0) where = (v: string) => `${BOOTUPD_DIR}/${v}`;
  }
  if (vendors.length === 0) {
    for (const v of await vendorsIn(root, [ESP_DIR])) {
      if (await root.file(`${ESP_DIR}/${v}/${shimFile}`)) vendors.push(v);
    }
    if (vendors.length > 0) where = (v: string) => `${ESP_DIR}/${v}`;
  }
  const vendor = pickOne(
    {
      item: "vendor",
      option: "--vendor NAME",
      noun: ["vendor directory", "vendor directories"],
      where,
      none: [
        "no UEFI vendor directory",
        `install shim (${
          EFI_PACKAGES[arch].shim.split(";")[0]
        }), or create ${SHIM_DIR}/<version>/EFI/<vendor>/ naming the directory under /boot/efi/EFI/ that holds shim`,
      ],
    },
    vendors,
    requested,
    f,
  );
  if (vendor) f.ok("vendor", where(vendor), vendor);
  return vendor;
}

/** shim, the MOK manager and the CD GRUB, each from the first place that has it. */
export async function findEfiFiles(root: ImageRoot, vendor: string, arch: Arch, f: Findings) {
  const efi: Partial<Record<EfiKey, Resolved>> & { notes: string[] } = { notes: [] };
  for (const [key, { file, packages }] of Object.entries(efiBinaries(arch))) {
    const found = await findOne(root, vendor, file);
    if (found && found.resolved.size > MAX_EFI_BYTES) {
      f.bad(
        file,
        found.resolved.imagePath,
        `${mib(found.resolved.size)}, more than ${mib(MAX_EFI_BYTES)}: not an EFI binary`,
        `install it: ${packages}`,
      );
    } else if (found) {
      efi[key as EfiKey] = found.resolved;
      f.ok(file, found.resolved.imagePath, `${mib(found.resolved.size)}${found.note}`);
      // Where a file came from, when not from the contract's place: the build says so.
      if (found.note) efi.notes.push(`${file}: ${found.resolved.imagePath}${found.note}`);
    } else {
      f.bad(
        file,
        `${ESP_DIR}/${vendor}/${file}`,
        `no ${file} (also looked in ${PACKAGES_DIR}/*/*/EFI/${vendor}/ and ${BOOTUPD_DIR}/${vendor}/)`,
        `install it: ${packages}`,
      );
    }
  }
  return efi;
}

async function findOne(
  root: ImageRoot,
  vendor: string,
  file: string,
): Promise<{ resolved: Resolved; note: string } | undefined> {
  const contract = await root.file(`${ESP_DIR}/${vendor}/${file}`);
  if (contract) return { resolved: contract, note: "" };
  const packaged = await newestPackaged(root, vendor, file);
  if (packaged) return packaged;
  const bootupd = await root.file(`${BOOTUPD_DIR}/${vendor}/${file}`);
  return bootupd ? { resolved: bootupd, note: " (bootupd's payload)" } : undefined;
}

/** The file in the highest version of any package under /usr/lib/efi that has it. */
async function newestPackaged(root: ImageRoot, vendor: string, file: string) {
  const found: { version: string; resolved: Resolved }[] = [];
  for (const pkg of await root.list(PACKAGES_DIR, MAX_ENTRIES)) {
    for (const version of await root.list(`${PACKAGES_DIR}/${pkg}`, MAX_ENTRIES)) {
      const resolved = await root.file(`${PACKAGES_DIR}/${pkg}/${version}/EFI/${vendor}/${file}`);
      if (resolved) found.push({ version, resolved });
    }
  }
  if (found.length === 0) return undefined;
  // Highest version first; the same version in two packages: the path decides, never the listing.
  found.sort((a, b) =>
    compareVersions(b.version, a.version) ||
    (a.resolved.imagePath < b.resolved.imagePath ? -1 : 1)
  );
  const [best] = found;
  const note = found.length === 1
    ? ` (version ${best.version})`
    : ` (version ${best.version}, the highest of ${found.map((c) => c.version).join(", ")})`;
  return { resolved: best.resolved, note };
}
