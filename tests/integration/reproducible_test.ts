/**
 * Reproducible ISOs (root, podman): two builds of one image, at different
 * times, into different directories, are the same bytes; under
 * SOURCE_DATE_EPOCH and, without it, from the image's creation time.
 */
import $ from "dax";
import assert from "node:assert/strict";
import { cniso, testImage } from "../../testing/images.ts";

async function buildTwice(env: Record<string, string>): Promise<[string, string, string]> {
  const image = await testImage("noyaml");
  const dirs = [
    await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-repro-a-" }),
    await Deno.makeTempDir({ prefix: "cniso-repro-second-" }),
  ];
  const isos: string[] = [];
  for (const [i, dir] of dirs.entries()) {
    // Seconds apart, so that anything taken from the clock would differ.
    if (i > 0) await new Promise((r) => setTimeout(r, 2000));
    const iso = `${dir}/${i === 0 ? "first" : "second-name"}.iso`;
    const r = await cniso(["build", image, "-o", iso], { env });
    assert.equal(r.code, 0, r.stderr);
    isos.push(iso);
  }
  return [isos[0], isos[1], (await cniso(["build", image, "--dry-run"], { env })).stdout];
}

async function identical(a: string, b: string) {
  const cmp = await $`cmp ${a} ${b}`.noThrow().stdout("piped").stderr("piped");
  assert.equal(cmp.code, 0, `the two ISOs differ: ${cmp.stdout}${cmp.stderr}`);
}

async function creationTime(iso: string): Promise<string> {
  const text = await $`xorriso -indev ${iso} -pvd_info`.stderr("null").text();
  return /^Creation Time:\s*(\d+)/m.exec(text)![1];
}

async function removeAll(...isos: string[]) {
  for (const iso of isos) await Deno.remove(iso.replace(/\/[^/]+$/, ""), { recursive: true });
}

Deno.test("reproducible (root, podman): SOURCE_DATE_EPOCH: two builds at different times and paths are identical", async () => {
  const [a, b, plan] = await buildTwice({ SOURCE_DATE_EPOCH: "1700000000" });
  try {
    await identical(a, b);
    assert.equal(await creationTime(a), "2023111422132000", "volume dates from the epoch");
    assert.match(plan, /SOURCE_DATE_EPOCH=1700000000 TZ=UTC mksquashfs /);
    const unsquash = await $`xorriso -osirrox on -indev ${a} -extract /LiveOS/squashfs.img ${a}.sq`
      .quiet().then(() => $`unsquashfs -s ${a}.sq`.env("TZ", "UTC").text());
    assert.match(unsquash, /Creation or last append time Tue Nov 14 22:13:20 2023/);
  } finally {
    await removeAll(a, b);
  }
});

Deno.test("reproducible (root, podman): without SOURCE_DATE_EPOCH, the image's creation time makes the same ISO", async () => {
  const [a, b] = await buildTwice({});
  try {
    await identical(a, b);
    const created = Number(
      await $`podman image inspect --format {{.Created.Unix}} ${await testImage("noyaml")}`.text(),
    );
    const date = new Date(created * 1000).toISOString().replace(/[-:T]/g, "").slice(0, 14);
    assert.equal(await creationTime(a), `${date}00`);
  } finally {
    await removeAll(a, b);
  }
});

Deno.test("reproducible (root, podman): a SOURCE_DATE_EPOCH the tools cannot take is bad input, before anything is mounted", async () => {
  const image = await testImage("noyaml");
  const dir = await Deno.makeTempDir({ prefix: "cniso-repro-bad-" });
  try {
    for (const value of ["yesterday", "-1", "99999999999"]) {
      const r = await cniso(["build", image, "-o", dir], { env: { SOURCE_DATE_EPOCH: value } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /SOURCE_DATE_EPOCH=.*: not a time cniso can use/);
      assert.match(r.stderr, /seconds since 1970/);
    }
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    assert.equal((await $`podman image mount`.text()).trim(), "", "nothing mounted");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
