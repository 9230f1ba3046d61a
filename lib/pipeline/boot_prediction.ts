/**
 * Whether each boot path of the ISO can work, judged before anything heavy
 * runs: every initramfs on the ISO (live modules, drivers, host-only), the
 * Secure Boot chain (shim's Microsoft CA, GRUB and the kernels under shim's
 * certificate), and the medium's size. `check` prints it; `build` stops on
 * its errors (exit 2) unless told --accept-initramfs, and warns of the rest.
 */
import { type Contract, type Finding, isoKernels } from "../image/contract.ts";
import { finding } from "../image/findings.ts";
import type { ImageRoot } from "../image/image_root.ts";
import { listInitramfs } from "../image/initramfs_listing.ts";
import { configHostonly, judgeInitramfs } from "../image/initramfs_verdict.ts";
import { MODULES_DIR } from "../image/kernels.ts";
import { shellQuote } from "../terminal.ts";
import { judgeSecureBoot } from "../secure_boot/chain_verdict.ts";
import type { SbTools } from "../secure_boot/authenticode.ts";
import { findTool } from "../tools.ts";
import { makeTempDir } from "../temp_dir.ts";

/** The Secure Boot chain's bound: a few seconds for real binaries. */
const SB_SECS = 30;
/** modules.builtin is a few hundred KiB. */
const MAX_BUILTIN = 4 * 1024 * 1024;

export interface PredictOptions {
  rootfsType: "squashfs" | "erofs";
  /** --accept-initramfs: an initramfs's errors become warnings. */
  acceptInitramfs?: boolean;
}

export async function predictBoot(
  root: ImageRoot,
  contract: Contract,
  options: PredictOptions,
  signal?: AbortSignal,
): Promise<Finding[]> {
  const found = [
    ...await initramfsFindings(root, contract, options, signal),
    ...await secureBootFindings(contract, signal),
  ];
  return options.acceptInitramfs
    ? found.map((f) =>
      f.severity === "error" && f.item === "live boot"
        ? { ...f, severity: "warning", detail: `${f.detail} (--accept-initramfs)` }
        : f
    )
    : found;
}

async function initramfsFindings(
  root: ImageRoot,
  contract: Contract,
  options: PredictOptions,
  signal?: AbortSignal,
): Promise<Finding[]> {
  const kernels = isoKernels(contract);
  const out: Finding[] = [];
  const config = configHostonly(await dracutConfig(root));
  for (const k of kernels) {
    const listing = await listInitramfs(k.initramfs.hostPath, signal);
    const where = k.initramfs.imagePath;
    if ("unreadable" in listing) {
      out.push(finding({
        item: "live boot",
        severity: "warning",
        where,
        detail: `could not look inside: ${listing.unreadable}`,
        hint: `make sure it has dmsquash-live: lsinitrd ${shellQuote(where)} | grep dmsquash-live`,
      }));
      continue;
    }
    const builtin = await root.readText(
      `${MODULES_DIR}/${k.version}/modules.builtin`,
      MAX_BUILTIN,
    );
    out.push(...judgeInitramfs(listing, {
      kernelVersion: k.version,
      imagePath: where,
      builtin: builtin?.text ?? "",
      rootfsType: options.rootfsType,
      config,
    }));
  }
  return out;
}

/** dracut's configuration files in the order it reads them: dracut.conf, then conf.d by name (/etc wins). */
async function dracutConfig(root: ImageRoot): Promise<{ path: string; text: string }[]> {
  const dirs = ["/usr/lib/dracut/dracut.conf.d", "/etc/dracut.conf.d"];
  const byName = new Map<string, string>();
  for (const dir of dirs) {
    for (const name of await root.list(dir, 1000)) {
      if (name.endsWith(".conf")) byName.set(name, `${dir}/${name}`);
    }
  }
  const paths = ["/etc/dracut.conf", ...[...byName.keys()].sort().map((n) => byName.get(n)!)];
  const out = [];
  for (const p of paths) {
    const found = await root.readText(p, 64 * 1024);
    if (found) out.push({ path: p, text: found.text });
  }
  return out;
}

async function secureBootFindings(contract: Contract, signal?: AbortSignal) {
  const [sbverify, sbattach, openssl] = await Promise.all(
    (["sbverify", "sbattach", "openssl"] as const).map(findTool),
  );
  const tools: SbTools | undefined = sbverify && sbattach && openssl
    ? { sbverify, sbattach, openssl }
    : undefined;
  const work = await makeTempDir("cniso-sb-");
  // A binary with thousands of signatures must not hold the build: one bound for the chain.
  const bounded = AbortSignal.any([
    AbortSignal.timeout(SB_SECS * 1000),
    ...(signal ? [signal] : []),
  ]);
  try {
    return await judgeSecureBoot(contract, tools, work, bounded);
  } catch (e) {
    if (signal?.aborted || !bounded.aborted) throw e;
    return [finding({
      item: "Secure Boot",
      severity: "warning",
      where: contract.shim.imagePath,
      detail: `not checked: checking the signatures took over ${SB_SECS} s`,
    })];
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/** An OS tree compresses to about half with mksquashfs's zstd (bench/ measures 40 to 50 %). */
const TYPICAL_RATIO = 0.5;

/**
 * The medium: what fits where. After a build, from the ISO's size; before, estimated from the
 * live root's size before compression (`treeBytes`) at a typical ratio.
 */
export function judgeMedium(bytes: number, estimate: boolean): Finding {
  const DVD = 4_700_000_000;
  const FAT32_MAX = 4 * 1024 ** 3 - 1;
  const gib = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GiB`;
  const iso = estimate ? bytes * TYPICAL_RATIO : bytes;
  const size = estimate
    ? `about ${gib(iso)} (estimated: the live root is ${gib(bytes)} before compression)`
    : gib(bytes);
  const where = estimate ? "the live root" : "the ISO";
  if (iso > FAT32_MAX) {
    const likely = estimate ? "likely " : "";
    return finding({
      item: "medium",
      severity: "warning",
      where,
      detail: `${size}: ${likely}over 4 GiB, so a FAT32 stick (copy-style writers, Ventoy on ` +
        `FAT32) cannot hold the ISO file${iso > DVD ? `, and it ${likely}does not fit a DVD` : ""}`,
      hint: "write it raw (dd, Fedora Media Writer), or use a stick formatted exFAT or ext4",
    });
  }
  return finding({
    item: "medium",
    severity: "ok",
    where,
    detail: `${size}: fits a DVD and a FAT32 stick`,
  });
}
