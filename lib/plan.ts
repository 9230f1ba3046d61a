/**
 * The build as data: which files go where on the ISO and in the EFI boot image,
 * and which tools run with which arguments. Pure: it only describes. The
 * executor (executor.ts) carries a plan out; `--dry-run` prints it.
 */
import * as path from "node:path";
import type { Contract } from "./contract.ts";
import { InputError } from "./errors.ts";
import type { ToolName } from "./tools.ts";

/** Where GRUB's BIOS files go on the ISO; eltorito.img's prefix points here. */
export const BIOS_PREFIX = "/boot/grub2";
/** Modules built into eltorito.img; the rest load from BIOS_PREFIX/i386-pc at boot. */
export const ELTORITO_MODULES = [
  "biosdisk",
  "iso9660",
  "part_gpt",
  "part_msdos",
  "normal",
  "configfile",
  "search",
  "search_label",
  "serial",
  "terminal",
];
const EFI_PART_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
const MBR_PART_TYPE = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";

export interface Compression {
  algorithm: "zstd" | "gzip" | "xz" | "lz4";
  level?: number;
}

const LEVELS = { zstd: [1, 22], gzip: [1, 9], xz: undefined, lz4: undefined } as const;

/** Parses `zstd`, `zstd:15`, `gzip:9`, `xz`, `lz4`. The default, zstd:3, is fast and small. */
export function parseCompression(text: string): Compression {
  const m = /^(zstd|gzip|xz|lz4)(?::(\d+))?$/.exec(text);
  const hint = "use zstd, zstd:LEVEL (1-22), gzip, gzip:LEVEL (1-9), xz or lz4";
  if (!m) throw new InputError(`--compression ${text}: unknown compression`, hint);
  const algorithm = m[1] as Compression["algorithm"];
  const range = LEVELS[algorithm];
  if (m[2] === undefined) return algorithm === "zstd" ? { algorithm, level: 3 } : { algorithm };
  const level = Number(m[2]);
  if (!range || level < range[0] || level > range[1]) {
    throw new InputError(`--compression ${text}: ${algorithm} takes no level ${level}`, hint);
  }
  return { algorithm, level };
}

export function mksquashfsCompressionArgs(c: Compression): string[] {
  const args = ["-comp", c.algorithm];
  if (c.level !== undefined) {
    args.push("-Xcompression-level", `${c.level}`);
  }
  return args;
}

/** A file placed on the ISO (or in the EFI image): its path there and where it comes from. */
export interface Placement {
  target: string;
  source: string;
}

export interface Step {
  /** What the step does, for progress and the dry-run listing. */
  title: string;
  tool: ToolName;
  args: string[];
  env?: Record<string, string>;
}

export interface Plan {
  image: string;
  label: string;
  /** The final ISO path. */
  output: string;
  /** Scratch directory beside the output; removed at the end. */
  workDir: string;
  /** The ISO as written before it is renamed to `output`. */
  tempIso: string;
  /** Generated files written into workDir before any tool runs. */
  writes: { path: string; content: string }[];
  /** Files copied out of the image into workDir (small ones only: the BIOS modules). */
  copies: Placement[];
  /** The files of the ISO tree (the squashfs, kernel, initrd, boot files). */
  iso: Placement[];
  /** The files of the EFI system partition image. */
  esp: Placement[];
  steps: Step[];
}

export interface PlanInput {
  image: string;
  /** The image's root directory on the host (the mount point, or --rootfs). */
  rootDir: string;
  contract: Contract;
  label: string;
  grubConfig: string;
  output: string;
  workDir: string;
  compression: Compression;
}

export function makePlan(input: PlanInput): Plan {
  const { contract, workDir, label } = input;
  const work = (name: string) => path.join(workDir, name);
  const bios = contract.biosModules !== undefined;
  const grubCfg = work("grub.cfg");
  const squashfs = work("squashfs.img");
  const eltorito = work("eltorito.img");
  const efiboot = work("efiboot.img");
  const biosDir = work("i386-pc");
  const tempIso = work("cniso.iso");

  const esp: Placement[] = [
    { target: "/EFI/BOOT/BOOTX64.EFI", source: contract.shim.hostPath },
    { target: "/EFI/BOOT/mmx64.efi", source: contract.mm.hostPath },
    { target: "/EFI/BOOT/grubx64.efi", source: contract.gcd.hostPath },
    { target: "/EFI/BOOT/grub.cfg", source: grubCfg },
  ];
  const copies: Placement[] = (contract.biosModules ?? []).map((f) => ({
    source: f.hostPath,
    target: path.join(biosDir, path.basename(f.imagePath)),
  }));
  const iso: Placement[] = [
    { target: "/LiveOS/squashfs.img", source: squashfs },
    { target: "/images/pxeboot/vmlinuz", source: contract.kernel.hostPath },
    { target: "/images/pxeboot/initrd.img", source: contract.initramfs.hostPath },
    { target: "/images/efiboot.img", source: efiboot },
    ...esp,
    // Distributions' GRUBs look for their config in different places; give them all one file.
    { target: `${BIOS_PREFIX}/grub.cfg`, source: grubCfg },
    { target: "/boot/grub/grub.cfg", source: grubCfg },
  ];
  if (bios) {
    iso.push(
      { target: "/images/eltorito.img", source: eltorito },
      { target: `${BIOS_PREFIX}/i386-pc`, source: biosDir },
    );
  }

  // FAT needs room for its tables and cluster slack: 1 MiB over the files is plenty.
  const espBytes = contract.shim.size + contract.mm.size + contract.gcd.size +
    new TextEncoder().encode(input.grubConfig).length;
  const espKiB = Math.ceil(espBytes / 1024) + 1024;

  const steps: Step[] = [
    {
      title: "squashfs of the image",
      tool: "mksquashfs",
      args: [
        input.rootDir,
        squashfs,
        "-noappend",
        "-no-progress",
        "-quiet",
        ...mksquashfsCompressionArgs(input.compression),
      ],
    },
  ];
  if (bios) {
    steps.push({
      title: "BIOS El Torito image",
      tool: "grub-mkimage",
      args: [
        "-O",
        "i386-pc-eltorito",
        "-d",
        biosDir,
        "-p",
        BIOS_PREFIX,
        "-o",
        eltorito,
        ...ELTORITO_MODULES,
      ],
    });
  }
  const mtoolsEnv = { MTOOLS_SKIP_CHECK: "1" };
  steps.push(
    {
      title: "EFI boot image",
      tool: "mkfs.fat",
      args: ["-C", "-n", "EFIBOOT", efiboot, `${espKiB}`],
    },
    {
      title: "EFI boot image: folders",
      tool: "mmd",
      args: ["-i", efiboot, "::/EFI", "::/EFI/BOOT"],
      env: mtoolsEnv,
    },
    ...esp.map((p): Step => ({
      title: `EFI boot image: ${p.target}`,
      tool: "mcopy",
      args: ["-i", efiboot, p.source, `::${p.target}`],
      env: mtoolsEnv,
    })),
  );
  const xorrisoArgs = ["-as", "mkisofs", "-o", tempIso, "-R", "-J", "-V", label];
  // Level 3 lets a squashfs of 4 GiB or more be stored; smaller files are laid out as at level 2.
  xorrisoArgs.push("-iso-level", "3");
  if (bios) {
    xorrisoArgs.push("--grub2-mbr", path.join(biosDir, "boot_hybrid.img"));
  }
  xorrisoArgs.push(
    "-partition_offset",
    "16",
    "-appended_part_as_gpt",
    "-append_partition",
    "2",
    EFI_PART_TYPE,
    efiboot,
    "-iso_mbr_part_type",
    MBR_PART_TYPE,
    "-c",
    "boot.cat",
    "--boot-catalog-hide",
  );
  if (bios) {
    xorrisoArgs.push(
      "-b",
      "images/eltorito.img",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-boot-info-table",
      "--grub2-boot-info",
      "-eltorito-alt-boot",
    );
  }
  xorrisoArgs.push(
    "-e",
    "--interval:appended_partition_2:all::",
    "-no-emul-boot",
    "-graft-points",
    ...iso.map((p) => `${graftEscape(p.target)}=${graftEscape(p.source)}`),
  );
  steps.push(
    { title: "hybrid ISO", tool: "xorriso", args: xorrisoArgs },
    { title: "implant MD5", tool: "implantisomd5", args: [tempIso] },
  );

  return {
    image: input.image,
    label,
    output: input.output,
    workDir,
    tempIso,
    writes: [{ path: grubCfg, content: input.grubConfig }],
    copies,
    iso,
    esp,
    steps,
  };
}

/** In mkisofs graft points `=` separates the two paths; a literal one (or `\`) is escaped. */
function graftEscape(p: string): string {
  return p.replace(/[\\=]/g, (c) => `\\${c}`);
}

/** The plan as text, for `--dry-run`. */
export function formatPlan(plan: Plan, tools?: Map<ToolName, string>): string {
  const out = [
    `image:  ${plan.image}`,
    `label:  ${plan.label}`,
    `output: ${plan.output}`,
    `work:   ${plan.workDir}`,
    "",
    "files written:",
    ...plan.writes.map((w) => `  ${w.path}`),
    "files copied from the image (BIOS modules):",
    `  ${plan.copies.length} files into ${
      plan.copies[0] ? path.dirname(plan.copies[0].target) : "(none: --no-bios)"
    }`,
    "ISO tree:",
    ...plan.iso.map((p) => `  ${p.target.padEnd(28)} <- ${p.source}`),
    "EFI boot image (images/efiboot.img):",
    ...plan.esp.map((p) => `  ${p.target.padEnd(28)} <- ${p.source}`),
    "steps:",
  ];
  plan.steps.forEach((s, i) => {
    const exe = tools?.get(s.tool) ?? s.tool;
    out.push(`  ${i + 1}. ${s.title}`, `     ${[exe, ...s.args].map(shellQuote).join(" ")}`);
  });
  out.push(`  ${plan.steps.length + 1}. rename ${plan.tempIso} -> ${plan.output}`);
  return out.join("\n");
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\/.,:=+@%-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
