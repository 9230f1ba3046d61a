import assert from "node:assert/strict";
import { ELTORITO_MODULES, moduleClosure, parseModdep } from "./grub_modules.ts";

const all = new Set([...ELTORITO_MODULES, "fshelp", "extcmd"].map((m) => `${m}.mod`));

Deno.test("GRUB modules: a real-shaped moddep.lst gives the modules in dependency order", () => {
  const graph = parseModdep("iso9660: fshelp\nnormal: extcmd terminal\nfshelp:\nextcmd:\n\n");
  assert.ok(!("problem" in graph));
  const order = moduleClosure(graph as Map<string, string[]>, all);
  assert.ok(Array.isArray(order));
  assert.ok(order.indexOf("fshelp") < order.indexOf("iso9660"));
  assert.ok(order.indexOf("terminal") < order.indexOf("normal"));
  assert.equal(new Set(order).size, order.length);
});

Deno.test("GRUB modules: a name with a path in it is refused, wherever it stands", () => {
  for (
    const text of [
      "biosdisk: /etc/shadow",
      "biosdisk: ../../../etc/passwd",
      "/tmp/fifo: biosdisk",
      "normal: ..",
      "iso9660: a\x00b",
    ]
  ) {
    const r = parseModdep(text);
    assert.ok("problem" in r, text);
    assert.match((r as { problem: string }).problem, /line 1 names the module .*no path/);
  }
});

Deno.test("GRUB modules: a cycle and a missing module are refused, naming them", () => {
  const cycle = parseModdep("normal: a\na: b\nb: normal\n") as Map<string, string[]>;
  const present = new Set([...all, "a.mod", "b.mod"]);
  const r = moduleClosure(cycle, present);
  assert.match((r as { problem: string }).problem, /cycle: normal -> a -> b -> normal/);
  const self = moduleClosure(parseModdep("search: search\n") as Map<string, string[]>, all);
  assert.match((self as { problem: string }).problem, /cycle: search -> search/);
  const missing = moduleClosure(parseModdep("normal: gone\n") as Map<string, string[]>, all);
  assert.match(
    (missing as { problem: string }).problem,
    /gone\.mod \(needed by normal\) is not there/,
  );
  const without = new Set([...all].filter((m) => m !== "iso9660.mod"));
  const absent = moduleClosure(new Map(), without);
  assert.match((absent as { problem: string }).problem, /iso9660\.mod is not there/);
});
