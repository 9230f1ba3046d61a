/**
 * The build's tools, looked up before anything is mounted: a missing one, or
 * an EROFS compressor the installed mkfs.erofs lacks, is found in a second.
 */
import { run } from "../run.ts";
import { buildTools, findTool, requireTools, type ToolName } from "../tools.ts";
import type { Compression } from "./compression.ts";
import { checkErofsCompression, erofsCompressors } from "./erofs.ts";

/** The tools a build needs (none for a dry run). */
export async function lookUpTools(settings: {
  rootfs: "squashfs" | "erofs";
  compression: Compression;
  dryRun: boolean;
  payload?: unknown;
}): Promise<Map<ToolName, string>> {
  const { rootfs, compression, dryRun, payload } = settings;
  if (dryRun) return new Map<ToolName, string>();
  const tools = await requireTools(buildTools(rootfs, payload !== undefined));
  // A terminal for mksquashfs's progress bar, where util-linux's script is there.
  const script = await findTool("script");
  if (script) tools.set("script", script);
  if (rootfs === "erofs") {
    checkErofsCompression(compression, await installedErofsCompressors(tools.get("mkfs.erofs")!));
  }
  return tools;
}

/** The compressors the installed mkfs.erofs has (its help lists them). */
async function installedErofsCompressors(exe: string): Promise<string[] | undefined> {
  const r = await run(exe, ["--help"], { signal: AbortSignal.timeout(30_000) });
  return erofsCompressors(r.stdout + r.stderr);
}
