/** Stand-in tools on PATH: the real ones, with some replaced by scripts that misbehave. */
import $ from "dax";
import * as path from "node:path";
import { BUILD_TOOLS } from "../lib/tools.ts";

/** A PATH directory with the real tools, where some are replaced by scripts. */
export async function fakePath(replace: Record<string, string | null>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "cniso-path-" });
  for (
    const tool of ["podman", "skopeo", "unshare", "find", "xargs", "matchpathcon", ...BUILD_TOOLS]
  ) {
    if (tool in replace) {
      const script = replace[tool];
      if (script !== null) {
        await Deno.writeTextFile(path.join(dir, tool), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
      }
      continue;
    }
    const real = await $.which(tool);
    if (real) await Deno.symlink(real, path.join(dir, tool));
  }
  return dir;
}

/**
 * A stand-in that sleeps instead of working, found by its command line: it
 * answers `mksquashfs -version` as squashfs-tools 4.6 does (cniso asks before
 * building), and sleeps for everything else.
 */
export function sleeperScript(sleeper: string): string {
  return `case "$1" in -version) echo "mksquashfs version 4.6.1 (2023/03/25)"; exit 0 ;; esac\nexec ${sleeper}`;
}
