/**
 * Benchmark: how much does cniso add to the tools it runs?
 *
 * Builds the example image's ISO with the CLI (end to end, a fresh process each
 * time) and, in the same run, times bare mksquashfs + xorriso on the same
 * mounted tree with exactly the arguments of cniso's plan. Prints both, their
 * ratio (target: at most 1.05) and cniso's peak memory. Needs root.
 *
 *   deno task bench [--runs N] [--compression ALG] [--image REF]
 */
import $ from "dax";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { runStep, stage } from "../lib/build/executor.ts";
import { ImageRoot } from "../lib/image/image_root.ts";
import { inspect } from "../lib/build/inspect.ts";
import { parseCompression } from "../lib/build/compression.ts";
import { makePlan, planSteps } from "../lib/build/plan.ts";
import { BUILD_TOOLS, requireTools } from "../lib/tools.ts";
import { exampleImage, REPO } from "../testing/images.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "3" },
    compression: { type: "string", default: "zstd" },
    image: { type: "string" },
  },
});
const runs = Number(values.runs);
const image = values.image ?? await exampleImage();
const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-bench-" });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};

async function cnisoRun(): Promise<{ secs: number; maxRssKiB: number }> {
  const iso = path.join(dir, "cniso.iso");
  const rss = path.join(dir, "rss");
  const secs = await seconds(async () =>
    await $`/usr/bin/time -f %M -o ${rss} ${Deno.execPath()} run -A ${REPO}/main.ts build ${image} -o ${iso} --compression ${values.compression}`
      .quiet()
  );
  await Deno.remove(iso);
  return { secs, maxRssKiB: Number((await Deno.readTextFile(rss)).trim()) };
}

async function bareRun(): Promise<{ mksquashfs: number; xorriso: number }> {
  const tools = await requireTools(BUILD_TOOLS);
  const root = (await $`podman image mount ${image}`.text()).trim();
  const work = await Deno.makeTempDir({ dir, prefix: "bare-" });
  try {
    const { ready } = await inspect(new ImageRoot(root), {});
    if (!ready) throw new Error("the example image does not pass the checks");
    const plan = makePlan({
      image,
      rootDir: root,
      contract: ready.contract,
      label: ready.label,
      grubConfig: ready.grubConfig,
      output: path.join(work, "out.iso"),
      workDir: work,
      compression: parseCompression(values.compression!),
    });
    const options = { tools, signal: new AbortController().signal };
    const step = (tool: string) => planSteps(plan).find((s) => s.tool === tool)!;
    // Everything but the two timed tools is prepared untimed; implantisomd5 is not run.
    await stage(plan);
    for (const s of planSteps(plan)) {
      if (!["mksquashfs", "xorriso", "implantisomd5"].includes(s.tool)) await runStep(s, options);
    }
    const mksquashfs = await seconds(() => runStep(step("mksquashfs"), options));
    const xorriso = await seconds(() => runStep(step("xorriso"), options));
    return { mksquashfs, xorriso };
  } finally {
    await $`podman image unmount ${image}`.quiet();
    await Deno.remove(work, { recursive: true });
  }
}

try {
  const cniso: number[] = [];
  const bare: number[] = [];
  const rss: number[] = [];
  const parts: { mksquashfs: number; xorriso: number }[] = [];
  // Warm the page cache once, so neither side pays for the first read of the tree.
  await bareRun();
  for (let i = 0; i < runs; i++) {
    const c = await cnisoRun();
    cniso.push(c.secs);
    rss.push(c.maxRssKiB);
    const b = await bareRun();
    parts.push(b);
    bare.push(b.mksquashfs + b.xorriso);
    console.error(
      `run ${i + 1}/${runs}: cniso ${c.secs.toFixed(2)} s, bare ${bare.at(-1)!.toFixed(2)} s`,
    );
  }
  const c = median(cniso);
  const b = median(bare);
  console.log(`image: ${image}, compression ${values.compression}, ${runs} runs (medians)`);
  console.log(`cniso build, end to end:      ${c.toFixed(2)} s`);
  console.log(
    `bare mksquashfs + xorriso:    ${b.toFixed(2)} s  (mksquashfs ${
      median(parts.map((p) => p.mksquashfs)).toFixed(2)
    } s, xorriso ${median(parts.map((p) => p.xorriso)).toFixed(2)} s)`,
  );
  console.log(`ratio:                        ${(c / b).toFixed(3)}  (target <= 1.05)`);
  console.log(
    `peak memory (largest process of the build, cniso or a tool it runs): ${
      (Math.max(...rss) / 1024).toFixed(0)
    } MiB`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
