/**
 * Boot tests (slow: QEMU under TCG, about 1.5 minutes a boot; need root to
 * build the ISOs). The test image's ISO boots five ways through its own
 * firmware and bootloader, and the live system reports from inside that its
 * root is the overlay over the squashfs.
 */
import assert from "node:assert/strict";
import { PHASE_NAMES } from "../../lib/boot/console_text.ts";
import { fakeQemuEnv } from "../../testing/fake_qemu.ts";
import {
  bootTest,
  IsoCache,
  only2023Vars,
  removeVars,
  ROOT_ON_OVERLAY,
} from "../../testing/boot.ts";
import { testImage } from "../../testing/images.ts";

const cache = new IsoCache("cniso-boot-isos-");

/** Builds (once per run) the ISO of a test image. */
async function isoOf(name: "live" | "noyaml" | "badlabel" | "mediacheck"): Promise<string> {
  const extra = name === "badlabel" ? ["--allow-label-mismatch"] : [];
  return (await cache.get(name, () => testImage(name), extra)).iso;
}

const boot = bootTest;

for (
  const [firmware, media] of [
    ["bios", "cd"],
    ["bios", "usb"],
    ["uefi", "cd"],
    ["uefi", "usb"],
    ["uefi-secure", "cd"],
  ]
) {
  // Secure Boot with firmware that trusts only Microsoft's UEFI CA 2023, as machines made since
  // 2024 may: the image's shim is signed under both CAs (firmware with the 2011 CA boots the
  // layouts' and the SELinux image's ISOs; secure_boot_boot_test.ts shows a 2011-only shim refused).
  Deno.test(
    `boot (slow, QEMU): ${firmware} ${media}: the live system comes up on the squashfs overlay${
      firmware === "uefi-secure" ? " (db: Microsoft UEFI CA 2023 only)" : ""
    }`,
    async () => {
      const vars = firmware === "uefi-secure" ? ["--ovmf-vars", await only2023Vars()] : [];
      const r = await boot(await isoOf("live"), [
        ...["--firmware", firmware, "--media", media, "--expect", ROOT_ON_OVERLAY, ...vars],
      ]);
      assert.equal(r.code, 0, r.all);
      assert.match(r.stdout, new RegExp(`PASS: .* booted \\(${firmware}, ${media}, (tcg|kvm)[;)]`));
      for (const phase of PHASE_NAMES) {
        assert.match(r.stderr, new RegExp(`  ${phase} +\\d+\\.\\d s`), `phase ${phase} reported`);
      }
    },
  );
}

Deno.test("boot (slow, QEMU, stand-in KVM that hangs the kernel): auto falls back to TCG and passes", async () => {
  const r = await boot(
    await isoOf("live"),
    ["--firmware", "uefi", "--expect", ROOT_ON_OVERLAY],
    await fakeQemuEnv("hang-kernel"),
  );
  assert.equal(r.code, 0, r.all);
  assert.match(
    r.stderr,
    /QEMU: uefi, cd, kvm\n(.*\n)*KVM made no progress \(the boot stalled: the kernel printed nothing within \d+ s after GRUB booted the entry\); falling back to TCG\nQEMU: uefi, cd, tcg\n/,
  );
  assert.match(r.stdout, /PASS: .* booted \(uefi, cd, tcg; KVM was given up on: the boot stalled/);
});

Deno.test("boot (slow, QEMU, stand-in KVM that aborts): an image without iso.yaml boots with the generated defaults", async () => {
  const shot = await Deno.makeTempFile({ suffix: ".png" });
  try {
    const r = await boot(
      await isoOf("noyaml"),
      ["--expect", ROOT_ON_OVERLAY, "--screenshot", shot],
      await fakeQemuEnv("abort"),
    );
    assert.equal(r.code, 0, r.all);
    assert.match(r.stderr, /KVM made no progress \(QEMU stopped \(.*failed to set MSR/);
    const png = await Deno.readFile(shot);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG screenshot"); // "PNG"
  } finally {
    await Deno.remove(shot);
  }
});

for (
  const [suffix, arg] of [
    [" (basic graphics)", "nomodeset"],
  ]
) {
  Deno.test(`boot (slow, QEMU): the generated entry "…${suffix}" boots (boot-test --entry)`, async () => {
    const r = await boot(await isoOf("noyaml"), [
      ...["--entry", `Debian GNU/Linux 12 (bookworm)${suffix}`],
      // The kernel reports the command line it got: the entry's own argument is in it.
      ...["--expect", `Kernel command line:.*${arg}`],
    ]);
    assert.equal(r.code, 0, r.all);
  });
}

Deno.test('boot (slow, QEMU): the generated entry "… (check the medium first)" checks the implanted MD5, then boots', async () => {
  const iso = await isoOf("mediacheck");
  const log = `${iso}.serial.log`;
  const r = await boot(iso, [
    ...["--entry", "Debian GNU/Linux 12 (bookworm) (check the medium first)"],
    ...["--expect", "Kernel command line:.*rd\\.live\\.check", "--serial-log", log],
    // checkisomd5 reads the whole ISO first: slow under TCG.
    ...["--timeout", "900"],
  ]);
  const serial = await Deno.readTextFile(log);
  assert.equal(r.code, 0, r.all);
  assert.doesNotMatch(serial, /CD check failed/);
  assert.match(serial, /media check is complete, the result is: PASS/i);
});

Deno.test("boot (slow, QEMU): an ISO whose CDLABEL is not its label fails, naming the phase", async () => {
  // rd.retry: dracut gives up waiting for the root device after 30 s instead of 3 minutes.
  const r = await boot(await isoOf("badlabel"), ["--timeout", "300", "--append", "rd.retry=30"]);
  assert.equal(r.code, 1, r.all);
  assert.match(r.stdout, /FAIL: /);
  assert.match(r.stdout, /last phase reached: initramfs/);
  assert.match(r.stdout, /last lines of the serial console:/);
});

Deno.test("boot tests: remove the ISOs", async () => {
  await cache.remove();
  await removeVars();
});
