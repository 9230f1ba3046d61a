/**
 * SELinux labels (root, podman): the live root of an image with a policy
 * (Debian's reference policy, enforcing, tests/fixtures/images/selinux) is
 * labelled from that policy. Checked by independent tools: the squashfs is
 * extracted with unsquashfs and setfiles (policycoreutils) compares every
 * path's label with what the image's own file_contexts says. A build from a
 * tree that carries foreign labels gives the same labels; `--selinux off`
 * and images without a policy carry none. A mksquashfs too old to write
 * labels is a stand-in on PATH.
 */
import $ from "dax";
import assert from "node:assert/strict";
import { fakePath } from "../../testing/fake_tools.ts";
import { cniso, sidImage, testImage, withMountedImage } from "../../testing/images.ts";

const FC = "etc/selinux/default/contexts/files/file_contexts";

/** Builds the SELinux test image (or a tree) into `dir` and extracts its live root there. */
async function buildAndExtract(dir: string, name: string, args: string[]) {
  const iso = `${dir}/${name}.iso`;
  const r = await cniso(["build", "-o", iso, "--progress", "plain", ...args]);
  assert.equal(r.code, 0, r.stderr);
  const img = `${dir}/${name}.img`;
  await $`xorriso -osirrox on -indev ${iso} -extract /LiveOS/squashfs.img ${img}`.quiet();
  await Deno.remove(iso);
  const root = `${dir}/${name}`;
  await $`unsquashfs -q -no-progress -d ${root} ${img}`.quiet();
  await Deno.remove(img);
  return { root, stderr: r.stderr };
}

/** What setfiles would change: one "Would relabel" line per path whose label is not the policy's. */
async function mismatches(root: string): Promise<string[]> {
  const out = await $`setfiles -F -n -v -r ${root} ${root}/${FC} ${root}`.stderr("inherit").text();
  return out.split("\n").filter((l) => /Would relabel/.test(l));
}

/** Every path's security.selinux, by its path relative to `root` ("." for itself; none: absent). */
async function labels(root: string): Promise<Map<string, string>> {
  const text = await $`getfattr -R -h -m ^security\.selinux$ -d -e text .`.cwd(root)
    .stderr("null").noThrow().text();
  const map = new Map<string, string>();
  let file = "";
  for (const line of text.split("\n")) {
    if (line.startsWith("# file: ")) file = line.slice(8);
    // getfattr -e text quotes the value (and shows a trailing NUL as \000).
    else if (line.startsWith("security.selinux=")) {
      map.set(file, line.slice(17).replace(/^"(.*)"$/, "$1").replace(/\\000$/, ""));
    }
  }
  return map;
}

Deno.test("selinux (root, podman): check reports the policy and that the live root will be labelled", async () => {
  const r = await cniso(["check", await testImage("selinux"), "--json"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const doc = JSON.parse(r.stdout);
  const find = (what: string) => doc.findings.find((f: { what: string }) => f.what === what);
  assert.match(find("SELinux policy").detail, /^default, enforcing$/);
  assert.match(find("SELinux labels").detail, /will be labelled from the default policy/);
  const plain = await cniso(["check", await testImage("live")]);
  assert.match(plain.stdout, /SELinux policy.*none/);
});

Deno.test("selinux (root, podman): every path of the live root carries its policy's label (setfiles finds no mismatch); foreign labels never reach it; --selinux off leaves none", async () => {
  const image = await testImage("selinux");
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-selinux-" });
  try {
    const built = await buildAndExtract(dir, "labelled", [image]);
    assert.match(built.stderr, /SELinux: \d+ paths labelled/);
    assert.deepEqual(await mismatches(built.root), [], "setfiles -n: no path to relabel");
    const want = await labels(built.root);
    assert.ok(want.size > 10_000, `${want.size} labels`);
    assert.equal(want.get("."), "system_u:object_r:root_t:s0");
    assert.match(
      want.get("usr/lib/systemd/system/cniso-live-relabel.service") ?? "",
      /:systemd_unit_t:|:lib_t:|:usr_t:/,
      "cniso's own unit is labelled too",
    );

    // The same image as a tree whose every entry carries a label the build host put there.
    const tree = `${dir}/tree`;
    await withMountedImage(image, async (root) => await $`/bin/cp -a ${root}/. ${tree}`);
    const paths = await $`find . -print0`.cwd(tree).bytes();
    const names = new TextDecoder().decode(paths).split("\0").filter(Boolean);
    const dump = names.map((n) =>
      `# file: ${n}\nsecurity.selinux="system_u:object_r:foreign_t:s0"\n`
    ).join("\n");
    await $`setfattr -h --restore=-`.cwd(tree).stdinText(dump);
    assert.equal((await labels(tree)).get("etc/passwd"), "system_u:object_r:foreign_t:s0");

    // A tree other users can write to is refused: build from a read-only overlay of it.
    const [ro, empty] = [`${dir}/ro`, `${dir}/empty`];
    await Deno.mkdir(ro);
    await Deno.mkdir(empty);
    await $`mount -t overlay -o lowerdir=${tree}:${empty} cniso-test-ro ${ro}`;
    try {
      const fromTree = await buildAndExtract(dir, "foreign", ["--rootfs", ro]);
      const got = await labels(fromTree.root);
      const differ = [...want].filter(([p, l]) => got.get(p) !== l).map(([p]) => p);
      assert.deepEqual(differ.slice(0, 10), [], "the same labels as the image's build");
      assert.equal(got.size, want.size);

      const off = await buildAndExtract(dir, "off", ["--rootfs", ro, "--selinux", "off"]);
      assert.match(off.stderr, /will not be labelled.*enforcing=0/);
      assert.equal((await labels(off.root)).size, 0, "no label at all: the host's are left out");
    } finally {
      await $`umount ${ro}`;
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("selinux (root, podman): a mksquashfs that cannot write labels (a 4.5 stand-in): auto warns and boots permissive, label is bad input", async () => {
  const real = (await $.which("mksquashfs"))!;
  const bin = await fakePath({
    mksquashfs:
      `[ "$1" = -version ] && { echo "mksquashfs version 4.5.1 (2022/03/17)"; exit 0; }\nexec ${real} "$@"`,
  });
  const env = { PATH: `${bin}:${Deno.env.get("PATH")}` };
  const image = await testImage("selinux");
  const out = await Deno.makeTempDir({ prefix: "cniso-selinux-old-" });
  try {
    const dry = await cniso(["build", image, "-o", out, "--dry-run"], { env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /mksquashfs \(4\.5\) cannot write labels/);
    assert.match(dry.stdout, /SELinux: the live root is not labelled/);
    assert.match(dry.stdout, /'enforcing=0'/);
    assert.doesNotMatch(dry.stdout, /xattrs-exclude|-pf/);
    const check = await cniso(["check", image], { env });
    assert.match(check.stdout, /SELinux labels.*will not be labelled: this mksquashfs \(4\.5\)/);
    const insist = await cniso(["build", image, "-o", out, "--selinux", "label"], { env });
    assert.equal(insist.code, 2, insist.stderr);
    assert.match(insist.stderr, /--selinux label.*cannot write labels/);
    assert.match(insist.stderr, /builder image/);
    assert.deepEqual([...Deno.readDirSync(out)], [], "nothing left");
    // An image without a policy has nothing to label from.
    const none = await cniso(["check", await testImage("live"), "--selinux", "label"]);
    assert.equal(none.code, 2);
    assert.match(none.stdout, /no SELinux policy/);
  } finally {
    await Deno.remove(out, { recursive: true });
    await Deno.remove(bin, { recursive: true });
  }
});

Deno.test("selinux (root, podman): an EROFS live root carries its policy's labels too (mkfs.erofs's lookups): setfiles finds no mismatch", async () => {
  // Debian 12's dracut cannot mount EROFS: the sid image can, given the policy of the SELinux image.
  const [sid, policy] = [await sidImage(), await testImage("selinux")];
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-selinux-erofs-" });
  const [etc, view, mnt] = [`${dir}/policy`, `${dir}/view`, `${dir}/mnt`];
  for (const d of [etc, view, mnt]) await Deno.mkdir(d);
  try {
    await withMountedImage(policy, async (root) => {
      await Deno.mkdir(`${etc}/etc`);
      await $`/bin/cp -a ${root}/etc/selinux ${etc}/etc/`;
    });
    await withMountedImage(sid, async (root) => {
      // Read-only: the policy's files over the sid image.
      await $`mount -t overlay -o lowerdir=${etc}:${root} cniso-test-ro ${view}`;
      try {
        const iso = `${dir}/erofs.iso`;
        const r = await cniso([
          ...["build", "--rootfs", view, "-o", iso, "--progress", "plain"],
          ...["--rootfs-type", "erofs", "--compression", "lz4", "--selinux", "label"],
        ]);
        assert.equal(r.code, 0, r.stderr);
        // sid's image has no policycoreutils: no relabel unit, and the build says why.
        assert.match(r.stderr, /the image has no restorecon/);
        await $`xorriso -osirrox on -indev ${iso} -extract /LiveOS/squashfs.img ${dir}/erofs.img`
          .quiet();
      } finally {
        await $`umount ${view}`;
      }
    });
    await $`mount -t erofs -o loop,ro ${dir}/erofs.img ${mnt}`;
    try {
      assert.deepEqual(await mismatches(mnt), [], "setfiles -n: no path to relabel");
      const got = await labels(mnt);
      assert.equal(got.get("."), "system_u:object_r:root_t:s0");
      assert.ok(got.size > 10_000, `${got.size} labels`);
    } finally {
      await $`umount ${mnt}`;
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
