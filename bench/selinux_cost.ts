/**
 * What SELinux labels cost, at desktop size: the benchmark's desktop image
 * (bench/desktop) with Debian's reference policy laid over it (the
 * /etc/selinux of the SELinux test image, in a read-only overlay, so the
 * desktop image itself stays as the main benchmark measures it), built with
 * `--selinux off` and `--selinux label` in turns. Prints the medians: the
 * whole build, the labels step, the squashfs step, and the ISO's bytes. The
 * lookups dominate the labels step and depend on libselinux's version: they
 * are also timed alone with this host's matchpathcon and, with
 * `--lookup-image IMAGE` (the builder image, localhost/cniso), with that
 * image's. Needs root.
 *
 *   deno task bench:selinux [--image REF] [--runs N] [--lookup-image IMAGE] [--out DIR]
 */
import $ from "dax";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { desktopImage, REPO, testImage } from "../testing/images.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    image: { type: "string" },
    runs: { type: "string", default: "3" },
    "lookup-image": { type: "string" },
    out: { type: "string", default: path.join(REPO, "bench/results") },
  },
});
const image = values.image ?? await desktopImage();
const policyImage = await testImage("selinux");
const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-bench-selinux-" });
const [policy, empty, view] = ["policy", "empty", "view"].map((d) => path.join(dir, d));
for (const d of [policy, empty, view]) await Deno.mkdir(d);

const policyRoot = (await $`podman image mount ${policyImage}`.text()).trim();
await Deno.mkdir(path.join(policy, "etc"));
await $`/bin/cp -a ${policyRoot}/etc/selinux ${policy}/etc/`;
await $`podman image unmount ${policyImage}`.quiet();
const root = (await $`podman image mount ${image}`.text()).trim();
await $`mount -t overlay -o lowerdir=${policy}:${root}:${empty} cniso-bench-view ${view}`;

interface Run {
  secs: number;
  labelSecs: number;
  squashfsSecs: number;
  isoBytes: number;
}

/** One build from the view, timed, with its steps' times from --progress json. */
async function build(selinux: "off" | "label"): Promise<Run> {
  const iso = path.join(dir, `${selinux}.iso`);
  const start = performance.now();
  const out =
    await $`${Deno.execPath()} run -A ${REPO}/main.ts build --rootfs ${view} -o ${iso} --selinux ${selinux} --progress json`
      .text();
  const secs = (performance.now() - start) / 1000;
  const steps = out.split("\n").filter(Boolean).map((l) => JSON.parse(l))
    .filter((e) => e.event === "step_done");
  const step = (re: RegExp) => steps.find((e) => re.test(e.title))?.seconds ?? 0;
  const isoBytes = (await Deno.stat(iso)).size;
  await Deno.remove(iso);
  return { secs, labelSecs: step(/^SELinux labels/), squashfsSecs: step(/^squashfs/), isoBytes };
}

function median(xs: Run[], key: keyof Run): number {
  return [...xs].map((x) => x[key]).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

try {
  console.error(`image ${image}: warming the page cache`);
  await $`tar -cf /dev/null -C ${view} .`.quiet();
  const off: Run[] = [];
  const labelled: Run[] = [];
  for (let i = 1; i <= Number(values.runs); i++) {
    console.error(`run ${i}/${values.runs}: --selinux off, then --selinux label`);
    off.push(await build("off"));
    labelled.push(await build("label"));
  }
  const paths = Number((await $`find ${view} -printf x`.text()).length);
  const lookups = await timeLookups();
  const result = {
    image,
    paths,
    off: { secs: median(off, "secs"), isoBytes: median(off, "isoBytes") },
    label: {
      secs: median(labelled, "secs"),
      labelSecs: median(labelled, "labelSecs"),
      squashfsSecs: median(labelled, "squashfsSecs"),
      isoBytes: median(labelled, "isoBytes"),
    },
    offSquashfsSecs: median(off, "squashfsSecs"),
    lookups,
    runs: { off, labelled },
  };
  await Deno.writeTextFile(path.join(values.out!, "selinux.json"), JSON.stringify(result, null, 2));
  const added = result.label.secs - result.off.secs;
  console.log(`${image}: ${paths} paths, medians of ${values.runs} runs`);
  console.log(
    `  --selinux off:   ${result.off.secs.toFixed(1)} s, ISO ${result.off.isoBytes} bytes`,
  );
  console.log(
    `  --selinux label: ${result.label.secs.toFixed(1)} s (labels step ${
      result.label.labelSecs.toFixed(1)
    } s; squashfs ${result.label.squashfsSecs.toFixed(1)} s against ${
      result.offSquashfsSecs.toFixed(1)
    } s), ISO ${result.label.isoBytes} bytes`,
  );
  console.log(
    `  labels add ${added.toFixed(1)} s (${(added / result.off.secs * 100).toFixed(1)} %) and ${
      result.label.isoBytes - result.off.isoBytes
    } bytes (${((result.label.isoBytes / result.off.isoBytes - 1) * 100).toFixed(2)} %)`,
  );
  for (const l of lookups) {
    console.log(`  lookups alone (${l.where}, libselinux ${l.libselinux}): ${l.secs.toFixed(1)} s`);
  }
} finally {
  await $`umount ${view}`.noThrow();
  await $`podman image unmount ${image}`.quiet().noThrow();
  await Deno.remove(dir, { recursive: true });
}

/** The regular files' lookups alone, on one core, with this host's matchpathcon and an image's. */
async function timeLookups() {
  const list = path.join(dir, "files");
  await Deno.writeFile(list, await $`find ${view} -type f -printf ${"/%P\\0"}`.bytes());
  const fc = path.join(dir, "fc");
  await Deno.mkdir(fc);
  await $`/bin/cp ${policy}/etc/selinux/default/contexts/files/file_contexts ${fc}/`;
  const script =
    "dpkg-query -W -f='${Version} ' libselinux1; s=$(date +%s%N); xargs -0 -r -s 1000000 matchpathcon -N -n -m f -f /b/fc/file_contexts < /b/files | wc -l; echo $(( ($(date +%s%N) - s) / 1000000 ))";
  const parse = (out: string, where: string) => {
    const [version, , ms] = out.trim().split(/\s+/);
    return { where, libselinux: version, secs: Number(ms) / 1000 };
  };
  const host = await $`sh -c ${script.replaceAll("/b/", `${dir}/`)}`.text();
  const results = [parse(host, "this host")];
  if (values["lookup-image"]) {
    const out = await $`podman run --rm --network none -v ${dir}:/b:ro ${
      values["lookup-image"]
    } sh -c ${script}`
      .text();
    results.push(parse(out, values["lookup-image"]));
  }
  return results;
}
