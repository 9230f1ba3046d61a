/**
 * The executables cniso runs, and the packages that provide them, so that a
 * missing one is reported with the install command instead of "not found".
 */
import { ToolError } from "./errors.ts";

export interface ToolInfo {
  /** Names to look for on PATH, in order (Fedora and Debian name GRUB's tools differently). */
  names: string[];
  debian: string;
  fedora: string;
}

export const TOOLS = {
  podman: { names: ["podman"], debian: "podman", fedora: "podman" },
  mksquashfs: { names: ["mksquashfs"], debian: "squashfs-tools", fedora: "squashfs-tools" },
  "mkfs.erofs": { names: ["mkfs.erofs"], debian: "erofs-utils", fedora: "erofs-utils" },
  xorriso: { names: ["xorriso"], debian: "xorriso", fedora: "xorriso" },
  skopeo: { names: ["skopeo"], debian: "skopeo", fedora: "skopeo" },
  unshare: { names: ["unshare"], debian: "util-linux", fedora: "util-linux-core" },
  // SELinux labels: the paths of the live root, and the policy's label for each.
  find: { names: ["find"], debian: "findutils", fedora: "findutils" },
  xargs: { names: ["xargs"], debian: "findutils", fedora: "findutils" },
  // Below host root: whether each entry can be read (tree_access.ts).
  sh: { names: ["sh"], debian: "dash", fedora: "bash" },
  matchpathcon: { names: ["matchpathcon"], debian: "selinux-utils", fedora: "libselinux-utils" },
  // Optional: the Secure Boot chain's prediction (secure_boot/).
  sbverify: { names: ["sbverify"], debian: "sbsigntool", fedora: "sbsigntools" },
  sbattach: { names: ["sbattach"], debian: "sbsigntool", fedora: "sbsigntools" },
  openssl: { names: ["openssl"], debian: "openssl", fedora: "openssl" },
  // Optional: a terminal for mksquashfs's progress bar (executor.ts).
  script: { names: ["script"], debian: "bsdutils", fedora: "util-linux" },
  // A plain user's build: podman unshare in a session of its own (user_namespace_run.ts).
  setsid: { names: ["setsid"], debian: "util-linux", fedora: "util-linux-core" },
  "grub-mkimage": {
    names: ["grub2-mkimage", "grub-mkimage"],
    debian: "grub-common",
    fedora: "grub2-tools",
  },
  "mkfs.fat": { names: ["mkfs.fat", "mkfs.vfat"], debian: "dosfstools", fedora: "dosfstools" },
  mmd: { names: ["mmd"], debian: "mtools", fedora: "mtools" },
  mcopy: { names: ["mcopy"], debian: "mtools", fedora: "mtools" },
  implantisomd5: { names: ["implantisomd5"], debian: "isomd5sum", fedora: "isomd5sum" },
  // boot-test --media file: a multiboot stick of the test's own (multiboot_stick.ts).
  "grub-mkrescue": {
    names: ["grub2-mkrescue", "grub-mkrescue"],
    debian: "grub-common grub-pc-bin grub-efi-amd64-bin",
    fedora: "grub2-tools-extra",
  },
  sfdisk: { names: ["sfdisk"], debian: "fdisk", fedora: "util-linux" },
  "mkfs.ext4": { names: ["mkfs.ext4"], debian: "e2fsprogs", fedora: "e2fsprogs" },
  "qemu-system-x86_64": {
    names: ["qemu-system-x86_64"],
    debian: "qemu-system-x86",
    fedora: "qemu-system-x86-core",
  },
  // boot-test of an aarch64 ISO (the emulator follows the ISO's architecture).
  "qemu-system-aarch64": {
    names: ["qemu-system-aarch64"],
    debian: "qemu-system-arm",
    fedora: "qemu-system-aarch64-core",
  },
} satisfies Record<string, ToolInfo>;

export type ToolName = keyof typeof TOOLS;

/** The absolute path of a tool, or undefined when none of its names is on PATH. */
export async function findTool(tool: ToolName): Promise<string | undefined> {
  for (const name of TOOLS[tool].names) {
    const found = await which(name);
    if (found) return found;
  }
  return undefined;
}

/**
 * Looks a command up on PATH as a shell does: a directory that cannot be read
 * (such as /root/.cargo/bin after sudo -E) is passed over, not an error.
 * Relative entries are passed over too: cniso runs as root, and the current
 * directory is not a place to take its tools from.
 */
export async function which(name: string): Promise<string | undefined> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir.startsWith("/")) continue;
    const candidate = `${dir.replace(/\/+$/, "")}/${name}`;
    try {
      const info = await Deno.stat(candidate);
      if (info.isFile && (info.mode ?? 0) & 0o111) return candidate;
    } catch {
      // Absent, or a directory this user cannot read: on to the next.
    }
  }
  return undefined;
}

/** Finds every tool in `tools` or throws one error naming all that are missing and their packages. */
export async function requireTools(tools: ToolName[]): Promise<Map<ToolName, string>> {
  const found = new Map<ToolName, string>();
  const missing: ToolName[] = [];
  for (const tool of new Set(tools)) {
    const path = await findTool(tool);
    if (path) found.set(tool, path);
    else missing.push(tool);
  }
  if (missing.length > 0) {
    const debian = [...new Set(missing.map((t) => TOOLS[t].debian))].join(" ");
    const fedora = [...new Set(missing.map((t) => TOOLS[t].fedora))].join(" ");
    throw new ToolError(
      `missing executable${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}`,
      `install ${
        missing.length > 1 ? "them" : "it"
      }: apt-get install ${debian}   (Fedora: dnf install ${fedora})\nor run cniso from its builder image, which has every tool (see docs/builder-image.md)`,
    );
  }
  return found;
}

/** The tools `cniso build` runs (with the live root's filesystem tool first). */
export function buildTools(
  rootfsType: "squashfs" | "erofs",
  payload = false,
  labels = false,
): ToolName[] {
  return [
    rootfsType === "erofs" ? "mkfs.erofs" : "mksquashfs",
    ...BOOT_TOOLS,
    ...(payload || labels ? VIEW_TOOLS : []),
    ...(labels && rootfsType === "squashfs" ? LABEL_TOOLS : []),
  ];
}

/** What labelling a squashfs takes (mkfs.erofs looks the labels up itself). */
const LABEL_TOOLS: ToolName[] = ["find", "xargs", "matchpathcon"];

/**
 * What a live root with files of cniso's own takes (payloads, SELinux's relabel
 * unit): unshare keeps the view's mounts private.
 * (skopeo is looked up only when the host's store cannot be read in place.)
 */
const VIEW_TOOLS: ToolName[] = ["unshare"];

/** The tools that make the boot images and the ISO, whatever the live root's file system. */
const BOOT_TOOLS: ToolName[] = [
  "xorriso",
  "grub-mkimage",
  "mkfs.fat",
  "mmd",
  "mcopy",
  "implantisomd5",
];

/** The tools `cniso build` runs for a squashfs live root. */
export const BUILD_TOOLS: ToolName[] = buildTools("squashfs");
