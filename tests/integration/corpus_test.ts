/**
 * A corpus of bad inputs: broken and malicious image trees (checked with
 * `--rootfs`, as an image would be), bad iso.yaml files and bad options. Each
 * has the exact exit code and a fragment of the message. Symlinks that point
 * out of the image aim at a host canary file whose content must appear
 * nowhere. After each case nothing may be left in the output directory.
 */
import assert from "node:assert/strict";
import { cniso } from "../../testing/images.ts";
import { KVER, link, makeTree, put, remove } from "../../testing/tree.ts";

const CANARY_TEXT = `CNISO-CANARY-${crypto.randomUUID()}`;
const canaryDir = await Deno.makeTempDir({ prefix: "cniso-canary-" });
const CANARY = `${canaryDir}/secret`;
await Deno.writeTextFile(CANARY, `${CANARY_TEXT}\n`);
const YAML = "usr/lib/image-builder/bootc/iso.yaml";
const K = `usr/lib/modules/${KVER}`;

const entry = (name: string, args = "root=live:CDLABEL=T-1 rd.live.image") =>
  `label: T-1\ngrub2:\n  entries:\n    - name: ${JSON.stringify(name)}\n      linux: ${
    JSON.stringify(`/images/pxeboot/vmlinuz ${args}`)
  }\n      initrd: /images/pxeboot/initrd.img\n`;

interface Case {
  name: string;
  prepare?: (root: string) => Promise<void>;
  args?: string[];
  code: number;
  message: RegExp;
}

const cases: Case[] = [
  // Contract violations.
  {
    name: "no kernel",
    prepare: (r) => remove(r, `${K}/vmlinuz`),
    code: 2,
    message: /no kernel found/,
  },
  {
    name: "several kernels",
    prepare: (r) => put(r, "usr/lib/modules/6.9.9/vmlinuz", "k"),
    code: 2,
    message: /several kernels: 6\.1\.0-test, 6\.9\.9[\s\S]*--kernel VERSION/,
  },
  {
    name: "--kernel names no kernel",
    args: ["--kernel", "9.9"],
    code: 2,
    message: /--kernel 9\.9: no such kernel/,
  },
  {
    name: "no initramfs",
    prepare: (r) => remove(r, `${K}/initramfs.img`),
    code: 2,
    message: /no initramfs[\s\S]*dracut --no-hostonly --add dmsquash-live/,
  },
  {
    name: "no vendor directory",
    prepare: (r) => remove(r, "usr/lib/efi"),
    code: 2,
    message: /no UEFI vendor directory/,
  },
  {
    name: "several vendor directories",
    prepare: (r) => Deno.mkdir(`${r}/usr/lib/efi/shim/15/EFI/fedora`),
    code: 2,
    message: /several vendor directories: debian, fedora[\s\S]*--vendor/,
  },
  {
    name: "--vendor names no vendor",
    args: ["--vendor", "arch"],
    code: 2,
    message: /--vendor arch: no such vendor/,
  },
  {
    name: "no shim",
    prepare: (r) => remove(r, "boot/efi/EFI/debian/shimx64.efi"),
    code: 2,
    message: /no shimx64\.efi[\s\S]*shim-signed/,
  },
  {
    name: "no MOK manager",
    prepare: (r) => remove(r, "boot/efi/EFI/debian/mmx64.efi"),
    code: 2,
    message: /no mmx64\.efi[\s\S]*shim-helpers-amd64-signed/,
  },
  {
    name: "no CD GRUB",
    prepare: (r) => remove(r, "boot/efi/EFI/debian/gcdx64.efi"),
    code: 2,
    message: /no gcdx64\.efi[\s\S]*grub2-efi-x64-cdboot/,
  },
  {
    name: "no BIOS modules",
    prepare: (r) => remove(r, "usr/lib/grub"),
    code: 2,
    message: /no GRUB i386-pc modules[\s\S]*--no-bios/,
  },
  {
    name: "incomplete BIOS modules",
    prepare: (r) => remove(r, "usr/lib/grub/i386-pc/boot_hybrid.img"),
    code: 2,
    message: /incomplete: no boot_hybrid\.img/,
  },
  // Symlinks out of the image: resolved inside it, as in a chroot; the host's file is never read.
  {
    name: "vmlinuz -> host file (absolute)",
    prepare: (r) => link(r, `${K}/vmlinuz`, CANARY),
    code: 2,
    message: /no kernel found/,
  },
  {
    name: "initramfs.img -> host file (relative, ../ past the root)",
    prepare: (r) => link(r, `${K}/initramfs.img`, `../../../../../../../../..${CANARY}`),
    code: 2,
    message: /no initramfs/,
  },
  {
    name: "iso.yaml -> host file",
    prepare: (r) => link(r, YAML, CANARY),
    code: 2,
    message: /iso\.yaml: exists but is not a regular file inside the image/,
  },
  {
    name: "shimx64.efi -> host file",
    prepare: (r) => link(r, "boot/efi/EFI/debian/shimx64.efi", CANARY),
    code: 2,
    message: /no shimx64\.efi/,
  },
  {
    name: "i386-pc/kernel.img -> host file",
    prepare: (r) => link(r, "usr/lib/grub/i386-pc/kernel.img", CANARY),
    code: 2,
    message: /incomplete: no kernel\.img/,
  },
  {
    name: "/usr/lib/modules -> host directory",
    prepare: (r) => link(r, "usr/lib/modules", canaryDir),
    code: 2,
    message: /no kernel found/,
  },
  {
    name: "a symlink loop",
    prepare: (r) => link(r, `${K}/vmlinuz`, "vmlinuz"),
    code: 2,
    message: /too many levels of symbolic links/,
  },
  // iso.yaml.
  {
    name: "YAML syntax error",
    prepare: (r) => put(r, YAML, 'label: "open\n'),
    code: 2,
    message: /iso\.yaml:\d+:\d+: invalid YAML/,
  },
  {
    name: "duplicate key",
    prepare: (r) => put(r, YAML, "label: A\nlabel: B\n"),
    code: 2,
    message: /iso\.yaml:2:1: invalid YAML/,
  },
  {
    name: "top level is a list",
    prepare: (r) => put(r, YAML, "- a\n"),
    code: 2,
    message: /iso\.yaml:1:1: \(top level\): expected a mapping/,
  },
  {
    name: "timeout is text",
    prepare: (r) => put(r, YAML, "grub2:\n  timeout: soon\n"),
    code: 2,
    message: /iso\.yaml:2:3: grub2\.timeout: expected a whole number/,
  },
  {
    name: "negative timeout",
    prepare: (r) => put(r, YAML, "grub2:\n  timeout: -1\n"),
    code: 2,
    message: /iso\.yaml:2:3: grub2\.timeout: the timeout cannot be negative/,
  },
  {
    name: "entry without initrd",
    prepare: (r) =>
      put(r, YAML, "grub2:\n  entries:\n    - name: a\n      linux: /images/pxeboot/vmlinuz\n"),
    code: 2,
    message: /iso\.yaml:3:7: grub2\.entries\[0\]\.initrd: this key is required/,
  },
  {
    name: "default index names no entry",
    prepare: (r) => put(r, YAML, entry("A").replace("grub2:\n", "grub2:\n  default: 3\n")),
    code: 2,
    message: /iso\.yaml:3:3: grub2\.default: 3 names no entry/,
  },
  {
    name: "default name names no entry",
    prepare: (r) => put(r, YAML, entry("A").replace("grub2:\n", "grub2:\n  default: B\n")),
    code: 2,
    message: /grub2\.default: "B" names no entry/,
  },
  {
    name: "label too long",
    prepare: (r) => put(r, YAML, `label: ${"L".repeat(33)}\n`),
    code: 2,
    message: /iso\.yaml:1:1: label: the label .* has 33 characters; at most 32/,
  },
  {
    name: "label with shell characters",
    prepare: (r) => put(r, YAML, 'label: "a\';reboot"\n'),
    code: 2,
    message: /label: the label .* contains "'" ";"/,
  },
  {
    name: "CDLABEL is not the label",
    prepare: (r) => put(r, YAML, entry("A", "root=live:CDLABEL=Other")),
    code: 2,
    message: /root=live:CDLABEL=Other does not match the ISO label "T-1"/,
  },
  {
    name: "entry name with a newline",
    prepare: (r) => put(r, YAML, entry("A\n}\nmenuentry evil {")),
    code: 2,
    message: /entry name contains a newline or control character/,
  },
  {
    name: "entry name that is a GRUB option",
    prepare: (r) => put(r, YAML, entry("--unrestricted")),
    code: 2,
    message: /starts with "-"/,
  },
  {
    name: "unclosed quote in kernel arguments",
    prepare: (r) => put(r, YAML, entry("A", 'root=live:CDLABEL=T-1 x="open')),
    code: 2,
    message: /a double quote is not closed/,
  },
  {
    name: "kernel_args item with a space",
    prepare: (r) => put(r, YAML, "kernel_args: ['a b']\n"),
    code: 2,
    message: /kernel_args\[0\]: one argument per list item/,
  },
  {
    name: "iso.yaml over 1 MiB",
    prepare: (r) => put(r, YAML, `# ${"x".repeat(1100000)}\n`),
    code: 2,
    message: /larger than 1 MiB/,
  },
  // Options.
  {
    name: "unknown option",
    args: ["--frobnicate"],
    code: 2,
    message: /Unknown option '--frobnicate'/,
  },
  {
    name: "bad compression",
    args: ["--compression", "bzip2"],
    code: 2,
    message: /--compression bzip2: unknown compression/,
  },
  {
    name: "bad zstd level",
    args: ["--compression", "zstd:30"],
    code: 2,
    message: /zstd takes no level 30/,
  },
  {
    name: "output directory missing",
    args: ["-o", "/nonexistent/dir/x.iso"],
    code: 2,
    message: /the directory \/nonexistent\/dir does not exist/,
  },
  {
    name: "bad --chown",
    args: ["--chown", "me"],
    code: 2,
    message: /--chown me: expected UID:GID/,
  },
];

for (const c of cases) {
  Deno.test(`corpus: ${c.name} -> exit ${c.code}`, async () => {
    const root = await makeTree();
    const out = await Deno.makeTempDir({ prefix: "cniso-corpus-out-" });
    try {
      await c.prepare?.(root);
      const r = await cniso(["build", "--rootfs", root, "-o", out, ...(c.args ?? [])]);
      const all = r.stdout + r.stderr;
      assert.equal(r.code, c.code, all);
      assert.match(all, c.message);
      assert.ok(!all.includes(CANARY_TEXT), "host file content leaked into the output");
      assert.deepEqual([...Deno.readDirSync(out)], [], "nothing left at the output");
    } finally {
      await Deno.remove(root, { recursive: true });
      await Deno.remove(out, { recursive: true });
    }
  });
}

Deno.test("corpus: cniso check prints the table and exits 2 on problems, 0 when fine", async () => {
  const root = await makeTree();
  try {
    await remove(root, "boot/efi/EFI/debian/mmx64.efi");
    await link(root, `${K}/initramfs.img`, CANARY);
    const bad = await cniso(["check", "--rootfs", root]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stdout, /FAIL +initramfs/);
    assert.match(bad.stdout, /FAIL +mmx64\.efi/);
    assert.match(bad.stdout, /ok +kernel +\/usr\/lib\/modules\/6\.1\.0-test\/vmlinuz/);
    assert.match(bad.stdout, /2 problems: .* cannot be built/);
    assert.ok(!(bad.stdout + bad.stderr).includes(CANARY_TEXT));
    await put(root, "boot/efi/EFI/debian/mmx64.efi", "mm");
    await remove(root, `${K}/initramfs.img`);
    // A gzip archive without dmsquash-live: a warning, not an error.
    const gz = new Blob(["070701 a cpio without the live module"]).stream().pipeThrough(
      new CompressionStream("gzip"),
    );
    await Deno.writeFile(`${root}/${K}/initramfs.img`, gz);
    const ok = await cniso(["check", "--rootfs", root]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /WARN +initramfs/);
    assert.match(ok.stdout, /has no dracut dmsquash-live module/);
    assert.match(ok.stdout, /OK: .* can be built \(label Test-OS-1\)/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("corpus: a link to a path the image also has reads the image's file, and the ISO holds no host content", async () => {
  const root = await makeTree();
  const out = await Deno.makeTempDir({ prefix: "cniso-corpus-out-" });
  try {
    // /etc/hostname exists on the host too; inside the image it is the image's own file.
    await put(root, "etc/hostname", "image-hostname\n");
    await link(root, `${K}/vmlinuz`, "/etc/hostname");
    await link(root, "etc/os-release", "../../../../../../..".concat(CANARY));
    const r = await cniso(["build", "--rootfs", root, "-o", `${out}/x.iso`, "--no-bios"]);
    assert.equal(r.code, 0, r.stderr);
    // No os-release inside the image: the fallback label.
    assert.match(r.stderr, /label Live-ISO/);
    const iso = await Deno.readFile(`${out}/x.iso`);
    const text = new TextDecoder("latin1").decode(iso);
    assert.ok(!text.includes(CANARY_TEXT), "host file content in the ISO");
    assert.ok(text.includes("image-hostname"), "the image's own file is the kernel");
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("corpus: unknown image -> exit 2", async () => {
  const r = await cniso(["build", "localhost/no-such-image-cniso-test"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /no image "localhost\/no-such-image-cniso-test" in local podman storage/);
});

Deno.test("corpus: remove the canary", async () => {
  await Deno.remove(canaryDir, { recursive: true });
});
