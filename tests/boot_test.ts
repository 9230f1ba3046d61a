/**
 * Boot tests (slow: QEMU under TCG, about 1.5 minutes a boot; need root to
 * build the ISOs). The test image's ISO boots five ways through its own
 * firmware and bootloader, and the live system reports from inside that its
 * root is the overlay over the squashfs.
 */
import assert from "node:assert/strict";
import { cniso, testImage } from "./support/images.ts";

const isos = new Map<string, Promise<string>>();
let dir: string | undefined;

/** Builds (once per run) the ISO of a test image. */
function isoOf(name: "live" | "noyaml" | "badlabel"): Promise<string> {
  if (!isos.has(name)) {
    isos.set(
      name,
      (async () => {
        dir ??= await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-boot-isos-" });
        const iso = `${dir}/${name}.iso`;
        const extra = name === "badlabel" ? ["--allow-label-mismatch"] : [];
        const r = await cniso(["build", await testImage(name), "-o", iso, ...extra]);
        assert.equal(r.code, 0, r.stderr);
        return iso;
      })(),
    );
  }
  return isos.get(name)!;
}

// Printed by the test image's cniso-report.service: / is dracut's overlay, its lower layer the squashfs.
const ROOT_ON_OVERLAY = "CNISO-ROOT: LiveOS_rootfs overlay";

async function boot(iso: string, ...args: string[]) {
  const r = await cniso(["boot-test", iso, "--accel", "auto", "--timeout", "400", ...args]);
  return { ...r, all: r.stdout + r.stderr };
}

for (
  const [firmware, media] of [
    ["bios", "cd"],
    ["bios", "usb"],
    ["uefi", "cd"],
    ["uefi", "usb"],
    ["uefi-secure", "cd"],
  ]
) {
  Deno.test(`boot (slow, QEMU): ${firmware} ${media}: the live system comes up on the squashfs overlay`, async () => {
    const r = await boot(
      await isoOf("live"),
      "--firmware",
      firmware,
      "--media",
      media,
      "--expect",
      ROOT_ON_OVERLAY,
    );
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, new RegExp(`PASS: .* booted \\(${firmware}, ${media}, (tcg|kvm)\\)`));
    for (
      const phase of [
        "firmware",
        "bootloader menu",
        "kernel",
        "initramfs",
        "live root mounted",
        "target reached",
      ]
    ) {
      assert.match(r.stderr, new RegExp(`  ${phase} +\\d+\\.\\d s`), `phase ${phase} reported`);
    }
  });
}

Deno.test("boot (slow, QEMU): an image without iso.yaml boots with the generated defaults", async () => {
  const shot = await Deno.makeTempFile({ suffix: ".png" });
  try {
    const r = await boot(await isoOf("noyaml"), "--expect", ROOT_ON_OVERLAY, "--screenshot", shot);
    assert.equal(r.code, 0, r.all);
    const png = await Deno.readFile(shot);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG screenshot"); // "PNG"
  } finally {
    await Deno.remove(shot);
  }
});

Deno.test("boot (slow, QEMU): an ISO whose CDLABEL is not its label fails, naming the phase", async () => {
  const r = await boot(await isoOf("badlabel"), "--timeout", "300");
  assert.equal(r.code, 1, r.all);
  assert.match(r.stdout, /FAIL: /);
  assert.match(r.stdout, /last phase reached: initramfs/);
  assert.match(r.stdout, /last lines of the serial console:/);
});

Deno.test("boot-test: a file that is not an ISO is bad input (exit 2)", async () => {
  const file = await Deno.makeTempFile({ suffix: ".iso" });
  try {
    await Deno.writeTextFile(file, "not an iso\n".repeat(5000));
    const r = await cniso(["boot-test", file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /not an ISO 9660 image/);
    const missing = await cniso(["boot-test", `${file}.missing`]);
    assert.equal(missing.code, 2);
    const badOption = await cniso(["boot-test", file, "--firmware", "coreboot"]);
    assert.equal(badOption.code, 2);
    assert.match(badOption.stderr, /--firmware coreboot: expected one of bios, uefi, uefi-secure/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("boot tests: remove the ISOs", async () => {
  if (dir) await Deno.remove(dir, { recursive: true });
});
