import assert from "node:assert/strict";
import * as path from "node:path";
import { resolveTrusted } from "./host_path.ts";
import {
  denoFs,
  MAX_SYMLINK_HOPS,
  type Step,
  walk,
  type WalkEntry,
  type WalkFs,
} from "./path_walk.ts";

/** A tree in memory: a path (under /) is a directory, a file, or a link with its target. */
function fakeFs(
  entries: Record<string, "dir" | "file" | string>,
): WalkFs<WalkEntry> & { seen: string[] } {
  const seen: string[] = [];
  const kind = (p: string) => p === "/" ? "dir" : entries[p];
  return {
    seen,
    lstat: (p) => {
      seen.push(p);
      const k = kind(p);
      if (k === undefined || kind(path.dirname(p)) !== "dir") return Promise.resolve(undefined);
      return Promise.resolve({ isDirectory: k === "dir", isSymlink: k !== "dir" && k !== "file" });
    },
    readLink: (p) => Promise.resolve(entries[p]),
  };
}

const FAKE = {
  "/img": "dir",
  "/img/etc": "dir",
  "/img/etc/passwd": "file",
  "/img/abs": "/etc/passwd",
  "/img/rel": "../../../etc/passwd",
  "/img/dir": "etc/",
  "/img/etc/sub": "dir",
  "/img/deep": "etc/sub",
  "/img/self": "self",
  "/img/dot": ".",
  "/etc": "dir",
  "/etc/shadow": "file",
  "/img/shadow": "/etc/shadow",
} as const;

Deno.test("walk, within-root, on a fake tree: links and .. stay inside; loops; what is missing", async () => {
  const fs = fakeFs(FAKE);
  const rule = { symlinks: "within-root", root: "/img" } as const;
  const found = async (p: string) => {
    const w = await walk(p, rule, fs);
    return w.end === "found" ? w.host : w.end;
  };
  assert.equal(await found("/abs"), "/img/etc/passwd");
  assert.equal(await found("rel"), "/img/etc/passwd");
  assert.equal(await found("/dir/./passwd"), "/img/etc/passwd");
  assert.equal(await found("/../../etc/../dir/.."), "/img", ".. stops at the root");
  assert.equal(await found("/deep/.."), "/img/etc", ".. after a link: the target's parent");
  assert.equal(await found("/abs/.."), "blocked", "a file is no directory, even for ..");
  assert.equal(await found("/dot/dot/etc"), "/img/etc");
  assert.equal(await found("/shadow"), "missing", "/etc/shadow of the host is not looked at");
  assert.ok(!fs.seen.includes("/etc/shadow"), fs.seen.join(" "));
  assert.equal(await found("/self"), "loop");
  assert.deepEqual(await walk("/etc/passwd/x", rule, fs), {
    end: "blocked",
    parts: ["etc", "passwd"],
    host: "/img/etc/passwd",
    info: { isDirectory: false, isSymlink: false },
  });
  assert.deepEqual(await walk("/etc/nothing/x", rule, fs), {
    end: "missing",
    parts: ["etc", "nothing"],
    host: "/img/etc/nothing",
  });
  const w = await walk("/", rule, fs);
  assert.deepEqual(w, { end: "found", parts: [], host: "/img", info: undefined });
});

Deno.test("walk, never and follow, on a fake tree", async () => {
  const fs = fakeFs(FAKE);
  const never = { symlinks: "never", root: "/img" } as const;
  const onWay = await walk("/dir/passwd", never, fs);
  assert.equal(onWay.end, "blocked");
  assert.deepEqual(onWay.end === "blocked" && [onWay.parts, onWay.info.isSymlink], [["dir"], true]);
  const last = await walk("/abs", never, fs);
  assert.equal(last.end === "found" && last.info?.isSymlink, true, "a final link is the answer");
  assert.equal((await walk("/nothing/x", never, fs)).end, "missing");

  const steps: string[] = [];
  const trust = (s: Step<WalkEntry>) => void steps.push(`${s.dir} ${s.here}`);
  const followed = await walk("/img/shadow", { symlinks: "follow", trust }, fs);
  assert.equal(followed.end === "found" && followed.host, "/etc/shadow", "the host's /etc/shadow");
  assert.deepEqual(steps, ["/ /img", "/img /img/shadow", "/ /etc", "/etc /etc/shadow"]);
  const through = await walk("/img/etc/passwd/../passwd", { symlinks: "follow" }, fs);
  assert.equal(through.end, "found", "follow leaves a file on the way to the next lookup");
});

Deno.test("walk: the hop limit, and an aborted signal", async () => {
  const chain: Record<string, string> = { "/r": "dir", "/r/end": "file" };
  for (let i = 0; i <= MAX_SYMLINK_HOPS; i++) chain[`/r/l${i}`] = i === 0 ? "end" : `l${i - 1}`;
  const rule = { symlinks: "within-root", root: "/r" } as const;
  assert.equal((await walk(`/l${MAX_SYMLINK_HOPS - 1}`, rule, fakeFs(chain))).end, "found");
  assert.equal((await walk(`/l${MAX_SYMLINK_HOPS}`, rule, fakeFs(chain))).end, "loop");
  assert.equal((await walk("/l2", rule, fakeFs(chain), { maxHops: 2 })).end, "loop");
  const signal = AbortSignal.abort(new Error("budget spent"));
  await assert.rejects(walk("/end", rule, fakeFs(chain), { signal }), /budget spent/);
});

async function tempTree(): Promise<string> {
  return await Deno.realPath(await Deno.makeTempDir({ prefix: "cniso-walk-" }));
}

Deno.test("walk, within-root, on a real tree: links out of the root resolve inside it", async () => {
  const root = await tempTree();
  const outside = await Deno.makeTempFile({ prefix: "cniso-canary-" });
  try {
    await Deno.mkdir(`${root}/etc`);
    await Deno.writeTextFile(`${root}/etc/passwd`, "image");
    await Deno.symlink("/etc/passwd", `${root}/abs`);
    await Deno.symlink("../../../../../../etc/passwd", `${root}/rel`);
    await Deno.symlink(outside, `${root}/out`);
    await Deno.symlink("loop", `${root}/loop`);
    await Deno.symlink(`../${path.basename(root)}/etc`, `${root}/up`);
    const rule = { symlinks: "within-root", root } as const;
    const host = async (p: string) => {
      const w = await walk(p, rule, denoFs);
      return w.end === "found" ? w.host : w.end;
    };
    assert.equal(await host("/abs"), `${root}/etc/passwd`);
    assert.equal(await host("rel"), `${root}/etc/passwd`);
    assert.equal(await host("/../.."), root);
    // Deno.lstat throws where nothing is; an image's caller turns that into "absent".
    await assert.rejects(host("/out"), Deno.errors.NotFound);
    await assert.rejects(host("/up"), Deno.errors.NotFound, "`..` of the root is the root");
    assert.equal(await host("/loop"), "loop");
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside);
  }
});

Deno.test("walk, follow, on a real tree: as the kernel resolves, hop limit included", async () => {
  const root = await tempTree();
  try {
    await Deno.mkdir(`${root}/d/e`, { recursive: true });
    await Deno.symlink(`${root}/d`, `${root}/abs`);
    await Deno.symlink("d/e/..", `${root}/rel`);
    await Deno.symlink("loop", `${root}/loop`);
    await Deno.symlink("d", `${root}/c0`);
    for (let i = 1; i <= MAX_SYMLINK_HOPS; i++) await Deno.symlink(`c${i - 1}`, `${root}/c${i}`);
    const follow = { symlinks: "follow" } as const;
    for (const p of ["abs/e", "rel/e/..", `c${MAX_SYMLINK_HOPS - 1}/e`]) {
      const w = await walk(`${root}/${p}`, follow, denoFs);
      assert.equal(w.end === "found" && w.host, await Deno.realPath(`${root}/${p}`), p);
    }
    await assert.rejects(Deno.realPath(`${root}/c${MAX_SYMLINK_HOPS}`));
    assert.equal((await walk(`${root}/c${MAX_SYMLINK_HOPS}`, follow, denoFs)).end, "loop");
    assert.equal((await walk(`${root}/loop`, follow, denoFs)).end, "loop");
    await assert.rejects(walk(`${root}/d/missing/x`, follow, denoFs), Deno.errors.NotFound);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("walk, never, on a real tree: a link on the way stops it; a final link is the answer", async () => {
  const root = await tempTree();
  try {
    await Deno.mkdir(`${root}/real/sub`, { recursive: true });
    await Deno.symlink("real", `${root}/link`);
    const fs = {
      lstat: (p: string) => Deno.lstat(p).catch(() => undefined),
      readLink: Deno.readLink,
    };
    const never = { symlinks: "never", root } as const;
    const onWay = await walk("/link/sub", never, fs);
    assert.equal(onWay.end === "blocked" && onWay.info.isSymlink, true);
    const last = await walk("/link", never, fs);
    assert.equal(last.end === "found" && last.info?.isSymlink, true);
    assert.equal((await walk("/real/none/x", never, fs)).end, "missing");
    assert.equal((await walk("/real/sub", never, fs)).end, "found");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("follow with trust: a directory others can write makes the way untrusted", async () => {
  const root = await tempTree();
  try {
    await Deno.mkdir(`${root}/open/in`, { recursive: true });
    await Deno.mkdir(`${root}/mine`);
    await Deno.chmod(`${root}/open`, 0o777);
    assert.equal((await resolveTrusted(`${root}/mine`)).trusted, true);
    const way = await resolveTrusted(`${root}/open/in`);
    assert.equal(way.trusted, false);
    assert.equal(way.why, `${root}/open is writable by every user (mode 0777)`);
    assert.equal(way.open, `${root}/open is writable by other users`);
    // A link that leads through it is no better.
    await Deno.symlink("open/in", `${root}/via`);
    assert.equal((await resolveTrusted(`${root}/via`)).why, way.why);
    await assert.rejects(resolveTrusted(`${root}/mine/missing`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "follow with trust: group-writable directories; a sticky one like /tmp (root only)",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    const root = await tempTree();
    try {
      await Deno.mkdir(`${root}/group/in`, { recursive: true });
      await Deno.chmod(`${root}/group`, 0o775);
      await Deno.chown(`${root}/group`, 0, 1000);
      assert.equal(
        (await resolveTrusted(`${root}/group/in`)).why,
        `${root}/group is writable by group 1000 (mode 0775)`,
      );
      await Deno.chown(`${root}/group`, 0, 0);
      assert.equal((await resolveTrusted(`${root}/group/in`)).trusted, true, "group 0 is root's");
      await Deno.mkdir(`${root}/sticky/mine`, { recursive: true });
      await Deno.mkdir(`${root}/sticky/theirs`);
      await Deno.chmod(`${root}/sticky`, 0o1777);
      await Deno.chown(`${root}/sticky/theirs`, 1000, 1000);
      const mine = await resolveTrusted(`${root}/sticky/mine`);
      assert.deepEqual([mine.trusted, mine.open, [...mine.steerers]], [true, undefined, []]);
      const theirs = await resolveTrusted(`${root}/sticky/theirs`);
      assert.equal(theirs.why, `${root}/sticky/theirs belongs to uid 1000`);
      assert.deepEqual([theirs.open, [...theirs.steerers]], [undefined, [1000]]);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
