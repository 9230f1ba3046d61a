/**
 * Contract discovery: finds the pieces the Container-native ISO Contract asks
 * of an image (kernel, initramfs, shim, MOK manager, CD GRUB, BIOS modules,
 * iso.yaml, os-release) and says what is missing, with a hint for each.
 * Everything is read through ImageRoot, so nothing outside the image is seen.
 */
import type { ImageRoot, Resolved } from "./image_root.ts";
import { ISO_YAML_PATHS } from "./iso_config.ts";
import { parseOsRelease } from "./label.ts";

export type Severity = "ok" | "warning" | "error";

/** One line of `cniso check`'s table. */
export interface Finding {
  item: string;
  severity: Severity;
  /** Where in the image it was found (or looked for). */
  where: string;
  detail: string;
  hint?: string;
}

export interface Contract {
  kernelVersion: string;
  kernel: Resolved;
  initramfs: Resolved;
  vendor: string;
  shim: Resolved;
  mm: Resolved;
  gcd: Resolved;
  /** Regular files of /usr/lib/grub/i386-pc; undefined when building UEFI-only. */
  biosModules?: Resolved[];
  isoYaml?: { imagePath: string; text: string };
  osRelease?: Record<string, string>;
}

export interface DiscoverOptions {
  /** Pick this kernel version when the image has several. */
  kernelVersion?: string;
  /** Pick this vendor directory when the image has several. */
  vendor?: string;
  /** Build without BIOS boot (no i386-pc modules needed). */
  noBios?: boolean;
}

const MODULES_DIR = "/usr/lib/modules";
const SHIM_DIR = "/usr/lib/efi/shim";
const BIOS_DIR = "/usr/lib/grub/i386-pc";
/** What grub-mkimage and the hybrid MBR need from the BIOS modules. */
const BIOS_REQUIRED = ["boot_hybrid.img", "cdboot.img", "kernel.img", "moddep.lst"];

const EFI_FILES = {
  shim: {
    file: "shimx64.efi",
    packages: "Fedora: shim-x64; Debian: shim-signed (copy /usr/lib/shim/shimx64.efi.signed)",
  },
  mm: {
    file: "mmx64.efi",
    packages:
      "Fedora: shim-x64; Debian: shim-helpers-amd64-signed (copy /usr/lib/shim/mmx64.efi.signed)",
  },
  gcd: {
    file: "gcdx64.efi",
    packages:
      "Fedora: grub2-efi-x64-cdboot; Debian: grub-efi-amd64-signed (copy /usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed)",
  },
} as const;

export async function discover(
  root: ImageRoot,
  options: DiscoverOptions = {},
): Promise<{ contract?: Contract; isoYaml?: Contract["isoYaml"]; findings: Finding[] }> {
  const findings: Finding[] = [];
  const ok = (item: string, where: string, detail: string) =>
    findings.push({ item, severity: "ok", where, detail });
  const bad = (item: string, where: string, detail: string, hint?: string) =>
    findings.push({ item, severity: "error", where, detail, hint });

  // Kernel and initramfs.
  const versions: string[] = [];
  for (const name of await root.list(MODULES_DIR)) {
    if (await root.file(`${MODULES_DIR}/${name}/vmlinuz`)) versions.push(name);
  }
  let kernelVersion: string | undefined;
  if (options.kernelVersion) {
    if (versions.includes(options.kernelVersion)) kernelVersion = options.kernelVersion;
    else {
      bad(
        "kernel",
        `${MODULES_DIR}/${options.kernelVersion}/vmlinuz`,
        `--kernel ${options.kernelVersion}: no such kernel in the image`,
        versions.length ? `the image has: ${versions.join(", ")}` : undefined,
      );
    }
  } else if (versions.length === 1) kernelVersion = versions[0];
  else if (versions.length === 0) {
    bad(
      "kernel",
      `${MODULES_DIR}/*/vmlinuz`,
      "no kernel found",
      "install a kernel; Debian-family images keep it in /boot: cp /boot/vmlinuz-$KV /usr/lib/modules/$KV/vmlinuz",
    );
  } else {
    bad(
      "kernel",
      `${MODULES_DIR}/*/vmlinuz`,
      `several kernels: ${versions.join(", ")}`,
      "pick one with --kernel VERSION",
    );
  }
  let kernel: Resolved | undefined;
  let initramfs: Resolved | undefined;
  if (kernelVersion) {
    kernel = await root.file(`${MODULES_DIR}/${kernelVersion}/vmlinuz`);
    ok("kernel", kernel!.imagePath, `${kernelVersion}, ${mib(kernel!.size)}`);
    const initramfsPath = `${MODULES_DIR}/${kernelVersion}/initramfs.img`;
    initramfs = await root.file(initramfsPath);
    if (initramfs) ok("initramfs", initramfs.imagePath, mib(initramfs.size));
    else {
      bad(
        "initramfs",
        initramfsPath,
        "no initramfs",
        `build one that can boot a live root: dracut --no-hostonly --add dmsquash-live ${initramfsPath} ${kernelVersion}`,
      );
    }
  }

  // The UEFI vendor: the directory name under /usr/lib/efi/shim/*/EFI/ (BOOT is not one).
  const vendors = new Set<string>();
  for (const version of await root.list(SHIM_DIR)) {
    for (const name of await root.list(`${SHIM_DIR}/${version}/EFI`)) {
      if (name.toUpperCase() !== "BOOT") vendors.add(name);
    }
  }
  let vendor: string | undefined;
  if (options.vendor) {
    if (vendors.has(options.vendor)) vendor = options.vendor;
    else {
      bad(
        "vendor",
        `${SHIM_DIR}/*/EFI/${options.vendor}`,
        `--vendor ${options.vendor}: no such vendor directory`,
        vendors.size ? `the image has: ${[...vendors].join(", ")}` : undefined,
      );
    }
  } else if (vendors.size === 1) vendor = [...vendors][0];
  else if (vendors.size === 0) {
    bad(
      "vendor",
      `${SHIM_DIR}/*/EFI/*`,
      "no UEFI vendor directory",
      "install shim (Fedora: shim-x64), or create /usr/lib/efi/shim/<version>/EFI/<vendor>/ naming the directory under /boot/efi/EFI/ that holds shim",
    );
  } else {
    bad(
      "vendor",
      `${SHIM_DIR}/*/EFI/*`,
      `several vendor directories: ${[...vendors].join(", ")}`,
      "pick one with --vendor NAME",
    );
  }
  if (vendor) ok("vendor", `${SHIM_DIR}/*/EFI/${vendor}`, vendor);

  const efi: Partial<Record<keyof typeof EFI_FILES, Resolved>> = {};
  if (vendor) {
    for (const [key, { file, packages }] of Object.entries(EFI_FILES)) {
      const imagePath = `/boot/efi/EFI/${vendor}/${file}`;
      const found = await root.file(imagePath);
      if (found) {
        efi[key as keyof typeof EFI_FILES] = found;
        ok(file, found.imagePath, mib(found.size));
      } else bad(file, imagePath, `no ${file}`, `install it: ${packages}`);
    }
  }

  // GRUB's BIOS modules: copied to the ISO and used to make the El Torito image.
  let biosModules: Resolved[] | undefined;
  if (!options.noBios) {
    const names = await root.list(BIOS_DIR);
    const files: Resolved[] = [];
    for (const name of names) {
      const found = await root.file(`${BIOS_DIR}/${name}`);
      if (found) files.push({ ...found, imagePath: `${BIOS_DIR}/${name}` });
    }
    const missing = BIOS_REQUIRED.filter((n) => !files.some((f) => f.imagePath.endsWith(`/${n}`)));
    if (names.length === 0) {
      bad(
        "BIOS modules",
        BIOS_DIR,
        "no GRUB i386-pc modules",
        "install them (Fedora: grub2-pc-modules; Debian: grub-pc-bin), or pass --no-bios for a UEFI-only ISO",
      );
    } else if (missing.length > 0) {
      bad(
        "BIOS modules",
        BIOS_DIR,
        `incomplete: no ${missing.join(", ")}`,
        "reinstall them (Fedora: grub2-pc-modules; Debian: grub-pc-bin), or pass --no-bios",
      );
    } else {
      biosModules = files;
      ok("BIOS modules", BIOS_DIR, `${files.length} files`);
    }
  }

  // iso.yaml, at the first of its two places; a link that leads nowhere is an error, not "absent".
  let isoYaml: Contract["isoYaml"];
  for (const imagePath of ISO_YAML_PATHS) {
    const found = await root.readText(imagePath);
    if (found) {
      isoYaml = { imagePath, text: found.text };
      ok("iso.yaml", imagePath, `${found.text.split("\n").length} lines`);
      break;
    }
    if (await root.lexists(imagePath)) {
      bad(
        "iso.yaml",
        imagePath,
        "exists but is not a regular file inside the image (a symlink that leads nowhere?)",
        "make it a regular file, or a symlink to one inside the image",
      );
      break;
    }
  }
  if (!isoYaml && !findings.some((f) => f.item === "iso.yaml")) {
    findings.push({
      item: "iso.yaml",
      severity: "ok",
      where: ISO_YAML_PATHS.join(" or "),
      detail: "none; using the generated live entry",
    });
  }

  const osReleaseFile = (await root.readText("/etc/os-release")) ??
    (await root.readText("/usr/lib/os-release"));
  const osRelease = osReleaseFile ? parseOsRelease(osReleaseFile.text) : undefined;
  if (osReleaseFile) {
    ok("os-release", osReleaseFile.resolved.imagePath, osRelease?.PRETTY_NAME ?? "");
  }

  // iso.yaml is returned even when other pieces are missing, so `check` can judge it too.
  if (findings.some((f) => f.severity === "error")) return { isoYaml, findings };
  return {
    isoYaml,
    contract: {
      kernelVersion: kernelVersion!,
      kernel: kernel!,
      initramfs: initramfs!,
      vendor: vendor!,
      shim: efi.shim!,
      mm: efi.mm!,
      gcd: efi.gcd!,
      biosModules,
      isoYaml,
      osRelease,
    },
    findings,
  };
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
