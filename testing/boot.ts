/**
 * What the boot tests share: each test file's ISOs, built once per run into a
 * directory of its own (removed by the file's last test), and boot-test run
 * as a user runs it, with the TCG-friendly bounds.
 */
import $ from "dax";
import assert from "node:assert/strict";
import { MICROSOFT_UEFI_CAS } from "../lib/secure_boot/microsoft_cas.ts";
import { cniso } from "./images.ts";

/** Printed by the test images' cniso-report.service: / is dracut's overlay over the live root. */
export const ROOT_ON_OVERLAY = "CNISO-ROOT: LiveOS_rootfs overlay";

/** ISOs built by `cniso build IMAGE -o ISO ARGS`, once per name; `remove()` deletes them all. */
export class IsoCache {
  #dir?: string;
  #isos = new Map<string, Promise<{ iso: string; stderr: string }>>();

  constructor(readonly prefix: string) {}

  get(name: string, image: () => Promise<string>, args: string[] = []) {
    if (!this.#isos.has(name)) {
      this.#isos.set(
        name,
        (async () => {
          this.#dir ??= await Deno.makeTempDir({ dir: "/var/tmp", prefix: this.prefix });
          const iso = `${this.#dir}/${name}.iso`;
          const r = await cniso(["build", await image(), "-o", iso, ...args]);
          assert.equal(r.code, 0, r.stderr);
          return { iso, stderr: r.stderr };
        })(),
      );
    }
    return this.#isos.get(name)!;
  }

  async remove() {
    if (this.#dir) await Deno.remove(this.#dir, { recursive: true });
  }
}

/** boot-test with KVM first and a bound that holds under TCG; `all` is stdout and stderr. */
export async function bootTest(iso: string, args: string[], env?: Record<string, string>) {
  const r = await cniso(["boot-test", iso, "--accel", "auto", "--timeout", "400", ...args], {
    env,
  });
  return { ...r, all: r.stdout + r.stderr };
}

/**
 * boot-test --expect for a boot from the ISO as a file: the kernel's line when dracut's iso-scan
 * loop-mounts the whole ISO file, with its size in 512-byte sectors (a CD or USB boot never
 * loops the whole ISO).
 */
export async function wholeIsoLooped(iso: string): Promise<string> {
  const sectors = (await Deno.stat(iso)).size / 512;
  return `loop[0-9]+: detected capacity change from 0 to ${sectors}\\b`;
}

const vars2023 = new Map<string, Promise<string>>();

/** OVMF's (x86_64) and AAVMF's (aarch64) variable stores, as Debian installs them. */
export const VARS_TEMPLATES = {
  x86_64: "/usr/share/OVMF/OVMF_VARS_4M.fd",
  // AAVMF_VARS.fd is blank (the firmware formats it on first boot): the ms store is a formatted one.
  aarch64: "/usr/share/AAVMF/AAVMF_VARS.ms.fd",
} as const;

/**
 * UEFI variables with Secure Boot on, a platform key of the test's own and db = {Microsoft UEFI
 * CA 2023} only (virt-fw-vars): firmware that trusts only the 2023 CA. Made once per test file
 * and firmware; the file is in /tmp and small (AAVMF's: 64 MiB).
 */
export function only2023Vars(arch: keyof typeof VARS_TEMPLATES = "x86_64"): Promise<string> {
  if (!vars2023.has(arch)) {
    vars2023.set(
      arch,
      (async () => {
        const dir = await Deno.makeTempDir({ prefix: "cniso-sb-vars-" });
        const ca = `${dir}/ms2023.pem`;
        await Deno.writeTextFile(ca, MICROSOFT_UEFI_CAS[1].pem);
        const vars = `${dir}/VARS_2023.fd`;
        await $`virt-fw-vars -i ${
          VARS_TEMPLATES[arch]
        } -o ${vars} --enroll-generate ${"cniso test platform"} --no-microsoft --add-db 77fa9abd-0359-4d32-bd60-28f4e78f784b ${ca} --secure-boot`
          .quiet();
        return vars;
      })(),
    );
  }
  return vars2023.get(arch)!;
}

/** Removes what only2023Vars made. */
export async function removeVars(): Promise<void> {
  for (const vars of vars2023.values()) {
    await Deno.remove((await vars).replace(/\/[^/]+$/, ""), { recursive: true });
  }
  vars2023.clear();
}
