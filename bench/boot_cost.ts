/**
 * What a compression choice costs at boot: the ISO of an image built with each
 * option, then booted with boot-test (BIOS, CD), each phase's time read from
 * its report. Under TCG (no usable KVM) every decompression costs several
 * times what it costs on hardware: the ratios matter, not the seconds. Runs
 * alternate between the options; medians are kept. Needs root.
 *
 *   deno task bench:boot [--image REF] [--options zstd,xz:1M] [--runs N] [--out DIR]
 */
import $ from "dax";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { cniso, REPO, testImage } from "../testing/images.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    image: { type: "string" },
    options: { type: "string", default: "zstd,xz:1M" },
    runs: { type: "string", default: "2" },
    out: { type: "string", default: path.join(REPO, "bench/results") },
  },
});
const image = values.image ?? await testImage("live");
const options = values.options.split(",");
const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-bootcost-" });

/** boot-test's phase lines ("  kernel   17.4 s") as seconds since QEMU started. */
function phases(report: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of report.matchAll(/^ {2}(\S.*?)\s{2,}(\d+(?:\.\d+)?) s$/gm)) {
    out[m[1]] = Number(m[2]);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const isos: Record<string, { path: string; bytes: number }> = {};
  for (const option of options) {
    const iso = path.join(dir, `${option.replaceAll(":", "_")}.iso`);
    const r = await cniso(["build", image, "-o", iso, "--compression", option]);
    if (r.code !== 0) throw new Error(`build with ${option} failed:\n${r.stderr}`);
    isos[option] = { path: iso, bytes: (await Deno.stat(iso)).size };
  }
  const runs: Record<string, Record<string, number>[]> = {};
  for (let i = 0; i < Number(values.runs); i++) {
    for (const option of options) {
      const r = await cniso([
        "boot-test",
        isos[option].path,
        "--accel",
        "auto",
        "--timeout",
        "600",
      ]);
      if (r.code !== 0) throw new Error(`boot with ${option} failed:\n${r.stdout}${r.stderr}`);
      (runs[option] ??= []).push(phases(r.stdout + r.stderr));
      console.error(`${option} run ${i + 1}: ${JSON.stringify(runs[option].at(-1))}`);
    }
  }
  const names = ["kernel", "initramfs", "live root mounted", "target reached"];
  const rows = options.map((option) => ({
    option,
    isoBytes: isos[option].bytes,
    ...Object.fromEntries(names.map((n) => [n, median(runs[option].map((p) => p[n]))])),
  }));
  console.log(
    `image ${image}, boot-test BIOS CD, medians of ${values.runs} runs (seconds since start)`,
  );
  console.log(["option", "ISO MB", ...names].map((h) => h.padEnd(18)).join(""));
  for (const row of rows) {
    const cells = [
      row.option,
      (row.isoBytes / 1e6).toFixed(0),
      ...names.map((n) => `${row[n as keyof typeof row]}`),
    ];
    console.log(cells.map((c) => String(c).padEnd(18)).join(""));
  }
  await Deno.mkdir(values.out, { recursive: true });
  await Deno.writeTextFile(
    path.join(values.out, "boot.json"),
    JSON.stringify({ image, runs: Number(values.runs), rows }, null, 2) + "\n",
  );
} finally {
  await $`rm -rf ${dir}`;
}
