/** A picture of the guest's screen, asked of QEMU over QMP. */
import * as path from "node:path";
import type { Channel } from "./fifo.ts";

/** Writes a PNG of the screen to `file`; a failure is logged, never fatal. */
export async function screenshot(qmp: Channel, file: string, log: (line: string) => void) {
  const buf = new Uint8Array(4096);
  const decoder = new TextDecoder();
  let received = "";
  let pending: Promise<number | null> | undefined;
  /** Reads QMP's answers until `re` matches (10 s at most, 64 KiB at most). */
  const waitFor = async (re: RegExp) => {
    const until = Date.now() + 10000;
    while (!re.test(received) && Date.now() < until && received.length < 65536) {
      pending ??= qmp.read(buf);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), 1000)));
      const n = await Promise.race([pending, late]);
      clearTimeout(timer);
      if (n === "late") continue;
      pending = undefined;
      if (n === null) break;
      received += decoder.decode(buf.subarray(0, n), { stream: true });
    }
    return re.test(received);
  };
  try {
    await waitFor(/"QMP"/);
    await qmp.write('{"execute":"qmp_capabilities"}\n');
    await waitFor(/"return"/);
    received = "";
    const args = { filename: path.resolve(file), format: "png" };
    await qmp.write(JSON.stringify({ execute: "screendump", arguments: args }) + "\n");
    const ok = await waitFor(/"return"|"error"/);
    if (!ok || /"error"/.test(received)) log(`screenshot failed: ${received.trim().slice(0, 300)}`);
    else log(`screenshot: ${file}`);
  } catch (e) {
    log(`screenshot failed: ${(e as Error).message}`);
  }
}
