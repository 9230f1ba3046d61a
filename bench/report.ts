/** The benchmark's report: a text table and an SVG chart (time against live-root size). Pure. */

export interface BenchResult {
  image: string;
  treeBytes: number;
  cniso: {
    secs: number;
    maxRssMiB: number;
    peakDiskBytes: number;
    isoBytes: number;
    liveRootBytes: number;
  };
  bare: { totalSecs: number; mksquashfsSecs: number; xorrisoSecs: number; liveRootBytes: number };
  reference: {
    totalSecs: number;
    copySecs: number;
    mksquashfsSecs: number;
    liveRootBytes: number;
    peakDiskBytes: number;
  };
  candidates: { option: string; secs: number; liveRootBytes: number }[];
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(0);

export function table(r: BenchResult): string {
  const ref = r.reference;
  const row = (name: string, secs: number, bytes: number) =>
    `| ${name.padEnd(34)} | ${secs.toFixed(1).padStart(7)} | ${mb(bytes).padStart(8)} | ${
      (ref.totalSecs / secs).toFixed(1).padStart(7)
    }× | ${(bytes / ref.liveRootBytes).toFixed(3).padStart(8)} |`;
  const lines = [
    `image ${r.image}: ${(r.treeBytes / 1e9).toFixed(2)} GB tree`,
    "",
    "| what                               | seconds | root MB  | faster  | size/ref |",
    "| ---------------------------------- | ------- | -------- | ------- | -------- |",
    row("reference: cp -a + zstd (15) + xorriso", ref.totalSecs, ref.liveRootBytes),
    row("cniso default, end to end", r.cniso.secs, r.cniso.liveRootBytes),
    row("bare tools, cniso's options", r.bare.totalSecs, r.bare.liveRootBytes),
    ...r.candidates.map((c) => row(`mksquashfs ${c.option}`, c.secs, c.liveRootBytes)),
    "",
    `reference: copy ${ref.copySecs.toFixed(1)} s, mksquashfs ${
      ref.mksquashfsSecs.toFixed(1)
    } s, ` +
    `peak temporary disk ${mb(ref.peakDiskBytes)} MB`,
    `cniso: end to end / bare tools = ${
      (r.cniso.secs / r.bare.totalSecs).toFixed(3)
    } (target <= 1.05); ` +
    `peak memory ${r.cniso.maxRssMiB.toFixed(0)} MiB; peak temporary disk ${
      mb(r.cniso.peakDiskBytes)
    } MB ` +
    `(squashfs + ISO = ${mb(r.cniso.liveRootBytes + r.cniso.isoBytes)} MB); ISO ${
      mb(r.cniso.isoBytes)
    } MB`,
  ];
  return lines.join("\n");
}

/** Time (log scale) against live-root size, one point per option. */
export function chartSvg(r: BenchResult): string {
  const points = [
    {
      label: "reference",
      secs: r.reference.totalSecs,
      bytes: r.reference.liveRootBytes,
      color: "#c0392b",
    },
    { label: "cniso default", secs: r.cniso.secs, bytes: r.cniso.liveRootBytes, color: "#27ae60" },
    ...r.candidates.map((c) => ({
      label: c.option,
      secs: c.secs,
      bytes: c.liveRootBytes,
      color: "#2c6fbb",
    })),
  ];
  const [w, h, m] = [760, 440, 70];
  const xs = points.map((p) => Math.log10(p.secs));
  const ys = points.map((p) => p.bytes / 1e6);
  const [x0, x1] = [Math.floor(Math.min(...xs)), Math.ceil(Math.max(...xs))];
  const [y0, y1] = [Math.min(...ys) * 0.97, Math.max(...ys) * 1.03];
  const px = (s: number) => m + ((Math.log10(s) - x0) / (x1 - x0)) * (w - 2 * m);
  const py = (mbytes: number) => h - m - ((mbytes - y0) / (y1 - y0)) * (h - 2 * m);
  const ticks = [];
  for (let e = x0; e <= x1; e++) {
    for (const k of [1, 2, 5]) {
      const s = k * 10 ** e;
      if (Math.log10(s) > x1) break;
      ticks.push(
        `<line x1="${px(s)}" y1="${h - m}" x2="${px(s)}" y2="${m}" stroke="#eee"/>` +
          `<text x="${px(s)}" y="${h - m + 18}" text-anchor="middle">${s}</text>`,
      );
    }
  }
  const dots = points.map((p) =>
    `<circle cx="${px(p.secs).toFixed(1)}" cy="${
      py(p.bytes / 1e6).toFixed(1)
    }" r="5" fill="${p.color}"/>` +
    `<text x="${(px(p.secs) + 8).toFixed(1)}" y="${
      (py(p.bytes / 1e6) - 6).toFixed(1)
    }">${p.label}</text>`
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    ...ticks,
    `<line x1="${m}" y1="${h - m}" x2="${w - m}" y2="${h - m}" stroke="black"/>`,
    `<line x1="${m}" y1="${h - m}" x2="${m}" y2="${m}" stroke="black"/>`,
    `<text x="${w / 2}" y="${h - 20}" text-anchor="middle">seconds (log scale)</text>`,
    `<text x="18" y="${h / 2}" transform="rotate(-90 18 ${
      h / 2
    })" text-anchor="middle">live root, MB</text>`,
    `<text x="${m}" y="${m - 30}" font-size="14">${r.image}: ${
      (r.treeBytes / 1e9).toFixed(1)
    } GB tree, time against live-root size</text>`,
    ...[0, 0.25, 0.5, 0.75, 1].map((f) => {
      const v = y0 + f * (y1 - y0);
      return `<text x="${m - 8}" y="${py(v) + 4}" text-anchor="end">${v.toFixed(0)}</text>`;
    }),
    ...dots,
    "</svg>",
  ].join("\n");
}
