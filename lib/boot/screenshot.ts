/** A picture of the guest's screen, asked of QEMU over QMP. */
import * as path from "node:path";

/** Writes a PNG of the screen to `file`; a failure is logged, never fatal. */
export async function screenshot(qmpSocket: string, file: string, log: (line: string) => void) {
  let conn: Deno.UnixConn | undefined;
  try {
    conn = await Deno.connect({ transport: "unix", path: qmpSocket });
    const enc = new TextEncoder();
    const reader = conn.readable.pipeThrough(new TextDecoderStream()).getReader();
    let received = "";
    const waitFor = async (re: RegExp) => {
      const until = Date.now() + 10000;
      while (!re.test(received) && Date.now() < until && received.length < 65536) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 10000)));
        const r = await Promise.race([reader.read(), late]);
        clearTimeout(timer);
        if (!r || r.done) break;
        received += r.value;
      }
      return re.test(received);
    };
    await waitFor(/"QMP"/);
    await conn.write(enc.encode('{"execute":"qmp_capabilities"}\n'));
    await waitFor(/"return"/);
    received = "";
    const args = { filename: path.resolve(file), format: "png" };
    await conn.write(enc.encode(JSON.stringify({ execute: "screendump", arguments: args }) + "\n"));
    const ok = await waitFor(/"return"|"error"/);
    if (!ok || /"error"/.test(received)) log(`screenshot failed: ${received.trim().slice(0, 300)}`);
    else log(`screenshot: ${file}`);
    reader.releaseLock();
  } catch (e) {
    log(`screenshot failed: ${(e as Error).message}`);
  } finally {
    try {
      conn?.close();
    } catch { /* closed */ }
  }
}
