/**
 * boot-test on hostile or broken input, and on a stand-in QEMU whose KVM is
 * half broken (tests/fixtures/fake-qemu): quick, no live system is booted.
 */
import $ from "dax";
import assert from "node:assert/strict";
import * as path from "node:path";
import { fakeQemuEnv } from "../../testing/fake_qemu.ts";
import { cniso } from "../../testing/images.ts";

/** A small ISO (no live system) made with xorriso from `files` (path -> content or symlink). */
async function tinyIso(
  dir: string,
  files: Record<string, string | { link: string }>,
): Promise<string> {
  const tree = path.join(dir, "tree");
  for (const [p, content] of Object.entries(files)) {
    const host = path.join(tree, p);
    await Deno.mkdir(path.dirname(host), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(host, content);
    else await Deno.symlink(content.link, host);
  }
  const iso = path.join(dir, "tiny.iso");
  await $`xorriso -as mkisofs -R -J -V TINY -o ${iso} ${tree}`.quiet();
  return iso;
}

const GRUB_CFG = "set default=0\nset timeout=3\nmenuentry 'Live' {\n\tlinux /k console=tty0\n" +
  "\tinitrd /i\n}\n";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "cniso-boot-input-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("boot-test: a file that is not an ISO, a missing file, a bad option: exit 2", async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, "x.iso");
    await Deno.writeTextFile(file, "not an iso\n".repeat(5000));
    const r = await cniso(["boot-test", file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /not an ISO 9660 image/);
    const missing = await cniso(["boot-test", `${file}.missing`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file/);
    const badOption = await cniso(["boot-test", file, "--firmware", "coreboot"]);
    assert.equal(badOption.code, 2);
    assert.match(badOption.stderr, /--firmware coreboot: expected one of bios, uefi, uefi-secure/);
  });
});

Deno.test("boot-test: a grub.cfg that is a symlink to a host file is refused, unread (exit 2)", async () => {
  await withDir(async (dir) => {
    const secret = `CNISO-CANARY-${crypto.randomUUID()}`;
    const canary = path.join(dir, "canary.txt");
    await Deno.writeTextFile(canary, `set default=0\nmenuentry '${secret}' {\n linux /k\n}\n`);
    const iso = await tinyIso(dir, {
      "boot/grub2/grub.cfg": { link: canary },
      "EFI/BOOT/grub.cfg": { link: canary },
    });
    for (const firmware of ["bios", "uefi"]) {
      const r = await cniso(["boot-test", iso, "--firmware", firmware]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /grub\.cfg is a symbolic link/);
      assert.ok(!(r.stdout + r.stderr).includes(secret), "nothing of the host file is printed");
    }
  });
});

Deno.test("boot-test: a grub.cfg larger than its cap is refused (exit 2)", async () => {
  await withDir(async (dir) => {
    const iso = await tinyIso(dir, { "boot/grub2/grub.cfg": GRUB_CFG + "#".repeat(300 * 1024) });
    const r = await cniso(["boot-test", iso]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /a GRUB config of more than \d+ is not read/);
  });
});

Deno.test("boot-test (stand-in QEMU): --accel kvm on a KVM that hangs the kernel stalls in seconds, naming the phase", async () => {
  await withDir(async (dir) => {
    const iso = await tinyIso(dir, { "boot/grub2/grub.cfg": GRUB_CFG });
    const log = path.join(dir, "serial.log");
    const r = await cniso(
      ["boot-test", iso, "--accel", "kvm", "--timeout", "300", "--serial-log", log],
      { env: await fakeQemuEnv("hang-kernel") },
    );
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /FAIL: .*the boot stalled: the kernel printed nothing within \d+ s/);
    assert.match(r.stdout, /last phase reached: bootloader menu/);
    assert.match(r.stdout, /\| +Booting a command list/);
    assert.match(await Deno.readTextFile(log), /Booting a command list/, "--serial-log kept");
    assert.equal((await $`pgrep -f kvm_hangs_kernel`.noThrow().quiet()).code, 1, "QEMU stopped");
  });
});

Deno.test("boot-test (stand-in QEMU): --accel kvm where QEMU aborts quotes QEMU's error (exit 1)", async () => {
  await withDir(async (dir) => {
    const iso = await tinyIso(dir, { "boot/grub2/grub.cfg": GRUB_CFG });
    const r = await cniso(["boot-test", iso, "--accel", "kvm"], {
      env: await fakeQemuEnv("abort"),
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /FAIL: .*QEMU stopped \(.*failed to set MSR/);
    assert.ok(!r.stderr.includes("internal error"));
  });
});

Deno.test("boot-test (root): a --serial-log link planted by another user is replaced, its target untouched", async () => {
  await withDir(async (dir) => {
    const iso = await tinyIso(dir, { "boot/grub2/grub.cfg": GRUB_CFG });
    const logs = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-logs-" });
    const victim = path.join(dir, "victim");
    await Deno.writeTextFile(victim, "untouched\n");
    try {
      await Deno.chown(logs, 65534, 65534);
      await $`setpriv --reuid=65534 --regid=65534 --clear-groups ln -s ${victim} ${logs}/serial.log`;
      const r = await cniso(
        ["boot-test", iso, "--accel", "kvm", "--serial-log", `${logs}/serial.log`],
        { env: await fakeQemuEnv("abort") },
      );
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.equal(await Deno.readTextFile(victim), "untouched\n");
      const log = await Deno.lstat(`${logs}/serial.log`);
      assert.ok(log.isFile && !log.isSymlink, "the log replaced the link");
      assert.equal(log.uid, 65534, "the log is the directory owner's");
    } finally {
      await Deno.remove(logs, { recursive: true });
    }
  });
});

Deno.test("boot-test: a FIFO given as the ISO is bad input at once (no wait for a writer)", async () => {
  await withDir(async (dir) => {
    await $`/usr/bin/mkfifo ${dir}/x.iso`;
    const r = await cniso(["boot-test", `${dir}/x.iso`]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /not a regular file/);
  });
});
