/**
 * Contract discovery: finds the pieces the Container-native ISO Contract asks
 * of an image (kernel, initramfs, shim, MOK manager, CD GRUB, BIOS modules,
 * iso.yaml, os-release) and says what is missing, with a hint for each.
 * Everything is read through ImageRoot, so nothing outside the image is seen.
 */
import { InputError } from "../errors.ts";
import { type ArchOptions, findArch } from "./arch.ts";
import { findEfiFiles, findVendor } from "./efi_files.ts";
import { type Finding, Findings, mib } from "./findings.ts";
import { BIOS_LIMITS, moduleClosure, parseModdep } from "./grub_modules.ts";
import type { ImageRoot, Resolved } from "./image_root.ts";
import { ISO_YAML_PATHS, MAX_ISO_YAML } from "../iso/iso_config.ts";
import { findKernels, type Kernel } from "./kernels.ts";
import { parseOsRelease } from "./os_release.ts";
import { type Arch, ARCH_LAYOUTS } from "../iso/layout.ts";

export { type Finding, finding, type Severity } from "./findings.ts";

export interface Contract {
  /** The image's architecture: its config's (or --arch), as its kernels' headers agree. */
  arch: Arch;
  /** The default kernel. */
  kernelVersion: string;
  kernel: Resolved;
  initramfs: Resolved;
  /** Why it is the default (--kernel, the highest version, the only one). */
  kernelReason: string;
  /** The other kernels with an initramfs, newest first (none with defaultKernelOnly). */
  otherKernels: Kernel[];
  vendor: string;
  shim: Resolved;
  mm: Resolved;
  gcd: Resolved;
  /** Where EFI files came from when not from /boot/efi (a package's version, bootupd). */
  efiNotes: string[];
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

/** Every kernel on the ISO with its initramfs: the default first. */
export function isoKernels(contract: Contract): { version: string; initramfs: Resolved }[] {
  return [
    { version: contract.kernelVersion, initramfs: contract.initramfs },
    ...contract.otherKernels,
  ];
}

export interface DiscoverOptions extends ArchOptions {
  /** The default kernel's version (else the highest). */
  kernelVersion?: string;
  /** Put only the default kernel on the ISO. */
  defaultKernelOnly?: boolean;
  /** Pick this vendor directory when the image has several. */
  vendor?: string;
  /** Build without BIOS boot (no i386-pc modules needed); implied where there is no BIOS. */
  noBios?: boolean;
}

/** os-release is a few lines. */
const MAX_OS_RELEASE = 64 * 1024;
const BIOS_DIR = "/usr/lib/grub/i386-pc";
const REINSTALL_BIOS =
  "reinstall them (Fedora: grub2-pc-modules; Debian: grub-pc-bin), or pass --no-bios";
/** What grub-mkimage and the hybrid MBR need from the BIOS modules. */
const BIOS_REQUIRED = ["boot_hybrid.img", "cdboot.img", "kernel.img", "moddep.lst"];

export async function discover(
  root: ImageRoot,
  options: DiscoverOptions = {},
): Promise<{ contract?: Contract; isoYaml?: Contract["isoYaml"]; findings: Finding[] }> {
  const f = new Findings();
  const kernels = await findKernels(
    root,
    { requested: options.kernelVersion, defaultOnly: options.defaultKernelOnly },
    f,
  );
  const onIso = kernels ? [kernels.default, ...kernels.others] : [];
  const arch = await findArch(onIso, options, f);
  // The EFI files' names depend on the architecture: without one they cannot be looked for.
  const vendor = arch ? await findVendor(root, options.vendor, arch, f) : undefined;
  const efi = vendor && arch ? await findEfiFiles(root, vendor, arch, f) : { notes: [] };
  const bios = arch !== undefined && ARCH_LAYOUTS[arch].bios && !options.noBios;
  const biosModules = bios ? await findBiosModules(root, f) : undefined;
  const isoYaml = await findIsoYaml(root, f);
  const osRelease = await findOsRelease(root, f);
  const mediaCheck = await hasMediaCheck(root);
  // iso.yaml is returned even when other pieces are missing, so `check` can judge it too.
  if (f.failed) return { isoYaml, findings: f.list };
  return {
    isoYaml,
    contract: {
      arch: arch!,
      kernelVersion: kernels!.default.version,
      kernel: kernels!.default.kernel,
      initramfs: kernels!.default.initramfs,
      kernelReason: kernels!.reason,
      otherKernels: kernels!.others,
      vendor: vendor!,
      shim: efi.shim!,
      mm: efi.mm!,
      gcd: efi.gcd!,
      efiNotes: efi.notes,
      biosModules,
      isoYaml,
      osRelease,
      mediaCheck,
    },
    findings: f.list,
  };
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
