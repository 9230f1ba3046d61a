/**
 * Hostile output directories, trees and environments (need root): another
 * user who owns the output directory and swaps paths mid-build (made
 * deterministic by a stand-in tool that performs the swap as that user),
 * setuid files in the image, trees others can write, signals and leftovers,
 * and ordinary environment faults. Each checks the exit code, the message,
 * that no host file was read or changed, and that nothing is left behind.
 */
import $ from "dax";
import assert from "node:assert/strict";
import * as path from "node:path";
import { fakePath, sleeperScript } from "../../testing/fake_tools.ts";
import {
  cniso,
  noInternalError,
  PERMISSIONS,
  REPO,
  spawnCniso,
  waitForProcess,
} from "../../testing/images.ts";
import { makeTree, put } from "../../testing/tree.ts";

const NOBODY = 65534;
const AS_NOBODY = ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"];

/** A directory owned by nobody (the other user), in /var/tmp. */
async function nobodysDir(prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix });
  await Deno.chown(dir, NOBODY, NOBODY);
  return dir;
}

/** A root-owned directory with a canary file: what an attacker would like root to write into. */
async function victim(): Promise<{ dir: string; canary: string; check: () => Promise<void> }> {
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-victim-" });
  const canary = path.join(dir, "canary");
  const secret = `CANARY-${crypto.randomUUID()}`;
  await Deno.writeTextFile(canary, secret);
  return {
    dir,
    canary,
    async check() {
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["canary"], "nothing added");
      assert.equal(await Deno.readTextFile(canary), secret, "the canary is unchanged");
      const info = await Deno.stat(canary);
      assert.deepEqual([info.uid, info.gid], [0, 0], "the canary still belongs to root");
    },
  };
}

async function removeAll(...dirs: string[]) {
  for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
}

/** A tree whose BIOS modules are the host's real GRUB i386-pc modules (so grub-mkimage runs). */
async function treeWithRealModules(): Promise<string> {
  const root = await makeTree();
  await Deno.remove(path.join(root, "usr/lib/grub/i386-pc"), { recursive: true });
  await $`/usr/bin/cp -a /usr/lib/grub/i386-pc ${path.join(root, "usr/lib/grub/")}`;
  return root;
}

Deno.test("hostile (root): the output directory's owner swaps paths mid-build: root works elsewhere, the ISO lands in the real directory", async () => {
  const root = await makeTree();
  const out = await nobodysDir("cniso-hostile-out-");
  const seen = await Deno.makeTempFile({ dir: "/var/tmp", prefix: "cniso-seen-" });
  await Deno.chown(seen, NOBODY, NOBODY);
  const target = await victim();
  // As nobody, while implantisomd5 is about to run (the last step before the ISO is placed):
  // note what cniso has in the directory, move the directory away and link its name to the victim.
  const swap = `${AS_NOBODY.join(" ")} sh -c 'ls -A "$0" > "$2"; mv "$0" "$0.moved" && ` +
    `ln -s "$1" "$0"' ${out} ${target.dir} ${seen}`;
  const bin = await fakePath({
    implantisomd5: `${swap}\nexec ${await $.which("implantisomd5")} "$@"`,
  });
  try {
    const r = await cniso(["build", "--rootfs", root, "--no-bios", "-o", `${out}/x.iso`], {
      env: { PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin` },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await Deno.lstat(out)).isSymlink, "the swap happened");
    assert.equal(
      await Deno.readTextFile(seen),
      "",
      "nothing of cniso's in the user's directory mid-build",
    );
    await target.check();
    const iso = await Deno.lstat(`${out}.moved/x.iso`);
    assert.ok(iso.isFile, "the ISO is in the directory that was given, wherever it moved");
    assert.deepEqual([iso.uid, iso.gid], [NOBODY, NOBODY], "the ISO is the directory owner's");
    assert.equal((await $`checkisomd5 ${out}.moved/x.iso`.noThrow().quiet()).code, 0, "whole");
    assert.deepEqual([...Deno.readDirSync(`${out}.moved`)].map((e) => e.name), ["x.iso"]);
  } finally {
    await removeAll(root, out, `${out}.moved`, seen, target.dir, bin);
  }
});

Deno.test("hostile (root): another user's directory on another file system: the ISO is copied in, theirs", async () => {
  const root = await makeTree();
  const mnt = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-otherfs-" });
  try {
    await $`mount -t tmpfs -o size=64m,uid=${NOBODY},gid=${NOBODY},mode=0755 tmpfs ${mnt}`;
    await $`${AS_NOBODY} ln -s /etc/passwd ${mnt}/x.iso`;
    const r = await cniso(["build", "--rootfs", root, "--no-bios", "-o", `${mnt}/x.iso`]);
    assert.equal(r.code, 0, r.stderr);
    const iso = await Deno.lstat(`${mnt}/x.iso`);
    assert.ok(iso.isFile, "the planted link was replaced");
    assert.deepEqual([iso.uid, iso.gid], [NOBODY, NOBODY]);
    assert.equal((await $`checkisomd5 ${mnt}/x.iso`.noThrow().quiet()).code, 0, "whole");
    assert.deepEqual([...Deno.readDirSync(mnt)].map((e) => e.name), ["x.iso"]);
    assert.ok((await Deno.readTextFile("/etc/passwd")).startsWith("root:"), "/etc/passwd intact");
  } finally {
    await $`umount ${mnt}`.noThrow();
    await removeAll(root, mnt);
  }
});

Deno.test("hostile (root): an output path through another user's symlink to a root-only directory is refused", async () => {
  const root = await makeTree();
  const home = await nobodysDir("cniso-home-");
  const target = await victim();
  try {
    await $`${AS_NOBODY} ln -s ${target.dir} ${home}/out`;
    const r = await cniso(["build", "--rootfs", root, "--no-bios", "-o", `${home}/out/x.iso`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /reached by a path that other users can change, but only root can write there/,
    );
    await target.check();
  } finally {
    await removeAll(root, home, target.dir);
  }
});

Deno.test("hostile (root): an output path through one user's symlink to a third user's private directory is refused, naming it", async () => {
  const root = await makeTree();
  const home = await nobodysDir("cniso-home-");
  // User B (uid 4242): a private directory holding an ISO of the same name.
  const theirs = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-third-" });
  await Deno.writeTextFile(`${theirs}/x.iso`, "B's own ISO");
  await Deno.chown(`${theirs}/x.iso`, 4242, 4242);
  await Deno.chmod(theirs, 0o700);
  await Deno.chown(theirs, 4242, 4242);
  try {
    await $`${AS_NOBODY} ln -s ${theirs} ${home}/out`;
    const r = await cniso(["build", "--rootfs", root, "--no-bios", "-o", `${home}/out/x.iso`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`leads to ${theirs}, which belongs to uid 4242`));
    assert.match(r.stderr, new RegExp(`uid ${NOBODY} can change the way there`));
    assert.equal(await Deno.readTextFile(`${theirs}/x.iso`), "B's own ISO");
    assert.deepEqual([...Deno.readDirSync(theirs)].map((e) => e.name), ["x.iso"]);
  } finally {
    await removeAll(root, home, theirs);
  }
});

Deno.test("hostile (root): a symlink at the ISO's name is replaced; the file it names is untouched", async () => {
  const root = await makeTree();
  const out = await nobodysDir("cniso-hostile-out-");
  const target = await victim();
  try {
    await $`${AS_NOBODY} ln -s ${target.canary} ${out}/x.iso`;
    const r = await cniso(["build", "--rootfs", root, "--no-bios", "-o", `${out}/x.iso`]);
    assert.equal(r.code, 0, r.stderr);
    await target.check();
    const iso = await Deno.lstat(`${out}/x.iso`);
    assert.ok(iso.isFile && !iso.isSymlink, "the link itself was replaced by the ISO");
  } finally {
    await removeAll(root, out, target.dir);
  }
});

Deno.test("hostile (root): setuid and setgid files among the image's GRUB modules lose those bits", async () => {
  const root = await treeWithRealModules();
  const out = await Deno.makeTempDir({ prefix: "cniso-hostile-out-" });
  try {
    await Deno.chmod(path.join(root, "usr/lib/grub/i386-pc/normal.mod"), 0o4755);
    await Deno.chmod(path.join(root, "usr/lib/grub/i386-pc/boot.mod"), 0o2755);
    const r = await cniso(["build", "--rootfs", root, "-o", `${out}/x.iso`]);
    assert.equal(r.code, 0, r.stderr);
    const listing = await $`xorriso -indev ${out}/x.iso -lsdl ${"/boot/grub2/i386-pc/*"}`.quiet()
      .text();
    const modes = listing.split("\n").filter((l) => /\.mod'$/.test(l)).map((l) => l.slice(0, 10));
    assert.ok(modes.length > 100, "the modules are on the ISO");
    assert.deepEqual(modes.filter((m) => /[sS]/.test(m)), [], "no setuid or setgid bit");
  } finally {
    await removeAll(root, out);
  }
});

Deno.test("hostile (root): a --rootfs tree another user can change is refused (exit 2), naming why", async () => {
  const out = await Deno.makeTempDir({ prefix: "cniso-hostile-out-" });
  const cases: [string, (root: string) => Promise<void>, RegExp][] = [
    ["owned by another user", (r) => Deno.chown(r, NOBODY, NOBODY), /is owned by uid 65534/],
    [
      "a world-writable directory inside",
      async (r) => {
        await Deno.mkdir(`${r}/tmp`);
        await Deno.chmod(`${r}/tmp`, 0o1777);
      },
      /\/tmp is writable by every user \(mode 1777\)/,
    ],
    [
      "a file's directory owned by another user",
      (r) => Deno.chown(`${r}/boot/efi/EFI/debian`, NOBODY, NOBODY),
      /EFI\/debian is owned by uid 65534/,
    ],
  ];
  try {
    for (const [name, spoil, message] of cases) {
      const root = await makeTree();
      await spoil(root);
      const r = await cniso(["build", "--rootfs", root, "--no-bios", "-o", out]);
      await removeAll(root);
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, message, name);
      assert.match(r.stderr, /chown -R root:root/);
      assert.deepEqual([...Deno.readDirSync(out)], [], `${name}: nothing left`);
    }
  } finally {
    await removeAll(out);
  }
});

Deno.test("hostile (root): the same tree on a read-only file system builds; a read-only bind of it is refused", async () => {
  const root = await makeTree();
  const ro = await Deno.makeTempDir({ prefix: "cniso-rofs-" });
  const bind = await Deno.makeTempDir({ prefix: "cniso-robind-" });
  const out = await Deno.makeTempDir({ prefix: "cniso-hostile-out-" });
  try {
    await Deno.mkdir(`${root}/tmp`);
    await Deno.chmod(`${root}/tmp`, 0o1777);
    // A file system that is read-only itself (as podman's image mounts are): nobody can write it.
    await $`mount -t tmpfs -o size=16m tmpfs ${ro}`;
    await $`/usr/bin/cp -a ${root}/. ${ro}/`;
    await $`mount -o remount,ro ${ro}`;
    const r = await cniso(["build", "--rootfs", ro, "--no-bios", "-o", `${out}/x.iso`]);
    assert.equal(r.code, 0, r.stderr);
    // A read-only bind of a writable tree: still writable through its other path.
    await $`mount --bind ${root} ${bind}`;
    await $`mount -o remount,bind,ro ${bind}`;
    const b = await cniso(["build", "--rootfs", bind, "--no-bios", "-o", `${out}/y.iso`]);
    assert.equal(b.code, 2, b.stderr);
    assert.match(b.stderr, /tmp is writable by every user/);
  } finally {
    for (const m of [ro, bind]) await $`umount ${m}`.noThrow();
    await removeAll(root, ro, bind, out);
  }
});

Deno.test("hostile (root): a build killed with SIGKILL leaves its work directory; the next build there removes it", async () => {
  const root = await makeTree();
  const out = await Deno.makeTempDir({ prefix: "cniso-stale-" });
  const sleeper = `sleep 120.${Math.floor(Math.random() * 1e6)}`;
  const bin = await fakePath({ mksquashfs: sleeperScript(sleeper) });
  try {
    const child = spawnCniso(["build", "--rootfs", root, "--no-bios", "-o", `${out}/x.iso`], {
      PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`,
    });
    assert.ok(await waitForProcess(`^${sleeper}$`), "mksquashfs (the sleeper) started");
    // A running build's work directory is not stale: a build now must leave it alone.
    const during = await cniso(["build", "--rootfs", root, "--no-bios", "-o", `${out}/y.iso`]);
    assert.equal(during.code, 0, during.stderr);
    const running = [...Deno.readDirSync(out)].filter((e) => e.name.startsWith(".cniso-"));
    assert.equal(running.length, 1, "the running build's directory is kept");
    child.kill("SIGKILL");
    await child.output();
    await $`pkill -f ${`^${sleeper}$`}`.noThrow();
    const r = await cniso(["build", "--rootfs", root, "--no-bios", "-o", `${out}/x.iso`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`removed what killed builds left in .*${running[0].name}`));
    assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name).sort(), ["x.iso", "y.iso"]);
  } finally {
    await removeAll(root, out, bin);
  }
});

/** Runs the CLI as nobody, from a copy of the code that nobody can read. */
async function cnisoAsNobody(args: string[], env: Record<string, string> = {}) {
  const copy = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-code-" });
  try {
    for (const name of ["main.ts", "lib", "builder", "deno.json", "deno.lock", "node_modules"]) {
      await $`/usr/bin/cp -a ${path.join(REPO, name)} ${copy}/`;
    }
    await $`/usr/bin/chmod -R a+rX ${copy}`;
    await Deno.mkdir(`${copy}/.deno`);
    await Deno.chown(`${copy}/.deno`, NOBODY, NOBODY);
    const out = await new Deno.Command(AS_NOBODY[0], {
      args: [
        ...AS_NOBODY.slice(1),
        ...[Deno.execPath(), "run", ...PERMISSIONS, "--no-prompt", "--cached-only"],
        ...[`${copy}/main.ts`, ...args],
      ],
      env: { HOME: `${copy}/.deno`, DENO_DIR: `${copy}/.deno`, NO_COLOR: "1", ...env },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return noInternalError({
      code: out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
    });
  } finally {
    await removeAll(copy);
  }
}

Deno.test("environment (root, as another user): an output directory that user cannot write: exit 1, one line", async () => {
  const root = await makeTree();
  const out = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-rootonly-" });
  try {
    await $`/usr/bin/chmod -R a+rX ${root}`;
    await Deno.chmod(out, 0o755);
    const r = await cnisoAsNobody(["build", "--rootfs", root, "--no-bios", "-o", out], {
      PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /^cniso: error: cannot write to .*cniso-rootonly-.*: permission denied$/m,
    );
    assert.ok(!/\n\s+at /.test(r.stderr), "no stack trace");
    assert.deepEqual([...Deno.readDirSync(out)], []);
  } finally {
    await removeAll(root, out);
  }
});

Deno.test("environment (root, as another user): a PATH directory that user cannot read is passed over", async () => {
  const root = await makeTree();
  const out = await nobodysDir("cniso-nobody-out-");
  const locked = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-locked-" });
  try {
    await $`/usr/bin/chmod -R a+rX ${root}`;
    await Deno.chmod(locked, 0o700);
    const r = await cnisoAsNobody(["build", "--rootfs", root, "--no-bios", "-o", `${out}/x.iso`], {
      PATH: `${locked}:/usr/sbin:/usr/bin:/sbin:/bin`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await Deno.stat(`${out}/x.iso`)).isFile);
  } finally {
    await removeAll(root, out, locked);
  }
});

Deno.test("environment (root): an output on a read-only file system: exit 1, one line, nothing left", async () => {
  const root = await makeTree();
  const mnt = await Deno.makeTempDir({ prefix: "cniso-rofs-" });
  try {
    await $`mount -t tmpfs -o size=1m,ro tmpfs ${mnt}`;
    const r = await cniso(["build", "--rootfs", root, "--no-bios", "-o", `${mnt}/x.iso`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^cniso: error: cannot write to .*: the file system is read-only$/m);
  } finally {
    await $`umount ${mnt}`.noThrow();
    await removeAll(root, mnt);
  }
});

Deno.test("environment: boot-test with a TMPDIR that does not exist: exit 1, one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cniso-tmpdir-" });
  try {
    await put(dir, "tree/boot/grub2/grub.cfg", "set default=0\nmenuentry 'X' {\n linux /k\n}\n");
    await $`xorriso -as mkisofs -R -o ${dir}/t.iso ${dir}/tree`.quiet();
    const r = await cniso(["boot-test", `${dir}/t.iso`], {
      env: { TMPDIR: `${dir}/no-such-dir` },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /^cniso: error: cannot create a temporary directory in .*no-such-dir \(TMPDIR\): no such file or directory$/m,
    );
  } finally {
    await removeAll(dir);
  }
});

Deno.test("hostile (root): output paths with shell characters reach no shell: mtools gets a plain name, mksquashfs's terminal a quoted line", async () => {
  const root = await makeTree();
  const base = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-shell-" });
  try {
    // Each of the characters mtools' `sh -c "echo NAME"` expands, and a command substitution.
    const out = path.join(base, "isos-$(touch PWNED)-`touch PWNED2`-[x]-{a,b}-~-*-?-\\");
    await Deno.mkdir(out);
    const r = await cniso([
      "build",
      "--rootfs",
      root,
      "--no-bios",
      "-o",
      out,
      "--progress",
      "plain",
    ], {
      env: { PATH: Deno.env.get("PATH")! },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok([...Deno.readDirSync(out)].some((e) => e.name.endsWith(".iso")), "the ISO is there");
    for (const dir of [base, out, Deno.cwd(), root]) {
      for (const name of ["PWNED", "PWNED2"]) {
        assert.ok(
          !(await Deno.stat(path.join(dir, name)).catch(() => undefined)),
          `${dir}/${name}`,
        );
      }
    }
  } finally {
    await Deno.remove(base, { recursive: true });
    await Deno.remove(root, { recursive: true });
  }
});
