import assert from "node:assert/strict";
import { qemuArgs, SANDBOX } from "./qemu_args.ts";
import { consoleArgs, editorKeys, linuxLineInEditor, menuEntryBodies } from "./grub_editor.ts";
import { renderGrubConfig } from "../iso/grub_config.ts";

const setup = {
  arch: "x86_64" as const,
  iso: "/x/a,b.iso",
  memoryMiB: 2048,
  serialPipe: "/t/serial",
  qmpPipe: "/t/qmp",
  ovmfCode: "/c.fd",
  ovmfVars: "/t/v.fd",
  sandbox: true,
};

/** The value of each -drive option. */
const drives = (args: string[]) => args.flatMap((a, i) => (args[i - 1] === "-drive" ? [a] : []));

Deno.test("QEMU arguments: every drive is raw (QEMU never guesses the ISO's format)", () => {
  for (const firmware of ["bios", "uefi", "uefi-secure"] as const) {
    for (const media of ["cd", "usb"] as const) {
      const all = drives(qemuArgs({ ...setup, firmware, media, accel: "tcg" }));
      assert.ok(all.length >= 1);
      for (const d of all) assert.match(d, /(^|,)format=raw(,|$)/, d);
      const iso = all.find((d) => d.startsWith("file=/x/a,,b.iso,"));
      assert.ok(iso, "the ISO's path with its comma doubled");
      assert.match(iso!, /readonly=on/);
    }
  }
});

Deno.test("QEMU arguments per firmware and medium", () => {
  const bios = qemuArgs({ ...setup, firmware: "bios", media: "cd", accel: "tcg" }).join(" ");
  assert.match(bios, /-machine pc -accel tcg,thread=multi/);
  assert.match(bios, /-device ide-cd,drive=cd,bootindex=0/);
  assert.match(bios, /media=cdrom/);
  assert.ok(!bios.includes("pflash"), "SeaBIOS needs no flash");
  assert.ok(!bios.includes("-kernel"), "never -kernel: the ISO's own bootloader boots");
  assert.ok(!bios.includes("logfile"), "QEMU writes no log of its own (cniso bounds it)");
  assert.ok(bios.endsWith(`-sandbox ${SANDBOX}`));
  const secure = qemuArgs({ ...setup, firmware: "uefi-secure", media: "usb", accel: "kvm" })
    .join(" ");
  assert.match(secure, /-machine q35,smm=on -global driver=cfi\.pflash01,property=secure,value=on/);
  assert.match(secure, /if=pflash,format=raw,unit=0,readonly=on,file=\/c\.fd/);
  assert.match(secure, /if=pflash,format=raw,unit=1,file=\/t\/v\.fd/);
  assert.match(secure, /-device qemu-xhci -device usb-storage,drive=usb,bootindex=0/);
  assert.match(secure, /-accel kvm -cpu host/);
  assert.match(secure, /-chardev pipe,id=serial0,path=\/t\/serial -serial chardev:serial0/);
  assert.match(secure, /-chardev pipe,id=qmp0,path=\/t\/qmp -mon chardev=qmp0,mode=control/);
  const cpu = qemuArgs({ ...setup, firmware: "bios", media: "cd", accel: "tcg", cpu: "Nehalem" });
  assert.match(cpu.join(" "), /-accel tcg,thread=multi -cpu Nehalem/);
  const noSandbox = qemuArgs({
    ...setup,
    sandbox: false,
    firmware: "bios",
    media: "cd",
    accel: "tcg",
  });
  assert.ok(!noSandbox.includes("-sandbox"));
});

Deno.test("QEMU arguments: an aarch64 ISO boots on the virt machine, its CD on virtio-scsi", () => {
  const arm = { ...setup, arch: "aarch64" as const };
  const cd = qemuArgs({ ...arm, firmware: "uefi", media: "cd", accel: "tcg" }).join(" ");
  assert.match(cd, /-machine virt -accel tcg,thread=multi -cpu cortex-a72 /);
  assert.match(cd, /-device virtio-scsi-pci,id=scsi0 -device scsi-cd,drive=cd,bootindex=0/);
  assert.doesNotMatch(cd, /ide-cd|q35|smm/);
  assert.match(cd, /if=pflash,format=raw,unit=0,readonly=on,file=\/c\.fd/);
  const usb = qemuArgs({ ...arm, firmware: "uefi-secure", media: "usb", accel: "tcg" }).join(" ");
  assert.match(usb, /-machine virt .*-device qemu-xhci -device usb-storage,drive=usb,bootindex=0/);
  // Secure Boot on arm64 needs no SMM: the firmware build and its variables carry it.
  assert.doesNotMatch(usb, /smm|cfi\.pflash01/);
  const cpu = qemuArgs({ ...arm, firmware: "uefi", media: "cd", accel: "tcg", cpu: "max" });
  assert.ok(cpu.join(" ").includes("-cpu max"));
  // The x86 machine is unchanged.
  const x86 = qemuArgs({ ...setup, firmware: "uefi", media: "cd", accel: "tcg" }).join(" ");
  assert.match(x86, /-machine q35 .*-device ide-cd,drive=cd,bootindex=0/);
});

Deno.test("console arguments: the serial console of the architecture's machine", () => {
  assert.match(consoleArgs("x86_64"), /console=ttyS0,115200/);
  assert.match(consoleArgs("aarch64"), /console=ttyAMA0,115200/);
  assert.doesNotMatch(consoleArgs("aarch64"), /ttyS0/);
});

Deno.test("GRUB editor: the linux line of the default entry", () => {
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
  assert.throws(
    () => linuxLineInEditor("set default=5\nmenuentry 'X' {\n linux /k\n}\n"),
    /names no entry/,
  );
});

Deno.test("GRUB editor: --entry moves the menu's highlight from the default to the named entry", () => {
  const cfg =
    "set default=1\nmenuentry 'A' {\n linux /a\n}\nmenuentry 'B' {\n echo\n linux /b\n}\n" +
    "menuentry 'C' {\n linux /c\n}\n";
  assert.deepEqual(editorKeys(cfg), { menuKeys: "e", downPresses: 3 });
  assert.deepEqual(editorKeys(cfg, "C"), { menuKeys: "ve", downPresses: 2 });
  assert.deepEqual(editorKeys(cfg, "A"), { menuKeys: "^e", downPresses: 2 });
  assert.throws(
    () => editorKeys(cfg, "D"),
    /--entry "D": no entry of the ISO's menu has that name/,
  );
});
