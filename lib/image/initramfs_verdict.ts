/**
 * Whether an initramfs can boot the live ISO, judged from its listing: dracut's
 * dmsquash-live (which finds and mounts the live root), the drivers that
 * mount it (each in the initramfs or built into the kernel), iso-scan (for an
 * ISO booted as a file), and whether dracut built it host-only (then it holds
 * only the drivers the build machine had loaded: in a container build, the
 * build host's). Pure.
 */
import type { Finding } from "./findings.ts";
import { finding } from "./findings.ts";
import type { CpioListing } from "./cpio_reader.ts";
import { shellQuote } from "../terminal.ts";

export interface InitramfsSubject {
  kernelVersion: string;
  /** Where the initramfs is in the image. */
  imagePath: string;
  /** The kernel's modules.builtin ("" when the image has none). */
  builtin: string;
  rootfsType: "squashfs" | "erofs";
  /** The image's dracut configuration's hostonly=, when the initramfs records no arguments. */
  config?: { hostonly: boolean; file: string };
}

/** Drivers the live boot needs: without the first group the live root cannot be mounted. */
const ROOT_DRIVERS = {
  squashfs: ["loop", "isofs", "overlay"],
  erofs: ["loop", "isofs", "overlay"],
} as const;
/** Drivers for one medium each: without them that medium does not boot. */
const MEDIUM_DRIVERS = [
  { drivers: ["sr_mod", "cdrom"], medium: "a CD/DVD" },
  { drivers: ["usb_storage", "sd_mod"], medium: "a USB stick" },
];

/** The dracut command that makes a live initramfs for this kernel, as the recipes run it. */
export function dracutCommand(s: InitramfsSubject): string {
  return `dracut --force --no-hostonly --add "dmsquash-live" --kver ${
    shellQuote(s.kernelVersion)
  } ${shellQuote(s.imagePath)}`;
}

/**
 * Kernel modules (by name, "-" read as "_") in the initramfs's module tree for `kernelVersion`;
 * when it has no tree of that name (a kernel directory renamed), in any tree it has.
 */
export function modulesIn(names: Iterable<string>, kernelVersion: string): Set<string> {
  const byVersion = new Map<string, Set<string>>();
  for (const n of names) {
    const m = /^(?:usr\/)?lib\/modules\/([^/]+)\/.*\/([^/]+)\.ko(?:\.(?:xz|zst|gz))?$/.exec(n);
    if (!m) continue;
    if (!byVersion.has(m[1])) byVersion.set(m[1], new Set());
    byVersion.get(m[1])!.add(m[2].replaceAll("-", "_"));
  }
  return byVersion.get(kernelVersion) ?? new Set([...byVersion.values()].flatMap((s) => [...s]));
}

/** Modules built into the kernel, from modules.builtin ("kernel/fs/isofs/isofs.ko"). */
export function builtinModules(text: string): Set<string> {
  const found = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /([^/]+)\.ko$/.exec(line.trim());
    if (m) found.add(m[1].replaceAll("-", "_"));
  }
  return found;
}

/**
 * Whether dracut built it host-only: its recorded arguments (the last of -H/--hostonly and
 * -N/--no-hostonly wins), its strict-mode module list, or failing both the image's dracut
 * configuration (`config`: the hostonly= that dracut would read, and where).
 */
export function hostOnly(
  listing: CpioListing,
  config?: { hostonly: boolean; file: string },
): string | undefined {
  const text = (name: string) => {
    const bytes = listing.files.get(`usr/lib/dracut/${name}`) ??
      listing.files.get(`lib/dracut/${name}`);
    return bytes ? new TextDecoder().decode(bytes) : undefined;
  };
  const params = text("build-parameter.txt") ?? "";
  const flags = [...params.matchAll(/(?:^|\s|')(-H|--hostonly|-N|--no-hostonly)(?=$|\s|')/g)];
  const last = flags.at(-1)?.[1];
  if (last === "-N" || last === "--no-hostonly") return undefined;
  if (last) return `dracut was run with ${last}`;
  if (text("hostonly-kernel-modules.txt") !== undefined) {
    return "dracut recorded a strict host-only module list";
  }
  return config?.hostonly ? `the image's ${config.file} sets hostonly=yes` : undefined;
}

/** The hostonly= dracut reads last from configuration files, given in dracut's order. */
export function configHostonly(
  files: { path: string; text: string }[],
): { hostonly: boolean; file: string } | undefined {
  let found: { hostonly: boolean; file: string } | undefined;
  for (const f of files) {
    // hostonly="yes" means yes; "no" or empty means no.
    for (const m of f.text.matchAll(/^\s*hostonly\s*=\s*["']?(yes|no|)["']?\s*(?:#.*)?$/gm)) {
      found = { hostonly: m[1] === "yes", file: f.path };
    }
  }
  return found;
}

function dracutModules(listing: CpioListing): Set<string> | undefined {
  const bytes = listing.files.get("usr/lib/dracut/modules.txt") ??
    listing.files.get("lib/dracut/modules.txt");
  if (!bytes) return undefined;
  return new Set(new TextDecoder().decode(bytes).split("\n").map((l) => l.trim()).filter(Boolean));
}

/** The findings for one initramfs: errors mean the live root cannot be found or mounted. */
export function judgeInitramfs(listing: CpioListing, s: InitramfsSubject): Finding[] {
  const item = "live boot";
  const where = s.imagePath;
  const fix = `rebuild it in the image: ${dracutCommand(s)}`;
  const out: Finding[] = [];
  const modules = dracutModules(listing);
  const hasLive = modules?.has("dmsquash-live") ??
    [...listing.names].some((n) => /(^|\/)dmsquash-live-root(\.sh)?$/.test(n));
  if (!hasLive) {
    out.push(finding({
      item,
      severity: "error",
      where,
      detail: "has no dracut dmsquash-live module: the ISO will not find its live root",
      hint: `${fix} (Fedora: dnf install dracut-live first)`,
    }));
  }
  const host = hostOnly(listing, s.config);
  const kernelModules = modulesIn(listing.names, s.kernelVersion);
  const builtin = builtinModules(s.builtin);
  const absent = (d: string) => !kernelModules.has(d) && !builtin.has(d);
  const rootDrivers = [s.rootfsType, ...ROOT_DRIVERS[s.rootfsType]].filter(absent);
  if (rootDrivers.length) {
    out.push(finding({
      item,
      severity: "error",
      where,
      detail:
        `cannot mount the live root: no ${rootDrivers.join(", ")} driver (neither in it nor ` +
        `built into the kernel)${host ? `; it was built host-only (${host})` : ""}`,
      hint: fix,
    }));
  }
  for (const { drivers, medium } of MEDIUM_DRIVERS) {
    const missing = drivers.filter(absent);
    if (missing.length) {
      out.push(finding({
        item,
        severity: "warning",
        where,
        detail: `no ${missing.join(", ")} driver: booting from ${medium} will not find the medium`,
        hint: fix,
      }));
    }
  }
  if (host) {
    out.push(finding({
      item,
      severity: "warning",
      where,
      detail: `built host-only (${host}): it holds only the drivers the machine that built it ` +
        `had loaded, so other machines may not boot`,
      hint: fix,
    }));
  }
  if (hasLive && !listing.names.has("sbin/iso-scan") && !listing.names.has("usr/sbin/iso-scan")) {
    out.push(finding({
      item,
      severity: "warning",
      where,
      detail: "has no iso-scan: the ISO will not boot as a file on a multiboot stick (GRUB " +
        "loopback, Ventoy)",
      hint: fix,
    }));
  }
  if (out.every((f) => f.severity !== "error")) {
    const what = [
      "dmsquash-live",
      `${s.rootfsType}, loop, isofs and overlay drivers`,
      host ? "host-only" : "generic (not host-only)",
    ];
    out.unshift(finding({ item, severity: "ok", where, detail: what.join("; ") }));
  }
  return out;
}
