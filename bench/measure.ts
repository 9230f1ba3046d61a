/** The benchmark's measurements: each runs real tools on the mounted image and times them. */
import $ from "dax";
import * as path from "node:path";
import { runStep, stage } from "../lib/pipeline/executor.ts";
import { inspect } from "../lib/pipeline/inspect.ts";
import { mksquashfsCompressionArgs, parseCompression } from "../lib/pipeline/compression.ts";
import { makePlan, planSteps } from "../lib/pipeline/plan.ts";
import { ImageRoot } from "../lib/image/image_root.ts";
import { BUILD_TOOLS, requireTools } from "../lib/tools.ts";

const seconds = async (fn: () => PromiseLike<unknown>) => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};

async function duBytes(dir: string): Promise<number> {
  const r = await $`du -sb ${dir}`.noThrow().stdout("piped").stderr("null");
  return Number(r.stdout.split("\t")[0]) || 0;
}

/** Runs a command under /usr/bin/time; polls `watch` for the peak of temporary disk. */
export async function measure(cmd: string[], watch: string) {
  const timeFile = path.join(watch, "..", `time-${crypto.randomUUID()}`);
  let peakDiskBytes = 0;
  let done = false;
  const poll = (async () => {
    while (!done) {
      peakDiskBytes = Math.max(peakDiskBytes, await duBytes(watch));
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  const secs = await seconds(() => $`/usr/bin/time -f %M -o ${timeFile} ${cmd}`.quiet());
  done = true;
  await poll;
  const maxRssMiB = Number((await Deno.readTextFile(timeFile)).trim().split("\n").at(-1)) / 1024;
  await Deno.remove(timeFile);
  return { secs, maxRssMiB, peakDiskBytes };
}

/** The size of /LiveOS/squashfs.img in an ISO, read with xorriso. */
export async function liveRootBytes(iso: string): Promise<number> {
  const text = await $`xorriso -indev ${iso} -lsl /LiveOS/squashfs.img`.stderr("null").text();
  return Number(text.trim().split(/\s+/)[4]);
}

/** The plan cniso would run for `compression`, in a work directory of its own. */
async function planFor(image: string, root: string, work: string, compression: string) {
  const { ready } = await inspect(new ImageRoot(root), {});
  if (!ready) throw new Error(`${image} does not pass cniso's checks`);
  // The desktop image has no SELinux policy: nothing to label; the host's labels left out, as cniso does.
  const { selinux: _none, ...pieces } = ready;
  return makePlan({
    image,
    rootDir: root,
    ...pieces,
    dropHostLabels: true,
    output: path.join(work, "out.iso"),
    workDir: work,
    compression: parseCompression(compression),
    epoch: 1700000000,
  });
}

/** Every step of cniso's plan run bare, each timed (the files staged untimed). */
export async function bareSteps(image: string, root: string, dir: string) {
  const tools = await requireTools(BUILD_TOOLS);
  const work = await Deno.makeTempDir({ dir, prefix: "bare-" });
  try {
    const plan = await planFor(image, root, work, "zstd");
    await stage(plan);
    const options = { tools, signal: new AbortController().signal };
    const byTool: Record<string, number> = {};
    for (const step of planSteps(plan)) {
      byTool[step.tool] = (byTool[step.tool] ?? 0) + await seconds(() => runStep(step, options));
    }
    const totalSecs = Object.values(byTool).reduce((a, b) => a + b, 0);
    return {
      totalSecs,
      mksquashfsSecs: byTool.mksquashfs,
      xorrisoSecs: byTool.xorriso,
      byTool,
      liveRootBytes: (await Deno.stat(plan.iso[0].source)).size,
    };
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/**
 * The reference implementation's pipeline: copy the tree, then mksquashfs
 * -comp zstd at mksquashfs's default level; xorriso as cniso runs it (its
 * time is the bare xorriso's: the same tool on a squashfs of nearly the size).
 */
export async function referencePipeline(root: string, dir: string, xorrisoSecs: number) {
  const tree = path.join(dir, "ref-tree");
  const sq = path.join(dir, "ref.squashfs");
  try {
    const copySecs = await seconds(() => $`/usr/bin/cp -a ${root} ${tree}`);
    const treeBytes = await duBytes(tree);
    const mksquashfsSecs = await seconds(() =>
      $`mksquashfs ${tree} ${sq} -noappend -quiet -no-progress -comp zstd`.quiet()
    );
    const liveRootBytes = (await Deno.stat(sq)).size;
    return {
      copySecs,
      mksquashfsSecs,
      xorrisoSecs,
      totalSecs: copySecs + mksquashfsSecs + xorrisoSecs,
      liveRootBytes,
      peakDiskBytes: treeBytes + liveRootBytes,
    };
  } finally {
    await Deno.remove(tree, { recursive: true }).catch(() => {});
    await Deno.remove(sq).catch(() => {});
  }
}

/** Bare mksquashfs on the mounted image with one compression: seconds and bytes. */
export async function squashOnly(_image: string, root: string, dir: string, compression: string) {
  const sq = path.join(dir, "candidate.squashfs");
  try {
    const args = mksquashfsCompressionArgs(parseCompression(compression));
    const secs = await seconds(() =>
      $`mksquashfs ${root} ${sq} -noappend -quiet -no-progress ${args}`.quiet()
    );
    return { secs, liveRootBytes: (await Deno.stat(sq)).size };
  } finally {
    await Deno.remove(sq).catch(() => {});
  }
}
