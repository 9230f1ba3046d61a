/**
 * Release checks for aarch64 (root, podman; slow: arm64 under TCG, about 2.5 minutes a boot;
 * `deno task test:release`, not run by CI, whose aarch64 test boots under Secure Boot from CD
 * with firmware that trusts only Microsoft's UEFI CA 2023): the arm64 test image's ISO boots
 * without Secure Boot from USB and CD, and under Secure Boot with AAVMF's own keys, which hold
 * only the 2011 CA (Debian's arm64 shim carries both signatures; check says so).
 */
import assert from "node:assert/strict";
import { bootTest, IsoCache, ROOT_ON_OVERLAY } from "../testing/boot.ts";
import { arm64Image } from "../testing/images.ts";

const cache = new IsoCache("cniso-release-aarch64-");
const arm64Iso = () => cache.get("arm64", arm64Image);
/** The modes CI leaves out; uefi-secure here uses AAVMF's own keys (the 2011 CA: shim's first signature). */
const MODES = [["uefi", "usb"], ["uefi", "cd"], ["uefi-secure", "usb"]] as const;

for (const [firmware, media] of MODES) {
  Deno.test(`release aarch64 (slow, QEMU): ${firmware} from ${media} boots to the live root`, async () => {
    const { iso } = await arm64Iso();
    const r = await bootTest(iso, [
      ...["--firmware", firmware, "--media", media, "--timeout", "900"],
      ...["--expect", ROOT_ON_OVERLAY],
    ]);
    assert.equal(r.code, 0, r.all);
  });
}

Deno.test({
  name: "release aarch64: remove the ISO",
  sanitizeResources: false,
  fn: () => cache.remove(),
});
