/**
 * QEMU's pipe character devices: `<path>.in` carries bytes to the guest,
 * `<path>.out` bytes from it. cniso makes the two FIFOs, and both sides open
 * them read-write, so no open waits for the other side (a QEMU that fails to
 * start cannot hang cniso) and output written before cniso reads is kept. Only
 * file permissions are needed (a Unix socket would need Deno's network one).
 */
import { ToolError } from "../errors.ts";
import { run } from "../run.ts";

export interface Channel {
  /** Bytes from the guest; null once closed. */
  read(buf: Uint8Array): Promise<number | null>;
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

/** Makes `<base>.in` and `<base>.out`, for this user only. */
export async function makeFifos(base: string): Promise<void> {
  const r = await run("mkfifo", ["-m", "600", "--", `${base}.in`, `${base}.out`]);
  if (r.code !== 0) throw new ToolError(`mkfifo failed: ${r.stderr.trim()}`);
}

export async function openChannel(base: string): Promise<Channel> {
  const fromGuest = await Deno.open(`${base}.out`, { read: true, write: true });
  // A second handle, to wake a read that waits: Deno queues a write on the reading handle behind it.
  const waker = await Deno.open(`${base}.out`, { write: true });
  const toGuest = await Deno.open(`${base}.in`, { read: true, write: true });
  let closed = false;
  return {
    async read(buf) {
      if (closed) return null;
      const n = await fromGuest.read(buf).catch(() => null);
      return closed ? null : n;
    },
    async write(text) {
      const bytes = new TextEncoder().encode(text);
      for (let off = 0; off < bytes.length;) off += await toGuest.write(bytes.subarray(off));
    },
    async close() {
      if (closed) return;
      closed = true;
      // A read still waiting would wait forever (this side holds a writer): wake it first.
      await waker.write(new Uint8Array([10])).catch(() => {});
      for (const f of [waker, fromGuest, toGuest]) {
        try {
          f.close();
        } catch { /* closed */ }
      }
    },
  };
}
