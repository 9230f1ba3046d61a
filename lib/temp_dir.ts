/** Temporary directories and files, with a clear message when TMPDIR cannot take one. */
import { osGuard } from "./errors.ts";

export function makeTempDir(prefix: string): Promise<string> {
  const where = Deno.env.get("TMPDIR") || "/tmp";
  return osGuard(
    `cannot create a temporary directory in ${where} (TMPDIR)`,
    () => Deno.makeTempDir({ prefix }),
  );
}

export function makeTempFile(prefix: string): Promise<string> {
  const where = Deno.env.get("TMPDIR") || "/tmp";
  return osGuard(
    `cannot create a temporary file in ${where} (TMPDIR)`,
    () => Deno.makeTempFile({ prefix }),
  );
}
