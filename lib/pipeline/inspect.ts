/**
 * Everything cniso concludes about an image before building: the contract
 * pieces, iso.yaml, the label, the menu and the GRUB config. `check` prints it;
 * `build` stops on its errors. It reads the image and runs no tool (the
 * initramfs probe, which does, is image/initramfs.ts).
 */
import {
  type Contract,
  discover,
  type DiscoverOptions,
  type Finding,
  finding,
} from "../image/contract.ts";
import { CnisoError, InputError } from "../errors.ts";
import { erofsSupport } from "../image/erofs_support.ts";
import { renderGrubConfig } from "../iso/grub_config.ts";
import { ARCH_LAYOUTS } from "../iso/layout.ts";
import { renderLoopbackConfig } from "../iso/loopback_config.ts";
import type { ImageRoot } from "../image/image_root.ts";
import { type ParsedIsoConfig, parseIsoConfig } from "../iso/iso_config.ts";
import { defaultLabel, labelProblem } from "../iso/label.ts";
import { buildMenu, type Menu } from "../iso/menu.ts";
import { Findings } from "../image/findings.ts";
import { judgeSelinux, type SelinuxOption, type SelinuxVerdict } from "../selinux/verdict.ts";

export interface InspectOptions extends DiscoverOptions {
  allowLabelMismatch?: boolean;
  /** --accept-initramfs: build_prediction's initramfs errors become warnings. */
  acceptInitramfs?: boolean;
  noExtraEntries?: boolean;
  /** The live root's file system: EROFS is judged against the image's dracut and kernels. */
  rootfsType?: "squashfs" | "erofs";
  /** --selinux: label the live root from the image's policy (auto: when it has one). */
  selinux?: SelinuxOption;
  /** Why this host's tools cannot write labels (undefined: they can). */
  cannotLabel?: string;
  /** cniso may mount the view that adds its files to the live root (default: yes). */
  canMount?: boolean;
}

export interface Inspection {
  findings: Finding[];
  warnings: string[];
  /** Set when the image can be built. */
  ready?: {
    contract: Contract;
    label: string;
    menu: Menu;
    grubConfig: string;
    /** The menu for booting the ISO as a file (loopback_config.ts). */
    loopbackConfig: string;
    selinux: SelinuxVerdict;
  };
}

export async function inspect(
  root: ImageRoot,
  options: InspectOptions,
  signal?: AbortSignal,
): Promise<Inspection> {
  const { contract, isoYaml, findings } = await discover(root, options);
  const warnings: string[] = [];
  const fail = (item: string, where: string, e: unknown) => {
    if (!(e instanceof CnisoError)) throw e;
    findings.push(finding({ item, severity: "error", where, detail: e.message, hint: e.hint }));
  };

  // iso.yaml can be judged even when other pieces are missing.
  let parsed: ParsedIsoConfig | undefined;
  let yamlOk = !findings.some((f) => f.item === "iso.yaml" && f.severity === "error");
  if (isoYaml) {
    try {
      parsed = parseIsoConfig(isoYaml.text, isoYaml.imagePath);
      warnings.push(...parsed.warnings);
    } catch (e) {
      fail("iso.yaml", isoYaml.imagePath, e);
      yamlOk = false;
    }
  }
  if (!contract || !yamlOk) return { findings, warnings };
  if (options.rootfsType === "erofs" && !(await erofsFinding(root, contract, findings, signal))) {
    return { findings, warnings };
  }

  const label = judgeLabel(parsed, contract, findings);
  if (label === undefined) return { findings, warnings };
  const sf = new Findings();
  const selinux = await judgeSelinux(
    root,
    options.selinux ?? "auto",
    options.cannotLabel,
    sf,
    options.canMount ?? true,
  );
  findings.push(...sf.list);
  if (sf.failed) return { findings, warnings };

  try {
    const { menu, warnings: menuWarnings } = buildMenu(parsed, label, {
      allowLabelMismatch: options.allowLabelMismatch,
      noExtraEntries: options.noExtraEntries,
      generatedName: contract.osRelease?.PRETTY_NAME,
      mediaCheck: contract.mediaCheck,
      otherKernels: contract.otherKernels.map((k) => k.version),
      product: contract.osRelease?.NAME,
      version: contract.osRelease?.VERSION_ID,
      selinux: selinux.policy &&
        { enforcing: selinux.policy.mode === "enforcing", labelled: selinux.labelled },
    });
    warnings.push(...menuWarnings);
    const grubConfig = renderGrubConfig({
      menu,
      label,
      source: contract.isoYaml?.imagePath ?? "the generated default entry",
      serial: ARCH_LAYOUTS[contract.arch].comPort,
    });
    findings.push({
      item: "menu",
      severity: "ok",
      where: contract.isoYaml?.imagePath ?? "(generated)",
      detail: `${menu.entries.length} entr${menu.entries.length === 1 ? "y" : "ies"}, default "${
        menu.entries[menu.defaultIndex].name
      }", timeout ${menu.timeout}s`,
    });
    const loopbackConfig = renderLoopbackConfig(menu, label);
    return {
      findings,
      warnings,
      ready: { contract, label, menu, grubConfig, loopbackConfig, selinux },
    };
  } catch (e) {
    fail("menu", contract.isoYaml?.imagePath ?? "(generated)", e);
    return { findings, warnings };
  }
}

/** The ISO's label (iso.yaml's, else made from os-release), or undefined with an error finding. */
function judgeLabel(
  parsed: ParsedIsoConfig | undefined,
  contract: Contract,
  findings: Finding[],
): string | undefined {
  const label = parsed?.config.label ?? defaultLabel(contract.osRelease);
  const fromYaml = parsed?.config.label !== undefined;
  const problem = labelProblem(label);
  if (problem) {
    findings.push(finding({
      item: "label",
      severity: "error",
      where: fromYaml
        ? `${parsed!.where(["label"])}: label`
        : "the label made from /etc/os-release",
      detail: problem,
      hint: 'set label: "My-Live-ISO" in iso.yaml',
    }));
    return undefined;
  }
  findings.push({
    item: "label",
    severity: "ok",
    where: fromYaml ? contract.isoYaml!.imagePath : "/etc/os-release",
    detail: label,
  });
  return label;
}

/** Adds the EROFS verdict to the findings; false when EROFS cannot boot. */
async function erofsFinding(
  root: ImageRoot,
  contract: Contract,
  findings: Finding[],
  signal?: AbortSignal,
) {
  const verdict = await erofsSupport(root, contract, signal);
  const item = "EROFS live root";
  if (verdict.problem) {
    findings.push(finding({
      item,
      severity: "error",
      where: "--rootfs-type erofs",
      detail: verdict.problem,
      hint: verdict.hint,
    }));
    return false;
  }
  findings.push(
    finding({ item, severity: "ok", where: "--rootfs-type erofs", detail: verdict.detail }),
  );
  if (verdict.doubt) {
    findings.push(
      finding({ item, severity: "warning", where: "--rootfs-type erofs", detail: verdict.doubt }),
    );
  }
  return true;
}

/** The error `build` stops with: every problem in the message, the hints below. */
export function inspectionError(inspection: Inspection): InputError {
  const errors = inspection.findings.filter((f) => f.severity === "error");
  const line = (f: Finding) => f.detail.startsWith(f.where) ? f.detail : `${f.where}: ${f.detail}`;
  const hints = errors.flatMap((f) => (f.hint ? [f.hint] : []));
  if (errors.length === 1) return new InputError(line(errors[0]), hints.join("\n") || undefined);
  return new InputError(
    `the image does not follow the contract:\n${errors.map((f) => `  - ${line(f)}`).join("\n")}`,
    hints.join("\n") || undefined,
  );
}
