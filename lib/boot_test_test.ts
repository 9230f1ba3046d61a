import assert from "node:assert/strict";
import {
  BOOTLOADER_FAILURES,
  linuxLineInEditor,
  menuEntryBodies,
  PHASES,
  qemuArgs,
  stripAnsi,
  SYSTEM_FAILURES,
} from "./boot_test.ts";
import { renderGrubConfig } from "./grub_config.ts";

const setup = {
  iso: "/x/a,b.iso",
  memoryMiB: 2048,
  serialSocket: "/t/s.sock",
  serialLog: "/t/s.log",
  qmpSocket: "/t/q.sock",
  ovmfCode: "/c.fd",
  ovmfVars: "/t/v.fd",
};

Deno.test("boot-test: QEMU arguments per firmware and medium", () => {
  const bios = qemuArgs({ ...setup, firmware: "bios", media: "cd", accel: "tcg" }).join(" ");
  assert.match(bios, /-machine pc -accel tcg,thread=multi/);
  assert.match(
    bios,
    /-drive file=\/x\/a,,b\.iso,media=cdrom,readonly=on,if=none,id=cd -device ide-cd,drive=cd,bootindex=0/,
  );
  assert.ok(!bios.includes("pflash"), "SeaBIOS needs no flash");
  assert.ok(!bios.includes("-kernel"), "never -kernel: the ISO's own bootloader boots");
  const secure = qemuArgs({ ...setup, firmware: "uefi-secure", media: "usb", accel: "kvm" }).join(
    " ",
  );
  assert.match(secure, /-machine q35,smm=on -global driver=cfi\.pflash01,property=secure,value=on/);
  assert.match(secure, /if=pflash,format=raw,unit=0,readonly=on,file=\/c\.fd/);
  assert.match(secure, /if=pflash,format=raw,unit=1,file=\/t\/v\.fd/);
  assert.match(secure, /-device qemu-xhci -device usb-storage,drive=usb,bootindex=0/);
  assert.match(secure, /-accel kvm -cpu host/);
  const cpu = qemuArgs({ ...setup, firmware: "bios", media: "cd", accel: "tcg", cpu: "Nehalem" });
  assert.match(cpu.join(" "), /-accel tcg,thread=multi -cpu Nehalem/);
  assert.match(secure, /socket,id=serial0,path=\/t\/s\.sock,server=on,wait=on,logfile=\/t\/s\.log/);
});

Deno.test("boot-test: the linux line of the default entry, for GRUB's editor", () => {
  const menu = {
    entries: [
      { name: "A", kernel: "/k", args: [], initrd: "/i" },
      { name: "B", kernel: "/k", args: ["x"], initrd: "/i" },
    ],
    defaultIndex: 1,
    timeout: 3,
  };
  const cfg = renderGrubConfig({ menu, label: "L", source: "t" });
  assert.deepEqual(menuEntryBodies(cfg).map((e) => e.title), ["A", "B"]);
  // setparams, the rest of the "{" line, then linux.
  assert.equal(linuxLineInEditor(cfg), 2);
  assert.equal(
    linuxLineInEditor("set default=0\nmenuentry 'X' {\n  insmod gzio\n  linuxefi /k\n}\n"),
    3,
  );
  assert.equal(
    linuxLineInEditor(
      "set default=\"two\"\nmenuentry 'one' {\n linux /a\n}\nmenuentry 'two' --id two {\n echo\n echo\n linux /b\n}\n",
    ),
    4,
  );
  assert.throws(() => linuxLineInEditor("set default=0\n"), /no menuentry/);
});

Deno.test("boot-test: phases and failures as they look on the console", () => {
  const phase = (line: string) =>
    PHASES.filter((p) => p.name !== "firmware" && p.pattern.test(line)).map((p) => p.name);
  assert.deepEqual(
    phase("[    0.000000] Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org)"),
    ["kernel"],
  );
  assert.deepEqual(phase("[    9.186708] Run /init as init process"), ["initramfs"]);
  assert.deepEqual(phase("[  OK  ] Reached target initrd-switch-root.target - Switch Root."), [
    "live root mounted",
  ]);
  assert.deepEqual(phase("[  OK  ] Reached target multi-user.target - Multi-User System."), [
    "target reached",
  ]);
  assert.deepEqual(phase("vm login: "), ["target reached"]);
  // Not the end: targets of the initrd.
  assert.deepEqual(phase("[  OK  ] Reached target initrd-fs.target - Initrd File Systems."), []);
  const fails = (res: RegExp[], line: string) => res.some((re) => re.test(line));
  assert.ok(
    fails(BOOTLOADER_FAILURES, "error: file `/images/pxeboot/no-such-initrd.img' not found."),
  );
  assert.ok(
    fails(SYSTEM_FAILURES, "[  122.1] Kernel panic - not syncing: VFS: Unable to mount root fs"),
  );
  assert.ok(fails(SYSTEM_FAILURES, "You are in emergency mode. After logging in, type ..."));
  // dracut 059's first sysroot.mount attempt fails and the live root is mounted after: not fatal.
  assert.ok(!fails(SYSTEM_FAILURES, "[FAILED] Failed to mount sysroot.mount - /sysroot."));
  assert.ok(
    !fails(SYSTEM_FAILURES, "[ TIME ] Timed out waiting for device dev-ttyS0.device - /dev/ttyS0."),
  );
  assert.equal(stripAnsi("\x1b[5;3H\x1b[7m*Debian\x1b[m\r"), "*Debian");
});
