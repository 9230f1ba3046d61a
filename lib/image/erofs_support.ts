/**
 * Whether an EROFS live root can boot with this image: its dracut must mount
 * the live image by type (dracut-ng does; dracut 059 and older mount it with
 * `-t squashfs`), and each kernel on the ISO must have the EROFS driver,
 * built in or as a module in its initramfs. Read from the image, bounded.
 */
import { type Contract, isoKernels } from "./contract.ts";
import type { ImageRoot } from "./image_root.ts";
import { initramfsContains } from "./initramfs.ts";
import { MODULES_DIR } from "./kernels.ts";

const DRACUT_MODULES = "/usr/lib/dracut/modules.d";
const MAX_SCRIPT = 512 * 1024;
const MAX_BUILTIN = 4 * 1024 * 1024;
const HINT_DRACUT =
  "use --rootfs-type squashfs, or build the image on a base with dracut-ng (Debian 13, Fedora 41 or newer)";

export interface ErofsVerdict {
  /** Why EROFS cannot boot; undefined when it can. */
  problem?: string;
  hint?: string;
  /** What was found, for check's table (or a doubt, when a probe could not tell). */
  detail: string;
  doubt?: string;
}

export async function erofsSupport(
  root: ImageRoot,
  contract: Contract,
  signal?: AbortSignal,
): Promise<ErofsVerdict> {
  const script = await liveRootScript(root);
  if (!script) {
    return {
      problem: `the image has no dracut dmsquash-live module (${DRACUT_MODULES}/*dmsquash-live/)`,
      hint: HINT_DRACUT,
      detail: "",
    };
  }
  if (!script.text.includes("erofs")) {
    return {
      problem:
        `${script.path} mounts the live image as squashfs only (it never names erofs, as in dracut 059 and older)`,
      hint: HINT_DRACUT,
      detail: "",
    };
  }
  const kernels = isoKernels(contract);
  const doubts: string[] = [];
  for (const k of kernels) {
    const driver = await erofsDriver(root, k.version);
    if (driver === "none") {
      return {
        problem: `kernel ${k.version} has no EROFS driver (not built in, no erofs.ko)`,
        hint: "use --rootfs-type squashfs, or a kernel built with CONFIG_EROFS_FS",
        detail: "",
      };
    }
    if (driver === "builtin") continue;
    const found = await initramfsContains(k.initramfs.hostPath, "erofs.ko", signal);
    if (found === false) {
      return {
        problem:
          `${k.initramfs.imagePath} has no erofs module, so it cannot mount an EROFS live root`,
        hint:
          `rebuild it with the image's dracut-ng, or add the driver: dracut --add-drivers erofs`,
        detail: "",
      };
    }
    if (found === undefined) doubts.push(`could not look inside ${k.initramfs.imagePath}`);
  }
  return {
    detail: `${script.path} mounts EROFS; every kernel has the driver`,
    doubt: doubts.length ? `${doubts.join("; ")}: make sure it has erofs.ko` : undefined,
  };
}

/** dracut's dmsquash-live-root.sh, the script that mounts the live image. */
async function liveRootScript(root: ImageRoot) {
  for (const name of await root.list(DRACUT_MODULES, 1000)) {
    if (!name.endsWith("dmsquash-live")) continue;
    const path = `${DRACUT_MODULES}/${name}/dmsquash-live-root.sh`;
    const found = await root.readText(path, MAX_SCRIPT);
    if (found) return { path, text: found.text };
  }
  return undefined;
}

async function erofsDriver(
  root: ImageRoot,
  version: string,
): Promise<"builtin" | "module" | "none"> {
  const builtin = await root.readText(`${MODULES_DIR}/${version}/modules.builtin`, MAX_BUILTIN);
  if (builtin && /(^|\/)erofs\.ko$/m.test(builtin.text)) return "builtin";
  const names = await root.list(`${MODULES_DIR}/${version}/kernel/fs/erofs`, 100);
  return names.some((n) => /^erofs\.ko(\.(xz|zst|gz))?$/.test(n)) ? "module" : "none";
}
