/**
 * Benchmark at the size users build: a desktop-size image (bench/desktop,
 * several GB, built and cached on first use), measured in one run:
 *
 *   - cniso's default build, end to end (time, ISO and live-root bytes, peak
 *     memory, peak temporary disk);
 *   - the bare tools with cniso's own options (every step of cniso's plan);
 *   - the reference pipeline: copy the tree, mksquashfs -comp zstd at its
 *     default level, the same xorriso;
 *   - candidate compressions (bare mksquashfs on the mounted image).
 *
 * Prints a table with times, bytes and ratios, and writes a chart (time
 * against live-root size, one point per option) and the numbers as JSON.
 * Needs root.
 *
 *   deno task bench [--image REF] [--candidates zstd:3,zstd:6:1M,...] [--out DIR]
 */
import $ from "dax";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { desktopImage, REPO } from "../testing/images.ts";
import { bareSteps, liveRootBytes, measure, referencePipeline, squashOnly } from "./measure.ts";
import { chartSvg, table } from "./report.ts";

// zstd:15:1M (132 s, 0.999 of the reference's size) and lz4hc:1M (174 s, 1.24) were measured
// once and left out of the list: they cost minutes and lose on both axes.
const DEFAULT_CANDIDATES = [
  "zstd:3:128K",
  "zstd:3:1M",
  "zstd:4:1M",
  "zstd:5:1M",
  "zstd:6:1M",
  "zstd:8:1M",
  "zstd:10:1M",
  "xz:1M",
];

const { values } = parseArgs({
  args: Deno.args,
  options: {
    image: { type: "string" },
    candidates: { type: "string" },
    runs: { type: "string", default: "3" },
    out: { type: "string", default: path.join(REPO, "bench/results") },
  },
});
const image = values.image ?? await desktopImage();
const candidates = values.candidates?.split(",") ?? DEFAULT_CANDIDATES;
const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-bench-" });
const root = (await $`podman image mount ${image}`.text()).trim();

try {
  const treeBytes = Number((await $`du -sb ${root}`.text()).split("\t")[0]);
  console.error(`image ${image}: ${(treeBytes / 1e9).toFixed(2)} GB tree; warming the page cache`);
  await $`tar -cf /dev/null -C ${root} .`.quiet();

  // cniso and the bare tools alternate, so neither gets the quieter moments; medians are kept.
  const cnisoRuns = [];
  const bareRuns = [];
  for (let i = 1; i <= Number(values.runs); i++) {
    console.error(`run ${i}/${values.runs}: cniso build (default options), end to end`);
    cnisoRuns.push(await cnisoBuild(image, dir));
    console.error(`run ${i}/${values.runs}: the bare tools with cniso's options`);
    bareRuns.push(await bareSteps(image, root, dir));
  }
  const cniso = medianBy(cnisoRuns, (c) => c.secs);
  const bare = medianBy(bareRuns, (b) => b.totalSecs);

  console.error("reference pipeline: cp -a, mksquashfs -comp zstd (its default level), xorriso");
  const reference = await referencePipeline(root, dir, bare.xorrisoSecs);

  const points = [];
  for (const c of candidates) {
    console.error(`candidate ${c}`);
    points.push({ option: c, ...(await squashOnly(image, root, dir, c)) });
  }

  const result = {
    image,
    treeBytes,
    cniso,
    bare,
    reference,
    candidates: points,
  };
  await Deno.mkdir(values.out!, { recursive: true });
  await Deno.writeTextFile(path.join(values.out!, "desktop.json"), JSON.stringify(result, null, 2));
  await Deno.writeTextFile(path.join(values.out!, "desktop.svg"), chartSvg(result));
  console.log(table(result));
  console.log(`\nchart: ${path.join(values.out!, "desktop.svg")}`);
} finally {
  await $`podman image unmount ${image}`.quiet();
  await Deno.remove(dir, { recursive: true });
}

/** cniso build with its defaults, as a user runs it: time, memory, disk, bytes. */
async function cnisoBuild(image: string, dir: string) {
  const iso = path.join(dir, "cniso.iso");
  const cmd = [Deno.execPath(), "run", "-A", `${REPO}/main.ts`, "build", image, "-o", iso];
  const m = await measure(cmd, dir);
  const result = {
    ...m,
    isoBytes: (await Deno.stat(iso)).size,
    liveRootBytes: await liveRootBytes(iso),
  };
  await Deno.remove(iso);
  return result;
}

function medianBy<T>(xs: T[], key: (x: T) => number): T {
  return [...xs].sort((a, b) => key(a) - key(b))[Math.floor(xs.length / 2)];
}
