/**
 * What a labelled live root still needs at boot. dracut's dmsquash-live makes
 * the root an overlay whose upper and work directories (/run/overlayfs,
 * /run/ovlwork) are on the initramfs's tmpfs, created before systemd loads the
 * policy; the overlay's own top directory takes the upper directory's label
 * (tmpfs_t) and keeps it, whatever the squashfs says, and every service that
 * looks at / is then denied. systemd relabels /run when it loads the policy,
 * but not the overlay's inodes that were set up before. This unit, written
 * into the live root by cniso only (an installed system never sees it),
 * relabels those few paths with the image's own restorecon before anything
 * else starts.
 */
import type { SkelFile } from "../payload/live_store.ts";

export const RELABEL_UNIT = "/usr/lib/systemd/system/cniso-live-relabel.service";
export const RELABEL_WANTS =
  "/usr/lib/systemd/system/sysinit.target.wants/cniso-live-relabel.service";

/** The overlay's paths whose labels were set before the policy was loaded. */
export const RELABEL_PATHS = ["/", "/run/overlayfs", "/run/ovlwork"];

/** The paths an image may keep restorecon at (policycoreutils), in order. */
export const RESTORECON_PATHS = ["/usr/sbin/restorecon", "/sbin/restorecon"];

function unit(restorecon: string): string {
  return `# Written by cniso into the live root only (lib/selinux/live_relabel.ts).
# The live root's overlay was set up before the SELinux policy was loaded: its
# top directory carries the label of the tmpfs below it. Relabel it (and the
# overlay's own directories) from the policy before anything else starts.
[Unit]
Description=SELinux labels of the live root's overlay
DefaultDependencies=no
ConditionSecurity=selinux
ConditionPathIsMountPoint=/run/rootfsbase
Before=sysinit.target local-fs-pre.target systemd-tmpfiles-setup.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=-${restorecon} -F ${RELABEL_PATHS.join(" ")}
`;
}

/** The unit and its enablement, as files of the live root. */
export function relabelFiles(restorecon: string): {
  files: SkelFile[];
  links: { path: string; target: string }[];
} {
  return {
    files: [{ path: RELABEL_UNIT, content: unit(restorecon), mode: 0o644 }],
    links: [{ path: RELABEL_WANTS, target: "../cniso-live-relabel.service" }],
  };
}
