/**
 * Runs one executable and collects its output. cniso runs its tools through
 * this rather than dax's `$`: dax 0.49 reports exit code 0 for a child that was
 * killed by a signal (a crashing mksquashfs would pass as a success), and a
 * tool's path is run as is, never through a shell.
 */
import { which } from "./tools.ts";

export interface RunResult {
  /** The exit code; 128 + the signal number for a child killed by a signal. */
  code: number;
  /** The signal that killed the child, if one did. */
  signal?: string;
  stdout: string;
  stderr: string;
}

/** What is kept of a tool's stdout and of its stderr: the last bytes, enough for any message. */
export const MAX_OUTPUT = 1024 * 1024;

export async function run(
  exe: string,
  args: string[],
  options: {
    env?: Record<string, string>;
    signal?: AbortSignal;
    /** Sees stdout as it comes (e.g. a progress bar), besides its tail in the result. */
    onStdout?: (text: string) => void;
    /** The directory it runs in. */
    cwd?: string;
  } = {},
): Promise<RunResult> {
  // A bare name is looked up in PATH's absolute directories only (tools.ts): never "." as root.
  const resolved = exe.includes("/") ? exe : await which(exe) ?? exe;
  const child = new Deno.Command(resolved, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: options.signal,
  }).spawn();
  const [stdout, stderr, status] = await Promise.all([
    tail(child.stdout, options.onStdout),
    tail(child.stderr),
    child.status,
  ]);
  return { code: status.code, signal: status.signal ?? undefined, stdout, stderr };
}

/** Reads a stream to its end, keeping only its last MAX_OUTPUT bytes (a tool may print gigabytes). */
async function tail(
  stream: ReadableStream<Uint8Array>,
  onText?: (text: string) => void,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  const decoder = new TextDecoder();
  let kept = 0;
  for await (const chunk of stream) {
    if (onText) onText(decoder.decode(chunk, { stream: true }));
    chunks.push(chunk);
    kept += chunk.length;
    while (kept - chunks[0].length >= MAX_OUTPUT) kept -= chunks.shift()!.length;
  }
  const all = new Uint8Array(kept);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all.subarray(Math.max(0, kept - MAX_OUTPUT)));
}

/**
 * Runs one executable with `stdin` as its input and returns its whole stdout
 * as bytes (file names are bytes, not always UTF-8), at most `maxBytes` of it,
 * and the tail of its stderr.
 */
export async function runBytes(
  exe: string,
  args: string[],
  options: { stdin?: Uint8Array; signal?: AbortSignal; maxBytes: number },
): Promise<{ code: number; signal?: string; stdout: Uint8Array; stderr: string; cut: boolean }> {
  const resolved = exe.includes("/") ? exe : await which(exe) ?? exe;
  const child = new Deno.Command(resolved, {
    args,
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    signal: options.signal,
  }).spawn();
  const feed = options.stdin
    ? (async () => {
      const writer = child.stdin.getWriter();
      // A child that stops reading (it failed) is reported by its exit code, not by the write.
      await writer.write(options.stdin!).catch(() => {});
      await writer.close().catch(() => {});
    })()
    : Promise.resolve();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  const read = (async () => {
    for await (const chunk of child.stdout) {
      if (size + chunk.length > options.maxBytes) {
        cut = true;
        try {
          child.kill("SIGKILL");
        } catch {
          // It has ended already.
        }
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  })();
  const [, , stderr, status] = await Promise.all([feed, read, tail(child.stderr), child.status]);
  const stdout = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    stdout.set(c, at);
    at += c.length;
  }
  return { code: status.code, signal: status.signal ?? undefined, stdout, stderr, cut };
}
