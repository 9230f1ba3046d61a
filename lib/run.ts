/**
 * Runs one executable and collects its output. cniso runs its tools through
 * this rather than dax's `$`: dax 0.49 reports exit code 0 for a child that was
 * killed by a signal (a crashing mksquashfs would pass as a success), and a
 * tool's path is run as is, never through a shell.
 */
export interface RunResult {
  /** The exit code; 128 + the signal number for a child killed by a signal. */
  code: number;
  /** The signal that killed the child, if one did. */
  signal?: string;
  stdout: string;
  stderr: string;
}

export async function run(
  exe: string,
  args: string[],
  options: { env?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<RunResult> {
  const output = await new Deno.Command(exe, {
    args,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: options.signal,
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    signal: output.signal ?? undefined,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
