import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { requireTools } from "../tools.ts";
import { writeLabels } from "./labels.ts";
import { labelValue } from "./pseudo.ts";

const FC = [
  "/.*\tsystem_u:object_r:default_t:s0",
  "/\t-d\tsystem_u:object_r:root_t:s0",
  "/etc(/.*)?\tsystem_u:object_r:etc_t:s0",
  "/etc/shadow\t--\tsystem_u:object_r:shadow_t:s0",
  "/etc/lnk\t-l\tsystem_u:object_r:lnk_t:s0",
  "/proc\t-d\tsystem_u:object_r:proc_t:s0",
  "/proc/.*\t<<none>>",
].join("\n") + "\n";

async function job(make: (root: string) => Promise<void>, extra?: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "cniso-labels-test-" });
  const root = `${dir}/root`;
  await Deno.mkdir(`${root}/etc`, { recursive: true });
  await Deno.mkdir(`${root}/proc`);
  await Deno.mkdir(`${dir}/skel/usr`, { recursive: true });
  await Deno.writeTextFile(`${dir}/fc`, FC);
  await Deno.writeTextFile(`${dir}/fc.subs`, "/srv /etc\n");
  await make(root);
  await extra?.(dir);
  const tools = await requireTools(["find", "xargs", "matchpathcon"]);
  return { dir, root, tools };
}

function definitions(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.trim().split("\n")) {
    const m = / x security\.selinux=(0t\S+)$/.exec(line)!;
    map.set(line.slice(0, m.index), m[1]);
  }
  return map;
}

Deno.test("labels: every path of each tree gets its policy label by type; the first tree wins; <<none>> stays unlabelled", async () => {
  const { dir, root, tools } = await job(async (root) => {
    await Deno.writeTextFile(`${root}/etc/shadow`, "");
    await Deno.writeTextFile(`${root}/etc/a b`, "");
    await Deno.mkdir(`${root}/srv`);
    await Deno.writeTextFile(`${root}/srv/shadow`, "");
    await Deno.symlink("/etc/shadow", `${root}/etc/lnk`);
    await Deno.writeTextFile(`${root}/proc/1`, "");
  });
  try {
    await Deno.writeTextFile(`${dir}/skel/usr/unit`, "");
    const stats = await writeLabels(
      {
        trees: [{ dir: root, at: "/" }, { dir: `${dir}/skel`, at: "/" }],
        contexts: `${dir}/fc`,
        pseudo: `${dir}/labels`,
      },
      tools,
      AbortSignal.timeout(60_000),
    );
    const defs = definitions(await Deno.readTextFile(`${dir}/labels`));
    const ctx = (t: string) => labelValue(`system_u:object_r:${t}:s0`);
    assert.equal(defs.get("/"), ctx("root_t"));
    assert.equal(defs.get("/etc"), ctx("etc_t"));
    assert.equal(defs.get("/etc/shadow"), ctx("shadow_t"));
    assert.equal(defs.get("/etc/a\\ b"), ctx("etc_t"));
    assert.equal(defs.get("/etc/lnk"), ctx("lnk_t"), "a symlink is looked up as a link");
    assert.equal(defs.get("/srv/shadow"), ctx("shadow_t"), "file_contexts.subs: /srv is /etc");
    assert.equal(defs.get("/proc"), ctx("proc_t"));
    assert.equal(defs.has("/proc/1"), false, "<<none>>: no label");
    assert.equal(defs.get("/usr/unit"), ctx("default_t"), "the skeleton's files too");
    assert.equal(stats.none, 1);
    assert.equal(stats.labelled, defs.size);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("labels: trees placed below the root, and names that are not UTF-8", async () => {
  const { dir, root, tools } = await job(async (root) => {
    await Deno.writeFile(`${root}/etc/x`, new Uint8Array());
  });
  try {
    await Deno.mkdir(`${dir}/store/l1`, { recursive: true });
    const odd = new Uint8Array([...new TextEncoder().encode(`${dir}/store/l1/`), 0xff, 0x41]);
    // Deno takes paths as strings: make the odd name with the shell.
    await new Deno.Command("sh", {
      args: ["-c", `touch "$(printf '${dir}/store/l1/\\377A')"`],
    }).output();
    assert.ok(odd.length > 0);
    await writeLabels(
      {
        trees: [{ dir: `${dir}/store`, at: "/etc/store" }, { dir: root, at: "/" }],
        contexts: `${dir}/fc`,
        pseudo: `${dir}/labels`,
      },
      tools,
      AbortSignal.timeout(60_000),
    );
    const bytes = await Deno.readFile(`${dir}/labels`);
    const needle = new Uint8Array([
      ...new TextEncoder().encode("/etc/store/l1/"),
      0xff,
      0x41,
      0x20,
    ]);
    const text = Array.from(bytes).join(",");
    assert.ok(text.includes(Array.from(needle).join(",")), "the name's bytes as they are");
    const defs = definitions(new TextDecoder().decode(bytes));
    assert.ok(defs.has("/etc/store"));
    assert.ok(defs.has("/etc/x"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("labels: a name with a newline is bad input, naming it escaped", async () => {
  const { dir, root, tools } = await job(async (root) => {
    await Deno.writeTextFile(`${root}/etc/a\nb`, "");
  });
  try {
    await assert.rejects(
      writeLabels(
        { trees: [{ dir: root, at: "/" }], contexts: `${dir}/fc`, pseudo: `${dir}/labels` },
        tools,
        AbortSignal.timeout(60_000),
      ),
      (e: unknown) => e instanceof InputError && /\/etc\/a\\x0ab/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
