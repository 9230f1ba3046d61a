/** The stand-in QEMU (tests/fixtures/fake-qemu): a KVM that hangs the kernel, or aborts. */
import $ from "dax";
import * as path from "node:path";
import { REPO } from "./images.ts";

const FAKE_QEMU_DIR = path.join(REPO, "tests/fixtures/fake-qemu");

/** The environment that puts the stand-in QEMU first on PATH. */
export async function fakeQemuEnv(mode: "hang-kernel" | "abort"): Promise<Record<string, string>> {
  const real = await $.which("qemu-system-x86_64");
  if (!real) {
    throw new Error("the tests need the real qemu-system-x86_64 (apt-get install qemu-system-x86)");
  }
  return {
    PATH: `${FAKE_QEMU_DIR}:${Deno.env.get("PATH")}`,
    CNISO_REAL_QEMU: real,
    CNISO_FAKE_KVM: mode,
  };
}
