/**
 * Contract discovery: finds the pieces the Container-native ISO Contract asks
 * of an image (kernel, initramfs, shim, MOK manager, CD GRUB, BIOS modules,
 * iso.yaml, os-release) and says what is missing, with a hint for each.
 * Everything is read through ImageRoot, so nothing outside the image is seen.
 */
import { InputError } from "../errors.ts";
import { printable, shellQuote } from "../terminal.ts";
import { BIOS_LIMITS, moduleClosure, parseModdep } from "./grub_modules.ts";
import type { ImageRoot, Resolved } from "./image_root.ts";
import { ISO_YAML_PATHS, MAX_ISO_YAML } from "../iso/iso_config.ts";
import { parseOsRelease } from "./os_release.ts";

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
  /**
   * The image has checkisomd5 (isomd5sum), which dracut puts into the initramfs: only
   * then can rd.live.check verify the medium (without it dracut refuses to boot).
   */
  mediaCheck: boolean;
}

export interface DiscoverOptions {
  /** Pick this kernel version when the image has several. */
  kernelVersion?: string;
  /** Pick this vendor directory when the image has several. */
  vendor?: string;
  /** Build without BIOS boot (no i386-pc modules needed). */
  noBios?: boolean;
}

/** os-release is a few lines. */
const MAX_OS_RELEASE = 64 * 1024;
const MODULES_DIR = "/usr/lib/modules";
const SHIM_DIR = "/usr/lib/efi/shim";
const BIOS_DIR = "/usr/lib/grub/i386-pc";
const REINSTALL_BIOS =
  "reinstall them (Fedora: grub2-pc-modules; Debian: grub-pc-bin), or pass --no-bios";
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

/**
 * A finding whose text is one line each: names from the image (a directory
 * called "6.1\ncniso: OK") cannot add lines that look like cniso's own.
 */
export function finding(f: Finding): Finding {
  return {
    ...f,
    where: printable(f.where),
    detail: printable(f.detail),
    ...(f.hint === undefined ? {} : { hint: printable(f.hint) }),
  };
}

/** Collects the findings of a discovery: one line each of `check`'s table. */
class Findings {
  readonly list: Finding[] = [];
  ok(item: string, where: string, detail: string) {
    this.list.push(finding({ item, severity: "ok", where, detail }));
  }
  bad(item: string, where: string, detail: string, hint?: string) {
    this.list.push(finding({ item, severity: "error", where, detail, hint }));
  }
  get failed(): boolean {
    return this.list.some((f) => f.severity === "error");
  }
}

export async function discover(
  root: ImageRoot,
  options: DiscoverOptions = {},
): Promise<{ contract?: Contract; isoYaml?: Contract["isoYaml"]; findings: Finding[] }> {
  const f = new Findings();
  const kernel = await findKernel(root, options.kernelVersion, f);
  const vendor = await findVendor(root, options.vendor, f);
  const efi = vendor ? await findEfiFiles(root, vendor, f) : {};
  const biosModules = options.noBios ? undefined : await findBiosModules(root, f);
  const isoYaml = await findIsoYaml(root, f);
  const osRelease = await findOsRelease(root, f);
  const mediaCheck = await hasMediaCheck(root);
  // iso.yaml is returned even when other pieces are missing, so `check` can judge it too.
  if (f.failed) return { isoYaml, findings: f.list };
  return {
    isoYaml,
    contract: {
      ...kernel!,
      vendor: vendor!,
      shim: efi.shim!,
      mm: efi.mm!,
      gcd: efi.gcd!,
      biosModules,
      isoYaml,
      osRelease,
      mediaCheck,
    },
    findings: f.list,
  };
}

/** How one of several candidates (kernels, vendors) is named in findings. */
interface Choice {
  item: string;
  /** The option that picks one, e.g. "--kernel VERSION". */
  option: string;
  /** Singular and plural, e.g. "kernel", "kernels". */
  noun: [string, string];
  /** Where a candidate is (or all are, for "*"). */
  where: (name: string) => string;
  /** Detail and hint when there is none. */
  none: [string, string];
}

/**
 * The one candidate to use: the one asked for, or the only one. Never picks one
 * of several silently: a finding says which there are and how to choose.
 */
function pickOne(
  choice: Choice,
  candidates: string[],
  requested: string | undefined,
  f: Findings,
): string | undefined {
  const flag = choice.option.split(" ")[0];
  if (requested !== undefined) {
    if (candidates.includes(requested)) return requested;
    const has = candidates.length ? `the image has: ${candidates.join(", ")}` : undefined;
    f.bad(
      choice.item,
      choice.where(requested),
      `${flag} ${requested}: no such ${choice.noun[0]}`,
      has,
    );
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) f.bad(choice.item, choice.where("*"), ...choice.none);
  else {
    f.bad(
      choice.item,
      choice.where("*"),
      `several ${choice.noun[1]}: ${candidates.join(", ")}`,
      `pick one with ${choice.option}`,
    );
  }
  return undefined;
}

/** The kernel and its initramfs, in /usr/lib/modules/<version>/. */
async function findKernel(root: ImageRoot, requested: string | undefined, f: Findings) {
  const versions: string[] = [];
  for (const name of await root.list(MODULES_DIR)) {
    if (await root.file(`${MODULES_DIR}/${name}/vmlinuz`)) versions.push(name);
  }
  const kernelVersion = pickOne(
    {
      item: "kernel",
      option: "--kernel VERSION",
      noun: ["kernel in the image", "kernels"],
      where: (v) => `${MODULES_DIR}/${v}/vmlinuz`,
      none: [
        "no kernel found",
        "install a kernel; Debian-family images keep it in /boot: cp /boot/vmlinuz-$KV /usr/lib/modules/$KV/vmlinuz",
      ],
    },
    versions,
    requested,
    f,
  );
  if (!kernelVersion) return undefined;
  const kernel = (await root.file(`${MODULES_DIR}/${kernelVersion}/vmlinuz`))!;
  f.ok("kernel", kernel.imagePath, `${kernelVersion}, ${mib(kernel.size)}`);
  const initramfsPath = `${MODULES_DIR}/${kernelVersion}/initramfs.img`;
  const initramfs = await root.file(initramfsPath);
  if (!initramfs) {
    f.bad(
      "initramfs",
      initramfsPath,
      "no initramfs",
      `build one that can boot a live root: dracut --no-hostonly --add dmsquash-live ${
        shellQuote(initramfsPath)
      } ${shellQuote(kernelVersion)}`,
    );
    return undefined;
  }
  f.ok("initramfs", initramfs.imagePath, mib(initramfs.size));
  return { kernelVersion, kernel, initramfs };
}

/** The UEFI vendor: the directory name under /usr/lib/efi/shim/*\/EFI/ (BOOT is not one). */
async function findVendor(root: ImageRoot, requested: string | undefined, f: Findings) {
  const vendors = new Set<string>();
  for (const version of await root.list(SHIM_DIR)) {
    for (const name of await root.list(`${SHIM_DIR}/${version}/EFI`)) {
      if (name.toUpperCase() !== "BOOT") vendors.add(name);
    }
  }
  const vendor = pickOne(
    {
      item: "vendor",
      option: "--vendor NAME",
      noun: ["vendor directory", "vendor directories"],
      where: (v) => `${SHIM_DIR}/*/EFI/${v}`,
      none: [
        "no UEFI vendor directory",
        "install shim (Fedora: shim-x64), or create /usr/lib/efi/shim/<version>/EFI/<vendor>/ naming the directory under /boot/efi/EFI/ that holds shim",
      ],
    },
    [...vendors],
    requested,
    f,
  );
  if (vendor) f.ok("vendor", `${SHIM_DIR}/*/EFI/${vendor}`, vendor);
  return vendor;
}

/** shim, the MOK manager and the CD GRUB in /boot/efi/EFI/<vendor>/. */
async function findEfiFiles(root: ImageRoot, vendor: string, f: Findings) {
  const efi: Partial<Record<keyof typeof EFI_FILES, Resolved>> = {};
  for (const [key, { file, packages }] of Object.entries(EFI_FILES)) {
    const imagePath = `/boot/efi/EFI/${vendor}/${file}`;
    const found = await root.file(imagePath);
    if (found) {
      efi[key as keyof typeof EFI_FILES] = found;
      f.ok(file, found.imagePath, mib(found.size));
    } else f.bad(file, imagePath, `no ${file}`, `install it: ${packages}`);
  }
  return efi;
}

/** GRUB's BIOS modules: copied to the ISO and used to make the El Torito image. */
async function findBiosModules(root: ImageRoot, f: Findings): Promise<Resolved[] | undefined> {
  const bad = (detail: string, hint = REINSTALL_BIOS) => {
    f.bad("BIOS modules", BIOS_DIR, detail, hint);
    return undefined;
  };
  let names: string[];
  try {
    names = await root.list(BIOS_DIR, BIOS_LIMITS.files);
  } catch (e) {
    if (e instanceof InputError) return bad(`more than ${BIOS_LIMITS.files} files`);
    throw e;
  }
  if (names.length === 0) {
    return bad(
      "no GRUB i386-pc modules",
      "install them (Fedora: grub2-pc-modules; Debian: grub-pc-bin), or pass --no-bios for a UEFI-only ISO",
    );
  }
  const files: Resolved[] = [];
  for (const name of names) {
    const found = await root.file(`${BIOS_DIR}/${name}`);
    if (found) files.push({ ...found, imagePath: `${BIOS_DIR}/${name}` });
  }
  // Hard links to one big file count each time: each is copied.
  const bytes = files.reduce((sum, file) => sum + file.size, 0);
  if (bytes > BIOS_LIMITS.bytes) {
    return bad(`${mib(bytes)} of files, more than ${mib(BIOS_LIMITS.bytes)}`);
  }
  const present = new Set(files.map((file) => file.imagePath.slice(BIOS_DIR.length + 1)));
  const missing = BIOS_REQUIRED.filter((n) => !present.has(n));
  if (missing.length > 0) return bad(`incomplete: no ${missing.join(", ")}`);
  const problem = await modulesProblem(root, present);
  if (problem) return bad(problem);
  f.ok("BIOS modules", BIOS_DIR, `${files.length} files`);
  return files;
}

/** What is wrong with moddep.lst and the modules grub-mkimage will read, if anything. */
async function modulesProblem(root: ImageRoot, present: Set<string>): Promise<string | undefined> {
  let text: string;
  try {
    text = (await root.readText(`${BIOS_DIR}/moddep.lst`, BIOS_LIMITS.moddep))!.text;
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  const graph = parseModdep(text);
  if ("problem" in graph) return graph.problem;
  const closure = moduleClosure(graph, present);
  return "problem" in closure ? closure.problem : undefined;
}

/** iso.yaml, at the first of its two places; a link that leads nowhere is an error, not "absent". */
async function findIsoYaml(root: ImageRoot, f: Findings): Promise<Contract["isoYaml"]> {
  for (const imagePath of ISO_YAML_PATHS) {
    const found = await root.readText(imagePath, MAX_ISO_YAML);
    if (found) {
      f.ok("iso.yaml", imagePath, `${found.text.split("\n").length} lines`);
      return { imagePath, text: found.text };
    }
    if (await root.lexists(imagePath)) {
      f.bad(
        "iso.yaml",
        imagePath,
        "exists but is not a regular file inside the image (a symlink that leads nowhere?)",
        "make it a regular file, or a symlink to one inside the image",
      );
      return undefined;
    }
  }
  f.ok("iso.yaml", ISO_YAML_PATHS.join(" or "), "none; using the generated live entry");
  return undefined;
}

async function hasMediaCheck(root: ImageRoot): Promise<boolean> {
  for (const dir of ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]) {
    if (await root.file(`${dir}/checkisomd5`)) return true;
  }
  return false;
}

async function findOsRelease(root: ImageRoot, f: Findings) {
  const file = (await root.readText("/etc/os-release", MAX_OS_RELEASE)) ??
    (await root.readText("/usr/lib/os-release", MAX_OS_RELEASE));
  if (!file) return undefined;
  const osRelease = parseOsRelease(file.text);
  f.ok("os-release", file.resolved.imagePath, osRelease.PRETTY_NAME ?? "");
  return osRelease;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
