import assert from "node:assert/strict";
import { isHostRoot, needsUserNamespace, selfCommand } from "./user_namespace.ts";

Deno.test("user namespace: only a plain user's image needs it (a --rootfs tree is read as is)", () => {
  const plain = Deno.uid() !== 0;
  assert.equal(needsUserNamespace({ image: "localhost/x" }), plain);
  assert.equal(needsUserNamespace({ rootfs: "/image" }), false);
});

Deno.test("user namespace: cniso starts itself again as it was started, with its documented permissions", () => {
  assert.deepEqual(selfCommand("/usr/local/bin/cniso", "file:///whatever/main.ts"), [
    "/usr/local/bin/cniso",
  ]);
  const cmd = selfCommand("/usr/bin/deno", "file:///src/cniso/main.ts");
  assert.equal(cmd[0], "/usr/bin/deno");
  assert.equal(cmd[1], "run");
  assert.equal(cmd.at(-1), "/src/cniso/main.ts");
  assert.ok(cmd.includes("--allow-sys=uid") && cmd.includes("--no-prompt"));
  assert.ok(!cmd.includes("-A") && !cmd.includes("--allow-all"));
  assert.ok(cmd.some((a) => /^--config=\/.*\/deno\.json$/.test(a)));
});

Deno.test("user namespace: host root is uid 0 with the identity uid_map (the tests run as host root)", async () => {
  const map = await Deno.readTextFile("/proc/self/uid_map").catch(() => "");
  const identity = /^\s*0\s+0\s+4294967295\s*$/.test(map);
  assert.equal(await isHostRoot(), Deno.uid() === 0 && identity);
});
