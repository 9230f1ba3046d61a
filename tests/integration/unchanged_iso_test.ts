/**
 * Plans unchanged by changes not meant to change ISOs (root, podman): the
 * reference commit (testing/reference.ts) and this code print the same plan,
 * as text and as JSON, for each layout. The ISOs themselves are compared byte
 * for byte where the boot tests build them (selinux_boot_test.ts,
 * payload_boot_test.ts): building them twice more here would cost minutes.
 */
import assert from "node:assert/strict";
import { cniso, sidImage, testImage } from "../../testing/images.ts";
import { referenceCniso, withReferenceTree } from "../../testing/reference.ts";

const ENV = { SOURCE_DATE_EPOCH: "1700000000" };
const ESC = String.fromCharCode(0x1b);

Deno.test("unchanged (root, podman): the reference commit's plans, as text and JSON, line for line", async () => {
  const [live, kernels, efiBootupd, sid] = await Promise.all([
    testImage("live"),
    testImage("kernels"),
    testImage("efi-bootupd"),
    sidImage(),
  ]);
  const cases = [
    [sid, "--rootfs-type", "erofs"],
    [live, "--no-bios", "--compression", "xz", "--exclude", "/var/lib/apt"],
    [kernels, "--default-kernel-only"],
    [efiBootupd],
  ];
  await withReferenceTree(async (tree) => {
    for (const args of cases) {
      for (const extra of [[], ["--progress", "json"]]) {
        const all = ["build", ...args, "--dry-run", "-o", "/var/tmp/unchanged.iso", ...extra];
        const r = await referenceCniso(tree, all, ENV);
        const n = await cniso(all, { env: ENV });
        assert.equal(n.code, 0, `${all.join(" ")}: ${n.stderr}`);
        assert.equal(n.code, r.code, `${all.join(" ")}: ${r.stderr}`);
        assert.equal(n.stdout, r.stdout, all.join(" "));
        // The reference tree's first run has Deno set up its npm packages (coloured without NO_COLOR).
        const setup = new RegExp(`^(${ESC}\\[[0-9;]*m)*Initialize(${ESC}\\[[0-9;]*m)* .*\n`, "gm");
        assert.equal(n.stderr, r.stderr.replace(setup, ""), all.join(" "));
      }
    }
  });
});
