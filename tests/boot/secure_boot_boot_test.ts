/**
 * The Secure Boot predictions, proven by booting (root, podman; slow: QEMU
 * under TCG). The sb-traps image's kernel is signed with a key shim does not
 * trust, and its shim carries only its signature under Microsoft's UEFI CA
 * 2011; `check` says both (tests/integration/boot_prediction_test.ts). Here:
 *  - with Secure Boot (Microsoft's 2011 keys) shim runs, and GRUB stops at the
 *    kernel with shim's "bad shim signature";
 *  - with Secure Boot off the same ISO boots to the live system;
 *  - firmware whose db holds only Microsoft's UEFI CA 2023 (an OVMF variable
 *    store made with virt-fw-vars) refuses that shim within seconds. The same
 *    firmware boots the live test image, whose shim is signed under both CAs
 *    (tests/boot/live_boot_test.ts, its uefi-secure boot).
 */
import assert from "node:assert/strict";
import { bootTest, IsoCache, only2023Vars, removeVars } from "../../testing/boot.ts";
import { testImage } from "../../testing/images.ts";

const cache = new IsoCache("cniso-sb-isos-");

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

Deno.test("secure boot: remove the ISOs and the variable store", async () => {
  await cache.remove();
  await removeVars();
});
