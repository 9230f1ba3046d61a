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

const DEFAULT_CANDIDATES = [
  "zstd:3",
  "zstd:3:1M",
  "zstd:4:1M",
  "zstd:5:1M",
  "zstd:6:1M",
  "zstd:8:1M",
  "zstd:10:1M",
  "zstd:15:1M",
  "xz:1M",
  "lz4hc:1M",
];

const { values } = parseArgs({
  args: Deno.args,
  options: {
    image: { type: "string" },
    candidates: { type: "string" },
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

  console.error("cniso build (default options), end to end");
  const iso = path.join(dir, "cniso.iso");
  const cniso = await measure([
    Deno.execPath(),
    "run",
    "-A",
    `${REPO}/main.ts`,
    "build",
    image,
    "-o",
    iso,
  ], dir);
  const cnisoRoot = await liveRootBytes(iso);
  const cnisoIso = (await Deno.stat(iso)).size;
  await Deno.remove(iso);

  console.error("bare tools with cniso's options");
  const bare = await bareSteps(image, root, dir);

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
    cniso: { ...cniso, isoBytes: cnisoIso, liveRootBytes: cnisoRoot },
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
