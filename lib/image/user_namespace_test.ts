import assert from "node:assert/strict";
import { isHostRoot, mapsToHostRoot, needsUserNamespace, selfCommand } from "./user_namespace.ts";

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

Deno.test("user namespace: uid 0 is host root when its uid_map maps it onto the host's 0, or unclearly", () => {
  assert.equal(mapsToHostRoot("         0          0 4294967295\n"), true);
  assert.equal(mapsToHostRoot("0 0 1\n"), true, "unshare -r run by root");
  assert.equal(mapsToHostRoot("0 1001 1\n1 100000 65536\n"), false, "podman unshare");
  assert.equal(mapsToHostRoot("1 100000 65536\n"), true, "no line for uid 0: unclear");
  assert.equal(mapsToHostRoot("garbage"), true);
  assert.equal(mapsToHostRoot(""), true);
});

Deno.test("user namespace: a main module path with spaces or non-ASCII survives the restart", () => {
  const cmd = selfCommand("/usr/bin/deno", "file:///home/a%20b/c%C3%A9/main.ts");
  assert.equal(cmd.at(-1), "/home/a b/cé/main.ts");
  assert.equal(
    selfCommand("/usr/bin/deno", "https://example.com/main.ts").at(-1),
    "https://example.com/main.ts",
  );
});
