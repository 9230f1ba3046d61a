/**
 * The builder image (Containerfile): built with scripts/build-image.sh (podman's
 * layer cache makes reruns quick), then run in both documented modes on the
 * test image. The ISOs pass the build inspection; the host's containers keep
 * their states; nothing stays mounted. Needs root and podman.
 */
import $ from "dax";
import assert from "node:assert/strict";
import { builderImage, payloadImage, REPO, sidImage, testImage } from "../../testing/images.ts";
import { inspectIso } from "../../testing/iso_inspect.ts";

/** Every host container with its state, for a before/after comparison. */
async function hostContainers(): Promise<string> {
  const ids = (await $`podman ps -aq`.text()).split("\n").filter(Boolean);
  const rows = [];
  for (const id of ids) {
    rows.push(
      (await $`podman inspect -f ${"{{.Name}} {{.State.Status}} {{.State.StartedAt}} {{.State.FinishedAt}}"} ${id}`
        .text()).trim(),
    );
  }
  return rows.sort().join("\n");
}

async function kernelVersion(image: string): Promise<string> {
  const root = (await $`podman image mount ${image}`.text()).trim();
  try {
    return [...Deno.readDirSync(`${root}/usr/lib/modules`)][0].name;
  } finally {
    await $`podman image unmount ${image}`.quiet();
  }
}

async function withProbeContainers(fn: () => Promise<void>) {
  const base = "localhost/cniso-base:bookworm";
  await $`podman rm -f cniso-probe-exited cniso-probe-created`.quiet().noThrow();
  await $`podman run --name cniso-probe-exited ${base} true`.quiet();
  await $`podman create --name cniso-probe-created ${base} sleep 1`.quiet();
  try {
    await fn();
  } finally {
    await $`podman rm -f cniso-probe-exited cniso-probe-created`.quiet().noThrow();
  }
}

Deno.test("builder image (root, podman): privileged mode, as README types it; host containers untouched", async () => {
  const image = await testImage("live");
  const cniso = await builderImage();
  const out = await Deno.makeTempDir({ prefix: "cniso-builder-" });
  try {
    await Deno.chown(out, 1234, 1235);
    await withProbeContainers(async () => {
      const before = await hostContainers();
      assert.match(before, /cniso-probe-exited exited/);
      const r =
        await $`podman run --rm --privileged -v /var/lib/containers/storage:/var/lib/containers/storage -v ${out}:/output ${cniso} ${image}`
          .stdout("piped").stderr("piped").noThrow();
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\/output\/CNISO-TEST-2\.iso \(\d+ MiB\)/);
      assert.equal(await hostContainers(), before, "the host's containers keep their states");
    });
    const iso = `${out}/CNISO-TEST-2.iso`;
    const info = await Deno.stat(iso);
    assert.deepEqual([info.uid, info.gid], [1234, 1235], "owned by the output directory's owner");
    await inspectIso(iso, image, {
      label: "CNISO-TEST-2",
      vendor: "debian",
      kernelVersion: await kernelVersion(image),
    });
    assert.equal((await $`podman image mount`.text()).trim(), "", "nothing left mounted");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("builder image (root, podman): privileged mode with --payload; the ISO's store holds it with the host's ID", async () => {
  const image = await testImage("live");
  const payload = await payloadImage("payload-b");
  const cniso = await builderImage();
  const out = await Deno.makeTempDir({ prefix: "cniso-builder-" });
  try {
    await Deno.chown(out, 1234, 1235);
    const volumes = await $`podman volume ls -q`.text();
    const r =
      await $`podman run --rm --privileged -v /var/lib/containers/storage:/var/lib/containers/storage -v ${out}:/output ${cniso} ${image} --payload ${payload}`
        .stdout("piped").stderr("piped").noThrow();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /payload: 1 image, layers read in place/);
    assert.equal(await $`podman volume ls -q`.text(), volumes, "the work volume went with --rm");
    const x = `${out}/x`;
    await $`xorriso -osirrox on -indev ${out}/CNISO-TEST-2.iso -extract /LiveOS/squashfs.img ${out}/sq`
      .quiet();
    await $`unsquashfs -q -d ${x} ${out}/sq var/lib/containers/storage`.quiet();
    const id = (await $`podman image inspect --format {{.Id}} ${payload}`.text()).trim();
    const listed =
      await $`podman --root ${x}/var/lib/containers/storage --runroot ${out}/run images --no-trunc --format {{.ID}}`
        .text();
    assert.match(listed, new RegExp(id), "the host's image ID");
    assert.equal((await $`podman image mount`.text()).trim(), "", "nothing left mounted");
  } finally {
    await $`umount -R ${out}/run`.quiet().noThrow();
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("builder image (root, podman): Debian 13's tools: an EROFS with zstd (erofs-utils 1.8), the sid image's zstd initramfs probed", async () => {
  const image = await sidImage();
  const cniso = await builderImage();
  const out = await Deno.makeTempDir({ prefix: "cniso-builder-" });
  try {
    const r =
      await $`podman run --rm --privileged -v /var/lib/containers/storage:/var/lib/containers/storage -v ${out}:/output ${cniso} ${image} --rootfs-type erofs --compression zstd:3 -o /output/sid.iso`
        .stdout("piped").stderr("piped").noThrow();
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /could not look inside/, "the builder reads a zstd initramfs");
    await $`xorriso -osirrox on -indev ${out}/sid.iso -extract /LiveOS/squashfs.img ${out}/root.img`
      .quiet();
    assert.match(await $`file -b ${out}/root.img`.text(), /EROFS/);
    const versions =
      await $`podman run --rm --entrypoint sh ${cniso} -c ${"mksquashfs -version; mkfs.erofs --version"}`
        .text();
    assert.match(versions, /mksquashfs version 4\.6/);
    assert.match(versions, /mkfs\.erofs \(erofs-utils\) 1\.8/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("builder image (root, podman): unprivileged mode with --rootfs on an image mount", async () => {
  const image = await testImage("live");
  const cniso = await builderImage();
  const out = await Deno.makeTempDir({ prefix: "cniso-builder-" });
  try {
    const r =
      await $`podman run --rm --mount type=image,source=${image},destination=/image -v ${out}:/output ${cniso} --rootfs /image`
        .stdout("piped").stderr("piped").noThrow();
    assert.equal(r.code, 0, r.stderr);
    await inspectIso(`${out}/CNISO-TEST-2.iso`, image, {
      label: "CNISO-TEST-2",
      vendor: "debian",
      kernelVersion: await kernelVersion(image),
    });
    // The other subcommands are reachable through the same entry point.
    const check =
      await $`podman run --rm --mount type=image,source=${image},destination=/image ${cniso} check --rootfs /image`
        .stdout("piped").stderr("piped").noThrow();
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /OK: \/image can be built \(label CNISO-TEST-2\)/);
    const version = await $`podman run --rm ${cniso} --version`.text();
    assert.match(version, /^cniso \d+\.\d+\.\d+/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("builder image (root, podman): unprivileged mode labels an SELinux image's live root (mksquashfs 4.6, matchpathcon inside); no mount rights, so no relabel unit, and it says so", async () => {
  const image = await testImage("selinux");
  const cniso = await builderImage();
  const out = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-builder-selinux-" });
  try {
    const r =
      await $`podman run --rm --mount type=image,source=${image},destination=/image -v ${out}:/output ${cniso} --rootfs /image --progress plain`
        .stdout("piped").stderr("piped").noThrow();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /SELinux: \d+ paths labelled/);
    assert.match(r.stderr, /relabel unit cannot be added without mount rights/);
    const iso = `${out}/CNISO-SELINUX.iso`;
    await $`xorriso -osirrox on -indev ${iso} -extract /LiveOS/squashfs.img ${out}/sq.img`.quiet();
    await $`unsquashfs -q -no-progress -d ${out}/root ${out}/sq.img`.quiet();
    const label = (p: string) =>
      $`getfattr -h --only-values -n security.selinux ${out}/root${p}`.text();
    assert.match(await label("/etc/shadow"), /^system_u:object_r:shadow_t:s0/);
    assert.match(await label("/"), /^system_u:object_r:root_t:s0/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("builder image (root, podman): as uid 1000 with a read-only root and no capabilities it names what it cannot read (exit 2, nothing written); with CAP_DAC_READ_SEARCH alone it builds", async () => {
  const image = await testImage("live");
  const cniso = await builderImage();
  const out = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-builder-uid-" });
  await Deno.chown(out, 1000, 1000);
  const run = (caps: string[]) =>
    $`podman run --rm --user 1000:1000 --cap-drop=all ${caps} --read-only --mount type=image,source=${image},destination=/image -v ${out}:/output ${cniso} --rootfs /image --progress plain`
      .stdout("piped").stderr("piped").noThrow();
  try {
    const none = await run([]);
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, /cannot read \d+ entries of \/image as uid 1000: .*\/etc\/shadow/);
    assert.match(none.stderr, /\/root\b/);
    assert.match(none.stderr, /CAP_DAC_READ_SEARCH/);
    assert.deepEqual([...Deno.readDirSync(out)], [], "nothing written to /output");
    const read = await run(["--cap-add=DAC_READ_SEARCH"]);
    assert.equal(read.code, 0, read.stderr);
    const iso = `${out}/CNISO-TEST-2.iso`;
    assert.equal((await Deno.stat(iso)).uid, 1000, "the ISO is uid 1000's");
    await inspectIso(iso, image, {
      label: "CNISO-TEST-2",
      vendor: "debian",
      kernelVersion: await kernelVersion(image),
    });
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("deno task compile fails with a clear message, not a hang, when Deno's server is unreachable", async () => {
  const out = await Deno.makeTempDir();
  try {
    const r = await $`bash ${REPO}/scripts/compile.sh ${out}/cniso`.stdout("piped").stderr("piped")
      .noThrow()
      .timeout("6m");
    if (r.code === 0) {
      // Where Deno's server is reachable the binary is made: it must run.
      const v = await $`${out}/cniso --version`.text();
      assert.match(v, /^cniso /);
    } else {
      assert.equal(r.code, 1);
      assert.match(r.stderr, /could not download Deno's runtime \(denort\)/);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
