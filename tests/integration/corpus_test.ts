/**
 * A corpus of bad inputs: broken and malicious image trees (checked with
 * `--rootfs`, as an image would be), bad iso.yaml files and bad options. Each
 * has the exact exit code and a fragment of the message. Symlinks that point
 * out of the image aim at a host canary file whose content must appear
 * nowhere. After each case nothing may be left in the output directory.
 */
import assert from "node:assert/strict";
import $ from "dax";
import { cpio, gzip } from "../../testing/cpio.ts";
import { cniso, cnisoMeasured, payloadImage } from "../../testing/images.ts";
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
  env?: Record<string, string>;
  code: number;
  message: RegExp;
}

const BIOS = "usr/lib/grub/i386-pc";
const GiB = 1024 * 1024 * 1024;
/** A sparse file: its size says gigabytes, its disk use is nothing. */
const sparse = async (root: string, name: string, bytes: number) => {
  await put(root, name, "");
  await Deno.truncate(`${root}/${name}`, bytes);
};
const yaml = (text: string) => (r: string) => put(r, YAML, text);

const cases: Case[] = [
  // Resources: sizes are checked before reading, counts are bounded.
  {
    name: "an iso.yaml of 2 GiB (sparse)",
    prepare: (r) => sparse(r, YAML, 2 * GiB),
    code: 2,
    message: /iso\.yaml in the image has 2147483648 bytes; at most \d+ are read/,
  },
  {
    name: "an os-release of 2 GiB (sparse)",
    prepare: (r) => sparse(r, "etc/os-release", 2 * GiB),
    code: 2,
    message: /os-release in the image has 2147483648 bytes/,
  },
  {
    name: "a billion-laughs iso.yaml (aliases)",
    prepare: yaml(
      'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n' +
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d]\n",
    ),
    code: 2,
    message: /expands its aliases .* too often/,
  },
  {
    name: "a timeout of 1e21",
    prepare: yaml("grub2:\n  timeout: 1e21\n"),
    code: 2,
    message: /grub2\.timeout: expected a whole number/,
  },
  {
    name: "a timeout of a day",
    prepare: yaml('grub2:\n  timeout: "86400"\n'),
    code: 2,
    message: /the timeout is at most 3600 seconds/,
  },
  {
    name: "101 menu entries",
    prepare: yaml(
      "grub2:\n  entries:\n" +
        "    - {name: x, linux: /images/pxeboot/vmlinuz, initrd: /images/pxeboot/initrd.img}\n"
          .repeat(101),
    ),
    code: 2,
    message: /at most 100 entries/,
  },
  {
    name: "iso.yaml is a FIFO",
    prepare: async (r) => {
      await put(r, YAML, "");
      await remove(r, YAML);
      await $`/usr/bin/mkfifo ${r}/${YAML}`;
    },
    code: 2,
    message: /iso\.yaml: exists but is not a regular file/,
  },
  // GRUB's modules: grub-mkimage runs as root on them.
  {
    name: "moddep.lst names a host path",
    prepare: (r) => put(r, `${BIOS}/moddep.lst`, "normal: /etc/shadow\n"),
    code: 2,
    message: /moddep\.lst line 1 names the module "\/etc\/shadow": a module name has no path/,
  },
  {
    name: "moddep.lst has a cycle",
    prepare: (r) => put(r, `${BIOS}/moddep.lst`, "normal: search\nsearch: normal\n"),
    code: 2,
    message: /dependency cycle: normal -> search -> normal/,
  },
  {
    name: "a needed module is a FIFO",
    prepare: async (r) => {
      await remove(r, `${BIOS}/normal.mod`);
      await $`/usr/bin/mkfifo ${r}/${BIOS}/normal.mod`;
    },
    code: 2,
    message: /the module normal\.mod is not there/,
  },
  {
    name: "2001 files among the BIOS modules",
    prepare: async (r) => {
      for (let i = 0; i < 2001; i++) await Deno.writeTextFile(`${r}/${BIOS}/x${i}.mod`, "");
    },
    code: 2,
    message: /more than 2000 files/,
  },
  {
    name: "hard links that make the BIOS modules 96 MiB",
    prepare: async (r) => {
      await sparse(r, `${BIOS}/big.mod`, 32 * 1024 * 1024);
      await Deno.link(`${r}/${BIOS}/big.mod`, `${r}/${BIOS}/big2.mod`);
      await Deno.link(`${r}/${BIOS}/big.mod`, `${r}/${BIOS}/big3.mod`);
    },
    code: 2,
    message: /96\.0 MiB of files, more than 64\.0 MiB/,
  },
  // Contract violations.
  {
    name: "no kernel",
    prepare: (r) => remove(r, `${K}/vmlinuz`),
    code: 2,
    message: /no kernel found/,
  },
  {
    name: "several kernels, none with an initramfs",
    prepare: async (r) => {
      await put(r, "usr/lib/modules/6.9.9/vmlinuz", "k");
      await remove(r, `${K}/initramfs.img`);
    },
    code: 2,
    message: /6\.9\.9\/initramfs\.img: no initramfs[\s\S]*dracut .*6\.9\.9/,
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
    prepare: async (r) => {
      await remove(r, "usr/lib/efi");
      await remove(r, "boot/efi");
    },
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
    message: /has 1100003 bytes; at most 1048576 are read/,
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
    name: "a block size squashfs cannot take",
    args: ["--compression", "zstd:5:2M"],
    code: 2,
    message: /--compression zstd:5:2M: no block size 2M/,
  },
  {
    name: "an --exclude that leaves the image",
    args: ["--exclude", "../etc"],
    code: 2,
    message: /--exclude "\.\.\/etc": names no path inside the image/,
  },
  {
    name: "an --exclude mksquashfs would read otherwise",
    args: ["--exclude", "usr\\"],
    code: 2,
    message: /--exclude .*uses a character mksquashfs and mkfs\.erofs read differently/,
  },
  {
    name: "an --exclude with an extended glob (squashfs would drop the file, EROFS keep it)",
    args: ["--exclude", "etc/*(s)ecret.key", "--rootfs-type", "erofs"],
    code: 2,
    message: /--exclude "etc\/\*\(s\)ecret\.key": uses a character .* an extended glob/,
  },
  {
    name: "an --selinux mode that does not exist",
    args: ["--selinux", "enforcing"],
    code: 2,
    message: /--selinux enforcing: expected one of auto, label, off/,
  },
  {
    name: "an unknown --rootfs-type",
    args: ["--rootfs-type", "ext4"],
    code: 2,
    message: /--rootfs-type ext4: expected one of squashfs, erofs/,
  },
  {
    name: "an EROFS the image's dracut cannot mount",
    args: ["--rootfs-type", "erofs"],
    code: 2,
    message: /no dracut dmsquash-live module[\s\S]*--rootfs-type squashfs/,
  },
  {
    name: "a SOURCE_DATE_EPOCH before 1980",
    env: { SOURCE_DATE_EPOCH: "86400" },
    code: 2,
    message: /SOURCE_DATE_EPOCH=86400: not a time cniso can use/,
  },
  {
    name: "a payload not in local storage",
    args: ["--payload", "localhost/cniso-no-such-payload:1"],
    code: 2,
    message:
      /no image "localhost\/cniso-no-such-payload:1" in local podman storage[\s\S]*podman pull localhost\/cniso-no-such-payload:1/,
  },
  {
    name: "--payload-bound without a payload",
    args: ["--payload-bound"],
    code: 2,
    message: /--payload-bound needs --payload REF/,
  },
  {
    name: "an unknown --payload-format",
    args: ["--payload", "localhost/x", "--payload-format", "tar"],
    code: 2,
    message: /--payload-format tar: expected one of containers-storage, oci/,
  },
  {
    name: "a payload where the image has its own container storage",
    prepare: async (root) => {
      await payloadImage("payload-b");
      await Deno.mkdir(`${root}/var/lib/containers/storage/overlay`, { recursive: true });
    },
    args: ["--payload", "localhost/cniso-payload-b:latest"],
    code: 2,
    message:
      /\/var\/lib\/containers\/storage: the image has its own container storage at \/var\/lib\/containers\/storage; the payload would hide it/,
  },
  {
    name: "a payload with a --rootfs tree that holds an overlay whiteout (root)",
    prepare: async (root) => {
      await payloadImage("payload-b");
      await $`mknod ${root}/usr/lib/wh c 0 0`;
    },
    args: ["--payload", "localhost/cniso-payload-b:latest"],
    code: 2,
    message: /\/usr\/lib\/wh: a 0\/0 character device \(an overlay whiteout\)/,
  },
  {
    name: "an SELinux relabel unit over a --rootfs tree that holds an overlay whiteout",
    prepare: async (root) => {
      await withPolicy(root, "/.*\tsystem_u:object_r:default_t:s0\n");
      await put(root, "usr/sbin/restorecon", "#!/bin/sh\n");
      await $`mknod ${root}/usr/lib/${"wh\nx"} c 0 0`;
    },
    code: 2,
    message: /\/usr\/lib\/wh\\x0ax: a 0\/0 character device \(an overlay whiteout\)/,
  },
  {
    name: "a path with a newline in a tree to be labelled",
    prepare: async (root) => {
      await withPolicy(root, "/.*\tsystem_u:object_r:default_t:s0\n");
      await put(root, "etc/a\nb", "");
    },
    code: 2,
    message: /a path with a newline in its name.*\/etc\/a\\x0ab[^]*--selinux off/,
  },
  {
    name: "an SELinux config whose policy name leaves /etc/selinux",
    prepare: (root) => put(root, "etc/selinux/config", "SELINUX=enforcing\nSELINUXTYPE=../../x\n"),
    code: 2,
    message: /\/etc\/selinux\/config: line 2: SELINUXTYPE=\.\.\/\.\.\/x is not a policy name/,
  },
  {
    name: "a file_contexts whose label is not a security context",
    prepare: (root) => withPolicy(root, "/.*\tsystem_u:object_r:x_t:s0;reboot\n"),
    code: 2,
    message: /file_contexts gives a label that is not a security context/,
  },
  {
    name: "a payload with a --rootfs file the overlay view refuses to read (root)",
    prepare: async (root) => {
      await payloadImage("payload-b");
      await $`setfattr -n trusted.overlay.metacopy -v ${""} ${root}/etc/os-release`;
    },
    args: ["--payload", "localhost/cniso-payload-b:latest", "--no-bios"],
    code: 1,
    message:
      /mksquashfs could not read 1 entry of the image and would leave it out:\ncniso: +Cannot stat .*os-release because Operation not permitted, ignoring/,
  },
  {
    name: "a payload reference that is a store specification",
    args: ["--payload", "containers-storage:[overlay@/tmp/x+/tmp/r]x"],
    code: 2,
    message:
      /--payload "containers-storage:\[overlay@\/tmp\/x\+\/tmp\/r\]x": not an image reference/,
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

/** An SELinux policy in the tree: its config and a file_contexts. */
async function withPolicy(root: string, fileContexts: string) {
  await put(root, "etc/selinux/config", "SELINUX=enforcing\nSELINUXTYPE=targeted\n");
  await put(root, "etc/selinux/targeted/contexts/files/file_contexts", fileContexts);
}

for (const c of cases) {
  Deno.test(`corpus: ${c.name} -> exit ${c.code}`, async () => {
    const root = await makeTree();
    const out = await Deno.makeTempDir({ prefix: "cniso-corpus-out-" });
    try {
      await c.prepare?.(root);
      const r = await cnisoMeasured(
        ["build", "--rootfs", root, "-o", out, ...(c.args ?? [])],
        c.env,
      );
      const all = r.stdout + r.stderr;
      assert.equal(r.code, c.code, all);
      // Bounds, not speed targets: a hang or a read of gigabytes would break them by far.
      assert.ok(r.seconds < 60, `took ${r.seconds.toFixed(1)} s`);
      assert.ok(r.maxRssMiB < 400, `peak memory ${r.maxRssMiB.toFixed(0)} MiB`);
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
    // A gzip cpio without dmsquash-live: an error, before anything is built; --accept-initramfs
    // makes it a warning.
    await Deno.writeFile(`${root}/${K}/initramfs.img`, await gzip(cpio({ "init": "#!/bin/sh" })));
    const nolive = await cniso(["check", "--rootfs", root]);
    assert.equal(nolive.code, 2, nolive.stdout + nolive.stderr);
    assert.match(nolive.stdout, /FAIL +live boot .*has no dracut dmsquash-live module/);
    const accepted = await cniso(["check", "--rootfs", root, "--accept-initramfs"]);
    assert.equal(accepted.code, 0, accepted.stdout + accepted.stderr);
    assert.match(accepted.stdout, /WARN +live boot .*--accept-initramfs/);
    // Bytes that are no cpio: could not tell, a warning.
    const gz = new Blob(["070701 not a cpio header"]).stream().pipeThrough(
      new CompressionStream("gzip"),
    );
    await Deno.writeFile(`${root}/${K}/initramfs.img`, gz);
    const ok = await cniso(["check", "--rootfs", root]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /WARN +live boot .*could not look inside/);
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

Deno.test("corpus: text from the image reaches the terminal without its escape sequences", async () => {
  const root = await makeTree({
    // Retitle the terminal, clear it, set the clipboard, fake an OK line.
    osRelease: 'PRETTY_NAME="\x1b]0;owned\x07Evil\x1b[2J\x1b]52;c;Y2xpcA==\x07"\nNAME=x\n',
    isoYaml: "label: T-1\n\x1b[32mOK\x1b[0m: 1\n",
  });
  try {
    await put(root, `usr/lib/modules/6.9\x1b[2J/vmlinuz`, "kernel");
    await put(root, `usr/lib/modules/6.9\x1b[2J/initramfs.img`, "initramfs");
    for (const args of [["check", "--rootfs", root], ["build", "--rootfs", root, "--dry-run"]]) {
      const r = await cniso(args);
      const all = r.stdout + r.stderr;
      assert.equal(r.code, 0, all);
      // The highest version is the default, at the ISO's fixed paths; the name is only shown.
      assert.match(all, /6\.9\\x1b\[2J(, 0\.0 MiB;|:) default: the highest version of 2/);
      for (const c of ["\x1b", "\x07", "\x9b"]) {
        assert.ok(!all.includes(c), `raw control characters in: ${JSON.stringify(all)}`);
      }
      assert.match(all, /6\.9\\x1b\[2J/, "the name is shown, escaped");
    }
    const check = await cniso(["check", "--rootfs", root, "--kernel", KVER]);
    assert.ok(!(check.stdout + check.stderr).includes("\x1b"), check.stdout);
    assert.match(check.stdout, /Evil/);
    assert.match(check.stdout, /unknown key \\x1b\[32mOK\\x1b\[0m is ignored/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
