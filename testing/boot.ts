/**
 * What the boot tests share: each test file's ISOs, built once per run into a
 * directory of its own (removed by the file's last test), and boot-test run
 * as a user runs it, with the TCG-friendly bounds.
 */
import assert from "node:assert/strict";
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
