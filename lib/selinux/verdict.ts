/**
 * Whether the live root will carry SELinux labels, and what that means for the
 * menu: `--selinux auto` labels whenever the image has a policy and the tools
 * can write labels; `label` insists (bad input otherwise); `off` never labels.
 * An image whose policy enforces but whose live root is unlabelled would boot
 * into denials: its generated entries then add enforcing=0, and the findings
 * say why.
 */
import { Findings } from "../image/findings.ts";
import type { ImageRoot } from "../image/image_root.ts";
import { RELABEL_UNIT, RELABEL_WANTS, RESTORECON_PATHS } from "./live_relabel.ts";
import { obstacle } from "../payload/payloads.ts";
import { findPolicy, type SelinuxPolicy } from "./policy.ts";

export const SELINUX_MODES = ["auto", "label", "off"] as const;
export type SelinuxOption = typeof SELINUX_MODES[number];

export interface SelinuxVerdict {
  policy?: SelinuxPolicy;
  /** The live root is labelled from the policy. */
  labelled: boolean;
  /** The image's restorecon, for the relabel unit (labelled only). */
  restorecon?: string;
}

const ITEM = "SELinux labels";

export async function judgeSelinux(
  root: ImageRoot,
  option: SelinuxOption,
  /** Why this host's tools cannot write labels (undefined: they can). */
  cannotLabel: string | undefined,
  f: Findings,
  /** cniso may mount the view its relabel unit is added through. */
  canMount = true,
): Promise<SelinuxVerdict> {
  // With --selinux off a broken policy stops nothing: its problems are warnings.
  const pf = new Findings();
  const policy = await findPolicy(root, pf);
  for (const x of pf.list) {
    f.list.push(option === "off" && x.severity === "error" ? { ...x, severity: "warning" } : x);
  }
  const where = `--selinux ${option}`;
  if (!policy) {
    if (option === "label") {
      f.bad(
        ITEM,
        where,
        "the image has no SELinux policy to label the live root from",
        "install the policy in the image (/etc/selinux/config names it), or use --selinux auto",
      );
    }
    return { labelled: false };
  }
  const unlabelled = (why: string, hint?: string, severity: "warn" | "bad" = "warn") => {
    const effect = policy.mode === "enforcing"
      ? "; the generated entries boot with enforcing=0"
      : "";
    f[severity](ITEM, where, `the live root will not be labelled: ${why}${effect}`, hint);
    return { policy, labelled: false };
  };
  if (option === "off") return unlabelled("--selinux off");
  if (cannotLabel) {
    return unlabelled(
      cannotLabel,
      "run cniso from its builder image, or install squashfs-tools 4.6 or newer",
      option === "label" ? "bad" : "warn",
    );
  }
  f.ok(ITEM, where, `the live root will be labelled from the ${policy.type} policy`);
  return { policy, labelled: true, restorecon: await relabelUnit(root, canMount, f) };
}

/**
 * The image's restorecon for cniso's relabel unit (live_relabel.ts), or
 * undefined, with a warning, when the unit cannot be added: no restorecon,
 * no mount rights for the view, or the image's own files where it goes.
 */
async function relabelUnit(
  root: ImageRoot,
  canMount: boolean,
  f: Findings,
): Promise<string | undefined> {
  const without = "the live overlay's top directory keeps the label of the tmpfs below it";
  let restorecon: string | undefined;
  for (const p of RESTORECON_PATHS) {
    if (await root.file(p)) {
      restorecon = p;
      break;
    }
  }
  if (!restorecon) {
    f.warn(
      ITEM,
      RESTORECON_PATHS[0],
      `the image has no restorecon: ${without}, and an enforcing boot logs denials`,
      "install policycoreutils in the image",
    );
    return undefined;
  }
  if (!canMount) {
    f.warn(
      ITEM,
      RELABEL_UNIT,
      `cniso's relabel unit cannot be added without mount rights: ${without}, and an enforcing boot logs denials`,
      "build as root with mount rights (the builder image: --privileged)",
    );
    return undefined;
  }
  for (const p of [RELABEL_UNIT, RELABEL_WANTS]) {
    const problem = await obstacle(root.root, p);
    if (problem) {
      f.warn(
        ITEM,
        p,
        `cniso's relabel unit cannot be added (${problem}): ${without}`,
        "leave that path free in the image",
      );
      return undefined;
    }
  }
  return restorecon;
}
