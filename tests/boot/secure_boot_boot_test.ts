/**
 * The Secure Boot predictions, proven by booting (root, podman; slow: QEMU
 * under TCG). The sb-traps image's kernel is signed with a key shim does not
 * trust, and its shim carries only its signature under Microsoft's UEFI CA
 * 2011; `check` says both (tests/integration/boot_prediction_test.ts). Here:
 *  - with Secure Boot (Microsoft's 2011 keys) shim runs, and GRUB stops at the
 *    kernel with shim's "bad shim signature";
 *  - with Secure Boot off the same ISO boots to the live system;
 *  - firmware whose db holds only Microsoft's UEFI CA 2023 (an OVMF variable
 *    store made with virt-fw-vars) refuses that shim, and boots the example
 *    image, whose shim is signed under both CAs.
 */
import $ from "dax";
import assert from "node:assert/strict";
import * as path from "node:path";
import { bootTest, IsoCache } from "../../testing/boot.ts";
import { exampleImage, testImage } from "../../testing/images.ts";
import { MICROSOFT_UEFI_CAS } from "../../lib/secure_boot/microsoft_cas.ts";

const cache = new IsoCache("cniso-sb-isos-");
let vars2023: Promise<string> | undefined;

/** OVMF variables with Secure Boot on, a platform key of the test's own, and db = {UEFI CA 2023}. */
function only2023Vars(): Promise<string> {
  vars2023 ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "cniso-sb-vars-" });
    const ca = `${dir}/ms2023.pem`;
    await Deno.writeTextFile(ca, MICROSOFT_UEFI_CAS[1].pem);
    const vars = `${dir}/OVMF_VARS_2023.fd`;
    await $`virt-fw-vars -i /usr/share/OVMF/OVMF_VARS_4M.fd -o ${vars} --enroll-generate ${"cniso test platform"} --no-microsoft --add-db 77fa9abd-0359-4d32-bd60-28f4e78f784b ${ca} --secure-boot`
      .quiet();
    return vars;
  })();
  return vars2023;
}

const traps = () => cache.get("sb-traps", () => testImage("sb-traps"));

Deno.test("secure boot (slow, QEMU): an untrusted kernel: shim refuses it under Secure Boot", async () => {
  const { iso } = await traps();
  const r = await bootTest(iso, ["--firmware", "uefi-secure", "--timeout", "300"]);
  assert.equal(r.code, 1, r.all);
  assert.match(r.all, /error: bad shim signature/);
  assert.doesNotMatch(r.all, /Linux version \d/);
});

Deno.test("secure boot (slow, QEMU): the same ISO boots with Secure Boot off", async () => {
  const { iso } = await traps();
  const r = await bootTest(iso, ["--firmware", "uefi"]);
  assert.equal(r.code, 0, r.all);
});

Deno.test("secure boot (slow, QEMU): firmware trusting only the 2023 CA refuses a 2011-only shim", async () => {
  const { iso } = await traps();
  const r = await bootTest(iso, ["--firmware", "uefi-secure", "--ovmf-vars", await only2023Vars()]);
  assert.equal(r.code, 1, r.all);
  assert.match(r.all, /BdsDxe: failed to load Boot\S* .*Access Denied/);
  assert.doesNotMatch(r.all, /to edit the commands/);
});

Deno.test("secure boot (slow, QEMU): firmware trusting only the 2023 CA boots a shim signed under both", async () => {
  try {
    const { iso } = await cache.get("example", () => exampleImage());
    const vars = await only2023Vars();
    const r = await bootTest(iso, ["--firmware", "uefi-secure", "--ovmf-vars", vars]);
    assert.equal(r.code, 0, r.all);
    assert.match(r.all, /PASS/);
  } finally {
    await cache.remove();
    if (vars2023) await Deno.remove(path.dirname(await vars2023), { recursive: true });
  }
});
