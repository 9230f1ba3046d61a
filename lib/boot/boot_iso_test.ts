import assert from "node:assert/strict";
import { tcgFlake } from "./boot_iso.ts";

Deno.test("boot: a kernel panic under TCG before the initramfs is booted once more; later ones are not", () => {
  const panic = {
    status: "fail",
    reason: 'the boot failed: "Kernel panic - not syncing: Fatal exception"',
  };
  const upTo = (last: string) =>
    ["firmware", "bootloader menu", "kernel", "initramfs"].slice(
      0,
      ["firmware", "bootloader menu", "kernel", "initramfs"].indexOf(last) + 1,
    ).map((name) => ({ name: name as "kernel" }));
  assert.equal(tcgFlake(panic, upTo("kernel")), true);
  assert.equal(
    tcgFlake(panic, upTo("initramfs")),
    false,
    "after the initramfs started: the image's",
  );
  assert.equal(tcgFlake({ status: "stall", reason: "Kernel panic" }, upTo("kernel")), false);
  assert.equal(tcgFlake({ status: "fail", reason: "grub> prompt" }, upTo("kernel")), false);
});
