/**
 * The real images the integration tests use, built locally (no registry) and
 * cached in podman storage under a tag that is a hash of their recipe, so a
 * rerun with the same recipe takes seconds.
 *
 *   localhost/cniso-base:bookworm      debootstrap (examples/make-base.sh)
 *   localhost/cniso-example:<hash>     examples/debian: the contract image
 *   localhost/cniso-test-<name>:<hash> tests/fixtures/images/<name>, FROM the example
 */
import $ from "dax";
import { createHash } from "node:crypto";
import * as path from "node:path";

export const REPO = path.resolve(import.meta.dirname!, "..");
export const BASE = "localhost/cniso-base:bookworm";

async function hashDir(dir: string, h = createHash("sha256")) {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  for (const name of names.sort()) {
    const p = path.join(dir, name);
    const info = await Deno.stat(p);
    h.update(name);
    if (info.isDirectory) await hashDir(p, h);
    else h.update(await Deno.readFile(p));
  }
  return h;
}

async function buildCached(name: string, dir: string, args: Record<string, string>, key: string) {
  const h = await hashDir(dir);
  h.update(key);
  const tag = `${name}:${h.digest("hex").slice(0, 12)}`;
  if ((await $`podman image exists ${tag}`.noThrow().code()) !== 0) {
    const buildArgs = Object.entries(args).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
    await $`podman build -q -t ${tag} ${buildArgs} ${dir}`.stdout("null");
  }
  return tag;
}

let example: Promise<string> | undefined;

/** The example contract image (examples/debian), built once per test run. */
export function exampleImage(): Promise<string> {
  example ??= (async () => {
    await $`bash ${REPO}/examples/make-base.sh ${BASE}`;
    const baseId = (await $`podman image inspect --format {{.Id}} ${BASE}`.text()).trim();
    return await buildCached(
      "localhost/cniso-example",
      path.join(REPO, "examples/debian"),
      { BASE },
      baseId,
    );
  })();
  return example;
}

const fixtures = new Map<string, Promise<string>>();

/** The test images of tests/fixtures/images/ built on the example image. */
export type TestImageName =
  | "live"
  | "noyaml"
  | "badlabel"
  | "efi-packages"
  | "efi-bootupd"
  | "kernels"
  | "payload-live"
  | "mediacheck"
  | "selinux"
  | "sb-traps"
  | "hostonly";

/** A test image from tests/fixtures/images/<name>, built on the example image. */
export function testImage(name: TestImageName): Promise<string> {
  if (!fixtures.has(name)) {
    fixtures.set(
      name,
      (async () => {
        const base = await exampleImage();
        return await buildCached(
          `localhost/cniso-test-${name}`,
          path.join(REPO, "tests/fixtures/images", name),
          { BASE: base },
          base,
        );
      })(),
    );
  }
  return fixtures.get(name)!;
}

export const SID_BASE = "localhost/cniso-base:sid";
let sid: Promise<string> | undefined;

/**
 * A Debian sid image (kernel 7.x, dracut-ng, GRUB 2.14) laid out as the
 * contract's upstream Debian example does it (tests/fixtures/images/sid).
 */
export function sidImage(): Promise<string> {
  sid ??= (async () => {
    await $`bash ${REPO}/examples/make-base.sh ${SID_BASE} sid`;
    const baseId = (await $`podman image inspect --format {{.Id}} ${SID_BASE}`.text()).trim();
    return await buildCached(
      "localhost/cniso-test-sid",
      path.join(REPO, "tests/fixtures/images/sid"),
      { BASE: SID_BASE },
      baseId,
    );
  })();
  return sid;
}

let arm64: Promise<string> | undefined;

/**
 * An arm64 Debian 12 contract image (tests/fixtures/arm64/make-image.sh): made on this
 * x86_64 host from Debian's arm64 packages, with only dracut and a few tools run under
 * qemu-user-static. Tagged by the hash of its recipe, like the others.
 */
export function arm64Image(): Promise<string> {
  arm64 ??= (async () => {
    const dir = path.join(REPO, "tests/fixtures/arm64");
    const tag = `localhost/cniso-test-arm64:${(await hashDir(dir)).digest("hex").slice(0, 12)}`;
    if ((await $`podman image exists ${tag}`.noThrow().code()) !== 0) {
      await $`bash ${dir}/make-image.sh ${tag}`;
    }
    return tag;
  })();
  return arm64;
}

/** The payloads of tests/fixtures/payloads/: FROM scratch with Debian's static busybox. */
export type PayloadName = "payload-a" | "payload-b";

const payloads = new Map<PayloadName, Promise<string>>();

/**
 * A payload image, built from its Containerfile with /bin/busybox (busybox-static)
 * beside it; named by its :latest tag, which the live test image runs.
 */
export function payloadImage(name: PayloadName): Promise<string> {
  if (!payloads.has(name)) {
    payloads.set(
      name,
      (async () => {
        const dir = await Deno.makeTempDir({ prefix: "cniso-payload-ctx-" });
        try {
          const src = path.join(REPO, "tests/fixtures/payloads", name);
          await Deno.copyFile(path.join(src, "Containerfile"), path.join(dir, "Containerfile"));
          await Deno.copyFile("/bin/busybox", path.join(dir, "busybox"));
          const tag = await buildCached(`localhost/cniso-${name}`, dir, {}, "");
          // The live image's service runs it by this name.
          await $`podman tag ${tag} localhost/cniso-${name}:latest`;
          return `localhost/cniso-${name}:latest`;
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      })(),
    );
  }
  return payloads.get(name)!;
}

/** The release checks' image (release/big): the live image and 4.4 GiB of random bytes. */
export async function bigImage(): Promise<string> {
  const base = await testImage("live");
  return await buildCached("localhost/cniso-release-big", path.join(REPO, "release/big"), {
    BASE: base,
  }, base);
}

/** The benchmark's desktop-size image (bench/desktop): several GB, built only by the benchmark. */
export async function desktopImage(): Promise<string> {
  const base = await exampleImage();
  return await buildCached("localhost/cniso-bench-desktop", path.join(REPO, "bench/desktop"), {
    BASE: base,
  }, base);
}

let builder: Promise<string> | undefined;

/** cniso's builder image (Containerfile), built once per run by scripts/build-image.sh. */
export function builderImage(): Promise<string> {
  builder ??= $`bash ${REPO}/scripts/build-image.sh localhost/cniso-test-builder`.text()
    .then((t) => t.trim().split("\n").at(-1)!);
  return builder;
}

/** Mounts an image for the duration of `fn` (the tests' independent view of it). */
export async function withMountedImage<T>(image: string, fn: (root: string) => Promise<T>) {
  const root = (await $`podman image mount ${image}`.text()).trim();
  try {
    return await fn(root);
  } finally {
    await $`podman image unmount ${image}`.quiet();
  }
}

/** The Deno permissions cniso runs with (the builder image and the binary use the same). */
export const PERMISSIONS = Deno.readTextFileSync(path.join(REPO, "builder/permissions")).trim()
  .split(/\s+/);

/** Runs the CLI as a user would, with only the permissions it is given in the builder image. */
export async function cniso(args: string[], options: { env?: Record<string, string> } = {}) {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, "--no-prompt", path.join(REPO, "main.ts"), ...args],
    env: options.env,
    stdout: "piped",
    stderr: "piped",
  });
  const out = await cmd.output();
  const dec = new TextDecoder();
  return noInternalError({
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  });
}

/**
 * "internal error" is for bugs: every run of the CLI in the tests fails when
 * it prints that, whatever the test itself checks.
 */
export function noInternalError<T extends { stdout: string; stderr: string }>(r: T): T {
  if (/internal error/.test(r.stdout + r.stderr)) {
    throw new Error(`cniso printed an internal error:\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

/** Runs the CLI under /usr/bin/time: also its wall time and peak memory. */
export async function cnisoMeasured(args: string[], env?: Record<string, string>) {
  const rss = await Deno.makeTempFile({ prefix: "cniso-rss-" });
  try {
    const start = performance.now();
    const out = await new Deno.Command("/usr/bin/time", {
      args: ["-f", "%M", "-o", rss, Deno.execPath(), "run", ...PERMISSIONS, "--no-prompt"]
        .concat([path.join(REPO, "main.ts"), ...args]),
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const seconds = (performance.now() - start) / 1000;
    const dec = new TextDecoder();
    const maxRssMiB = Number((await Deno.readTextFile(rss)).trim().split("\n").at(-1)) / 1024;
    return noInternalError({
      code: out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
      seconds,
      maxRssMiB,
    });
  } finally {
    await Deno.remove(rss);
  }
}

/** Starts the CLI without waiting for it (to signal it mid-build). */
export function spawnCniso(args: string[], env?: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, "--no-prompt", path.join(REPO, "main.ts"), ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Waits (up to a minute) until a process whose command line matches `pattern` runs. */
export async function waitForProcess(pattern: string): Promise<boolean> {
  for (let i = 0; i < 600; i++) {
    if ((await $`pgrep -f ${pattern}`.noThrow().quiet().code()) === 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
