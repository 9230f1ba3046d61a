import assert from "node:assert/strict";
import { discover } from "../image/contract.ts";
import { ImageRoot } from "../image/image_root.ts";
import { formatCompression, mksquashfsCompressionArgs, parseCompression } from "./compression.ts";
import { parseExcludes } from "./exclude.ts";
import { makePlan, planSteps } from "./plan.ts";
import { formatPlan } from "./plan_text.ts";
import { makeTree, put } from "../../testing/tree.ts";
import type { PayloadInput } from "../payload/payload_plan.ts";
import type { SelinuxInput } from "../selinux/selinux_plan.ts";

async function planFor(
  options: {
    noBios?: boolean;
    excludes?: string[];
    rootfsType?: "erofs";
    payload?: PayloadInput;
    selinux?: SelinuxInput;
    dropHostLabels?: boolean;
    copyKernels?: boolean;
  } = {},
  prepare: (root: string) => Promise<void> = async () => {},
) {
  const root = await makeTree();
  await prepare(root);
  const { contract } = await discover(new ImageRoot(root), options);
  assert.ok(contract);
  const plan = makePlan({
    image: "localhost/test",
    rootDir: root,
    contract,
    label: "Test-1",
    grubConfig: "set timeout=1\n",
    loopbackConfig: "set timeout=2\n",
    output: "/out/Test-1.iso",
    workDir: "/out/.cniso-x",
    compression: parseCompression("zstd"),
    excludes: options.excludes,
    epoch: 1700000000,
    rootfsType: options.rootfsType,
    payload: options.payload,
    selinux: options.selinux,
    dropHostLabels: options.dropHostLabels,
    copyKernels: options.copyKernels,
  });
  await Deno.remove(root, { recursive: true });
  return { plan, root };
}

Deno.test("plan: the ISO tree is laid out as the contract's table says", async () => {
  const { plan, root } = await planFor();
  const iso = Object.fromEntries(plan.iso.map((p) => [p.target, p.source]));
  assert.equal(iso["/LiveOS/squashfs.img"], "/out/.cniso-x/squashfs.img");
  assert.equal(iso["/images/pxeboot/vmlinuz"], `${root}/usr/lib/modules/6.1.0-test/vmlinuz`);
  assert.equal(
    iso["/images/pxeboot/initrd.img"],
    `${root}/usr/lib/modules/6.1.0-test/initramfs.img`,
  );
  assert.equal(iso["/EFI/BOOT/BOOTX64.EFI"], `${root}/boot/efi/EFI/debian/shimx64.efi`);
  assert.equal(iso["/EFI/BOOT/mmx64.efi"], `${root}/boot/efi/EFI/debian/mmx64.efi`);
  assert.equal(iso["/EFI/BOOT/grubx64.efi"], `${root}/boot/efi/EFI/debian/gcdx64.efi`);
  for (const cfg of ["/EFI/BOOT/grub.cfg", "/boot/grub2/grub.cfg", "/boot/grub/grub.cfg"]) {
    assert.equal(iso[cfg], "/out/.cniso-x/grub.cfg");
  }
  assert.equal(iso["/images/eltorito.img"], "/out/.cniso-x/eltorito.img");
  assert.equal(iso["/images/efiboot.img"], "/out/.cniso-x/efiboot.img");
  assert.equal(iso["/boot/grub2/i386-pc"], "/out/.cniso-x/i386-pc");
  assert.deepEqual(plan.esp.map((p) => p.target), [
    "/EFI/BOOT/BOOTX64.EFI",
    "/EFI/BOOT/mmx64.efi",
    "/EFI/BOOT/grubx64.efi",
    "/EFI/BOOT/grub.cfg",
  ]);
  assert.equal(plan.copies.length, 15);
});

Deno.test("plan: squashfs straight from the image root, zstd level 5 in 1 MiB blocks by default", async () => {
  const { plan, root } = await planFor();
  const sq = planSteps(plan).find((s) => s.tool === "mksquashfs")!;
  assert.deepEqual(sq.args.slice(0, 2), [root, "/out/.cniso-x/squashfs.img"]);
  assert.deepEqual(sq.args.slice(-6), [
    ...["-comp", "zstd", "-Xcompression-level", "5", "-b", "1048576"],
  ]);
});

Deno.test("plan: xorriso gets the hybrid flags of the contract", async () => {
  const { plan } = await planFor();
  const x = planSteps(plan).find((s) => s.tool === "xorriso")!.args.join(" ");
  for (
    const flag of [
      "-as mkisofs -o /out/.cniso-x/cniso.iso -r -J -V Test-1",
      "--grub2-mbr /out/.cniso-x/i386-pc/boot_hybrid.img",
      "-partition_offset 16 -appended_part_as_gpt",
      "-append_partition 2 C12A7328-F81F-11D2-BA4B-00A0C93EC93B /out/.cniso-x/efiboot.img",
      "-iso_mbr_part_type EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
      "-c boot.cat --boot-catalog-hide",
      "-b images/eltorito.img -no-emul-boot -boot-load-size 4 -boot-info-table --grub2-boot-info",
      "-eltorito-alt-boot -e --interval:appended_partition_2:all:: -no-emul-boot",
      "/LiveOS/squashfs.img=/out/.cniso-x/squashfs.img",
    ]
  ) assert.ok(x.includes(flag), `missing: ${flag}\n${x}`);
  const steps = planSteps(plan).map((s) => s.tool);
  assert.deepEqual(steps.slice(0, 3), ["mksquashfs", "grub-mkimage", "mkfs.fat"]);
  assert.deepEqual(steps.slice(-2), ["xorriso", "implantisomd5"]);
  const mk = planSteps(plan).find((s) => s.tool === "grub-mkimage")!.args;
  assert.deepEqual(mk.slice(0, 8), [
    "-O",
    "i386-pc-eltorito",
    "-d",
    "/out/.cniso-x/i386-pc",
    "-p",
    "/boot/grub2",
    "-o",
    "/out/.cniso-x/eltorito.img",
  ]);
  assert.match(formatPlan(plan), /rename \/out\/\.cniso-x\/cniso\.iso -> \/out\/Test-1\.iso/);
});

Deno.test("plan: --no-bios leaves out every BIOS piece", async () => {
  const { plan } = await planFor({ noBios: true });
  const x = planSteps(plan).find((s) => s.tool === "xorriso")!.args.join(" ");
  assert.ok(!x.includes("--grub2-mbr") && !x.includes("eltorito"), x);
  assert.ok(x.includes("-e --interval:appended_partition_2:all::"));
  assert.equal(planSteps(plan).some((s) => s.tool === "grub-mkimage"), false);
  assert.equal(plan.copies.length, 0);
});

Deno.test("plan: compression option", () => {
  assert.deepEqual(parseCompression("zstd:19"), { algorithm: "zstd", level: 19 });
  assert.deepEqual(parseCompression("gzip"), { algorithm: "gzip" });
  assert.deepEqual(parseCompression("xz"), { algorithm: "xz" });
  assert.throws(() => parseCompression("zstd:99"), /takes no level 99/);
  assert.throws(() => parseCompression("lz4:3"), /takes no level/);
  assert.throws(() => parseCompression("bzip2"), /unknown compression/);
});

Deno.test("plan: compression with a block size", () => {
  assert.deepEqual(parseCompression("zstd:6:1M"), {
    algorithm: "zstd",
    level: 6,
    blockSize: 1048576,
  });
  assert.deepEqual(parseCompression("xz:256K"), { algorithm: "xz", blockSize: 262144 });
  assert.deepEqual(parseCompression("zstd:1M"), {
    algorithm: "zstd",
    level: 5,
    blockSize: 1048576,
  });
  assert.deepEqual(mksquashfsCompressionArgs(parseCompression("xz")), [
    ...["-comp", "xz", "-b", "1048576"],
  ]);
  assert.deepEqual(mksquashfsCompressionArgs(parseCompression("gzip:9:64K")), [
    ...["-comp", "gzip", "-Xcompression-level", "9", "-b", "65536"],
  ]);
  assert.equal(formatCompression(parseCompression("zstd:6:1M")), "zstd:6:1M");
  assert.equal(formatCompression(parseCompression("lz4:4K")), "lz4:4K");
  for (const bad of ["zstd:3:2M", "zstd:3:3K", "zstd:3:1G", "xz:1", "zstd:3:"]) {
    assert.throws(() => parseCompression(bad), /--compression/, bad);
  }
});

Deno.test("plan: --exclude patterns go to mksquashfs's wildcard exclude file", async () => {
  assert.deepEqual(parseExcludes(["/var/lib/rpm", "boot/*/", "... *.pyc", "... /usr/"]), [
    "var/lib/rpm",
    "boot/*",
    "... *.pyc",
    "... usr",
  ]);
  for (
    const bad of [
      ...["/", "", "../etc", "a/../../b", "a\nb", "./var/cache", "/./x", ".", "a//b"],
      ...["usr\\", " usr", "#x", "[ab]", "+(a|b)", "... "],
      // Extended globs: mksquashfs's fnmatch reads them, mkfs.erofs's regex would not.
      ...["etc/*(s)ecret.key", "etc/?(s)ecret", "@(a)", "!(a)", "... *(x)"],
    ]
  ) {
    assert.throws(() => parseExcludes([bad]), /--exclude/, bad);
  }
  const { plan } = await planFor({ excludes: ["var/lib/rpm", "boot/*"] });
  const sq = planSteps(plan).find((s) => s.tool === "mksquashfs")!.args.join(" ");
  assert.match(sq, /-wildcards -ef \/out\/\.cniso-x\/exclude/);
  assert.equal(
    plan.writes.find((w) => w.path === "/out/.cniso-x/exclude")?.content,
    "dev/*\ndev/.*\nvar/lib/rpm\nboot/*\n",
  );
  // /dev's entries never: devtmpfs is /dev at boot, and rootless storage holds no device nodes.
  const none = await planFor();
  assert.equal(
    none.plan.writes.find((w) => w.path === "/out/.cniso-x/exclude")?.content,
    "dev/*\ndev/.*\n",
  );
});

Deno.test("plan: several kernels: the default at the contract's paths, the others by version", async () => {
  const { plan, root } = await planFor({}, async (r) => {
    await put(r, "usr/lib/modules/6.10.3/vmlinuz", "k");
    await put(r, "usr/lib/modules/6.10.3/initramfs.img", "i");
  });
  const iso = Object.fromEntries(plan.iso.map((p) => [p.target, p.source]));
  assert.equal(iso["/images/pxeboot/vmlinuz"], `${root}/usr/lib/modules/6.10.3/vmlinuz`);
  assert.equal(iso["/images/pxeboot/initrd.img"], `${root}/usr/lib/modules/6.10.3/initramfs.img`);
  assert.equal(
    iso["/images/pxeboot/6.1.0-test/vmlinuz"],
    `${root}/usr/lib/modules/6.1.0-test/vmlinuz`,
  );
  assert.equal(
    iso["/images/pxeboot/6.1.0-test/initrd.img"],
    `${root}/usr/lib/modules/6.1.0-test/initramfs.img`,
  );
});

Deno.test("plan: /.disk/info, the marker Debian's GRUB finds its medium by", async () => {
  const { plan } = await planFor();
  const iso = Object.fromEntries(plan.iso.map((p) => [p.target, p.source]));
  assert.equal(iso["/.disk/info"], "/out/.cniso-x/disk-info");
  assert.equal(
    plan.writes.find((w) => w.path === "/out/.cniso-x/disk-info")?.content,
    "Test OS 1 - live ISO Test-1, made by cniso\n",
  );
});

Deno.test("plan: every time the tools write comes from the epoch", async () => {
  const { plan } = await planFor();
  const steps = planSteps(plan);
  const sq = steps.find((s) => s.tool === "mksquashfs")!;
  assert.equal(sq.env?.SOURCE_DATE_EPOCH, "1700000000");
  assert.deepEqual(
    sq.args.slice(sq.args.indexOf("-root-time"), sq.args.indexOf("-root-time") + 2),
    [
      "-root-time",
      "1700000000",
    ],
  );
  const fat = steps.find((s) => s.tool === "mkfs.fat")!;
  assert.deepEqual(fat.args.slice(0, 3), ["--invariant", "-i", "6553f100"]);
  for (const s of steps.filter((s) => ["mmd", "mcopy", "xorriso"].includes(s.tool))) {
    assert.equal(s.env?.SOURCE_DATE_EPOCH, "1700000000", s.title);
    assert.equal(s.env?.TZ, "UTC", s.title);
  }
  assert.match(formatPlan(plan), /SOURCE_DATE_EPOCH=1700000000 TZ=UTC xorriso/);
});

Deno.test("plan: named stages, each one line of progress", async () => {
  const { plan } = await planFor();
  assert.deepEqual(plan.stages.map((s) => s.title), [
    "squashfs of the image",
    "BIOS El Torito image",
    "EFI boot image",
    "hybrid ISO",
    "implant MD5",
  ]);
  const efi = plan.stages[2].steps.map((s) => s.tool);
  assert.deepEqual(efi, ["mkfs.fat", "mmd", "mcopy", "mcopy", "mcopy", "mcopy"]);
  const bare = await planFor({ noBios: true });
  assert.ok(!bare.plan.stages.some((s) => s.title.includes("BIOS")));
});

Deno.test("plan: --rootfs-type erofs makes the live root with mkfs.erofs, at the same path", async () => {
  const { plan, root } = await planFor({ rootfsType: "erofs", excludes: ["var/lib/rpm"] });
  assert.equal(plan.stages[0].title, "EROFS of the image");
  const step = plan.stages[0].steps[0];
  assert.equal(step.tool, "mkfs.erofs");
  assert.deepEqual(step.args.slice(-2), ["/out/.cniso-x/squashfs.img", root]);
  assert.ok(step.args.includes("--exclude-regex=^var/lib/rpm$"));
  assert.equal(step.env?.SOURCE_DATE_EPOCH, "1700000000");
  assert.match(step.args.find((a) => a.startsWith("-U"))!, /^-U[0-9a-f-]{36}$/);
  assert.ok(plan.iso.some((p) => p.target === "/LiveOS/squashfs.img"));
});

const PAYLOADS: PayloadInput["payloads"] = [
  { ref: "localhost/a", id: "a".repeat(64), name: "localhost/a:latest", size: 1, why: "--payload" },
  { ref: "b", id: "b".repeat(64), name: "localhost/b:1", size: 2, why: "--payload" },
];

Deno.test("plan: payloads are copied by skopeo in a private mount namespace, then the live root is made from the view", async () => {
  const { plan, root } = await planFor({
    payload: { payloads: PAYLOADS, format: "containers-storage" },
  });
  const steps = planSteps(plan);
  const copies = steps.filter((s) => s.tool === "skopeo");
  assert.equal(copies.length, 2);
  assert.deepEqual(copies[1].args, [
    "copy",
    "--quiet",
    "--preserve-digests",
    "--remove-signatures",
    `containers-storage:${"b".repeat(64)}`,
    "containers-storage:[overlay@/out/.cniso-x/payload/store+/out/.cniso-x/payload/run]localhost/b:1",
  ]);
  assert.deepEqual(copies[0].via, {
    tool: "unshare",
    args: ["--mount", "--propagation", "private", "--"],
  });
  const squashfs = steps.find((s) => s.tool === "mksquashfs")!;
  assert.equal(squashfs.args[0], "/out/.cniso-x/payload/view", "made from the view");
  assert.equal(squashfs.via?.tool, "unshare");
  // The view script gets the payload directory and the image's root as arguments.
  assert.deepEqual(squashfs.via!.args.slice(-3), ["/out/.cniso-x/payload", root, "--"]);
  assert.ok(steps.indexOf(copies[1]) < steps.indexOf(squashfs), "payloads before the live root");
  const written = plan.writes.map((w) => w.path);
  assert.ok(written.includes("/out/.cniso-x/payload/skel/usr/lib/cniso/payload-store"));
  assert.equal(
    plan.writes.find((w) => w.path.endsWith("/payload-store"))?.mode,
    0o755,
  );
  assert.deepEqual(plan.links, [{
    path:
      "/out/.cniso-x/payload/skel/usr/lib/systemd/system/sysinit.target.wants/cniso-payload-store.service",
    target: "../cniso-payload-store.service",
  }]);
  assert.deepEqual(
    plan.stages[0].files!.dirs.filter((d) => d.mode === 0o700).map((d) => d.path),
    ["/out/.cniso-x/payload/store", "/out/.cniso-x/payload/run"],
  );
  const text = formatPlan(plan);
  assert.match(text, /payload \(containers-storage, into \/var\/lib\/containers\/storage/);
  assert.match(text, /localhost\/b:1 bbbbbbbbbbbb 0\.0 MiB \(--payload\)/);
  assert.match(text, /unshare --mount --propagation private -- \/bin\/sh -c /);
});

Deno.test("plan: --payload-format oci writes an OCI layout into the skeleton; no store, no boot unit", async () => {
  const { plan } = await planFor({ payload: { payloads: PAYLOADS, format: "oci" } });
  const copies = planSteps(plan).filter((s) => s.tool === "skopeo");
  assert.equal(
    copies[0].args.at(-1),
    "oci:/out/.cniso-x/payload/skel/var/lib/cniso/payload:localhost/a:latest",
  );
  assert.deepEqual(plan.links, []);
  assert.ok(!plan.writes.some((w) => w.path.includes("payload-store")));
  assert.equal(plan.payload?.target, "/var/lib/cniso/payload");
});

Deno.test("plan: EROFS is made from the payload's view too; without payloads nothing changes", async () => {
  const { plan } = await planFor({
    rootfsType: "erofs",
    payload: { payloads: PAYLOADS.slice(0, 1), format: "containers-storage" },
  });
  const erofs = planSteps(plan).find((s) => s.tool === "mkfs.erofs")!;
  assert.equal(erofs.args.at(-1), "/out/.cniso-x/payload/view");
  assert.equal(erofs.via?.tool, "unshare");
  const { plan: bare, root } = await planFor();
  assert.ok(!planSteps(bare).some((s) => s.via || s.tool === "skopeo"));
  assert.equal(planSteps(bare).find((s) => s.tool === "mksquashfs")!.args[0], root);
  assert.deepEqual([bare.dirs, bare.links, bare.payload], [[], [], undefined]);
});

Deno.test("plan: a store from the host's records is staged with the payload's step, its layers bound into the view", async () => {
  const layer = "c".repeat(64);
  const hostStore = {
    dirs: ["overlay", `overlay/${layer}`, `overlay/${layer}/diff`],
    writes: [{ path: "overlay-layers/layers.json", content: "[]" }],
    copies: [{ source: `/graph/overlay/${layer}/link`, target: `overlay/${layer}/link`, size: 26 }],
    links: [{ path: `overlay/l/${"L".repeat(26)}`, target: `../${layer}/diff` }],
    binds: [{ source: `/graph/overlay/${layer}/diff`, layer }],
  };
  const { plan } = await planFor({
    payload: { payloads: PAYLOADS, format: "containers-storage", hostStore },
  });
  const stage = plan.stages[0];
  assert.equal(stage.title, "payload: 2 images, layers read in place");
  assert.deepEqual(stage.steps, [], "no copy runs");
  assert.deepEqual(stage.files!.copies, [{
    source: `/graph/overlay/${layer}/link`,
    target: `/out/.cniso-x/payload/store/overlay/${layer}/link`,
    size: 26,
    mode: 0o600,
    fromHost: true,
  }]);
  assert.ok(stage.files!.dirs.every((d) => d.mode === 0o700));
  const squashfs = planSteps(plan).find((s) => s.tool === "mksquashfs")!;
  const via = squashfs.via!.args;
  assert.deepEqual(via.slice(via.indexOf(`/graph/overlay/${layer}/diff`)), [
    `/graph/overlay/${layer}/diff`,
    layer,
    "--",
  ]);
});

const POLICY: SelinuxInput = {
  policy: {
    type: "targeted",
    mode: "enforcing",
    contexts: [
      { suffix: "", file: { imagePath: "/fc", hostPath: "/img/fc", kind: "file", size: 10 } },
      {
        suffix: ".subs",
        file: { imagePath: "/fc.subs", hostPath: "/img/fc.subs", kind: "file", size: 3 },
      },
    ],
  },
  restorecon: "/usr/sbin/restorecon",
};

Deno.test("plan: SELinux: labels looked up before the squashfs, which reads them and leaves the host's out; the unit in the view", async () => {
  const { plan, root } = await planFor({ selinux: POLICY, dropHostLabels: true });
  const titles = plan.stages.map((s) => s.title);
  const labels = plan.stages.find((s) => s.labels)!;
  assert.equal(labels.title, "SELinux labels (targeted policy)");
  assert.ok(titles.indexOf(labels.title) < titles.indexOf("squashfs of the image"));
  assert.deepEqual(labels.labels!.trees, [
    { dir: root, at: "/" },
    { dir: "/out/.cniso-x/payload/skel", at: "/" },
  ]);
  assert.deepEqual(
    plan.copies.filter((c) => c.target.includes("selinux")).map((c) => [c.source, c.target]),
    [["/img/fc", "/out/.cniso-x/selinux/file_contexts"], [
      "/img/fc.subs",
      "/out/.cniso-x/selinux/file_contexts.subs",
    ]],
  );
  const squashfs = planSteps(plan).find((s) => s.tool === "mksquashfs")!;
  const at = squashfs.args.indexOf("-xattrs-exclude");
  assert.deepEqual(squashfs.args.slice(at, at + 4), [
    "-xattrs-exclude",
    "^security\\.selinux$",
    "-pf",
    "/out/.cniso-x/selinux/labels",
  ]);
  assert.equal(squashfs.args[0], "/out/.cniso-x/payload/view", "made from the view");
  const unit = plan.writes.find((w) => w.path.endsWith("cniso-live-relabel.service"))!;
  assert.match(unit.content, /^ExecStart=-\/usr\/sbin\/restorecon -F \/ \/run\/overlayfs /m);
  assert.ok(
    plan.links.some((l) => l.path.endsWith("sysinit.target.wants/cniso-live-relabel.service")),
  );
  assert.match(formatPlan(plan), /SELinux labels \(before the live root's step\):\n {2}walk /);
});

Deno.test("plan: SELinux: without a unit the image is read directly; payload layers are walked where they are bound", async () => {
  const layer = "d".repeat(64);
  const hostStore = {
    dirs: [],
    writes: [],
    copies: [],
    links: [],
    binds: [{ source: `/graph/overlay/${layer}/diff`, layer }],
  };
  const noUnit = await planFor({ selinux: { policy: POLICY.policy } });
  assert.equal(planSteps(noUnit.plan).find((s) => s.tool === "mksquashfs")!.args[0], noUnit.root);
  const { plan, root } = await planFor({
    selinux: POLICY,
    payload: { payloads: PAYLOADS, format: "containers-storage", hostStore },
  });
  assert.deepEqual(plan.stages.find((s) => s.labels)!.labels!.trees, [
    {
      dir: `/graph/overlay/${layer}/diff`,
      at: `/var/lib/containers/storage/overlay/${layer}/diff`,
    },
    { dir: "/out/.cniso-x/payload/store", at: "/var/lib/containers/storage" },
    { dir: root, at: "/" },
    { dir: "/out/.cniso-x/payload/skel", at: "/" },
  ]);
});

Deno.test("plan: SELinux on EROFS: mkfs.erofs looks the labels up; unlabelled, a file_contexts of <<none>> drops the host's", async () => {
  const { plan } = await planFor({ rootfsType: "erofs", selinux: POLICY, dropHostLabels: true });
  assert.ok(!plan.stages.some((s) => s.labels), "no walk of cniso's own");
  const erofs = planSteps(plan).find((s) => s.tool === "mkfs.erofs")!;
  assert.ok(erofs.args.includes("--file-contexts=/out/.cniso-x/selinux/file_contexts"));
  const off = await planFor({ rootfsType: "erofs", dropHostLabels: true });
  const args = planSteps(off.plan).find((s) => s.tool === "mkfs.erofs")!.args;
  assert.ok(args.includes("--file-contexts=/out/.cniso-x/selinux/no_labels"));
  assert.equal(
    off.plan.writes.find((w) => w.path.endsWith("no_labels"))?.content,
    "/.*\t<<none>>\n",
  );
  const old = await planFor({ rootfsType: "erofs" });
  assert.ok(
    !planSteps(old.plan).find((s) => s.tool === "mkfs.erofs")!.args.some((a) =>
      a.startsWith("--file-contexts")
    ),
  );
});

Deno.test("plan: a non-root uid's build grafts copies of the kernel and initramfs, read no further than discovered", async () => {
  const { plan, root } = await planFor({ copyKernels: true });
  const iso = Object.fromEntries(plan.iso.map((p) => [p.target, p.source]));
  const kernel = "/out/.cniso-x/kernels/_images_pxeboot_vmlinuz";
  const initrd = "/out/.cniso-x/kernels/_images_pxeboot_initrd.img";
  assert.equal(iso["/images/pxeboot/vmlinuz"], kernel);
  assert.equal(iso["/images/pxeboot/initrd.img"], initrd);
  const copies = Object.fromEntries(plan.copies.map((c) => [c.target, c]));
  assert.equal(copies[kernel].source, `${root}/usr/lib/modules/6.1.0-test/vmlinuz`);
  assert.equal(copies[initrd].source, `${root}/usr/lib/modules/6.1.0-test/initramfs.img`);
  assert.equal(typeof copies[kernel].size, "number");
  // Root's build grafts them from the image, as before.
  const asRoot = await planFor();
  assert.ok(!asRoot.plan.copies.some((c) => c.target.includes("/kernels/")));
});

Deno.test("plan: the squashfs's / is 0755 whatever podman's storage made of the mount (-root-mode)", async () => {
  const { plan } = await planFor();
  const args = planSteps(plan).find((s) => s.tool === "mksquashfs")!.args;
  assert.equal(args[args.indexOf("-root-mode") + 1], "0755");
});
