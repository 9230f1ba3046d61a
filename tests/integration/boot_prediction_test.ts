/**
 * The boot prediction (root, podman): `check` and the start of `build` judge
 * each initramfs and the Secure Boot chain before anything heavy runs.
 *  - hostonly: dracut's host-only build without dmsquash-live (as a stock bootc
 *    image's initramfs is): check fails naming the dracut command; build stops
 *    before the squashfs step and leaves nothing behind.
 *  - sb-traps: a kernel re-signed with an unknown key, a shim signed only under
 *    Microsoft's 2011 CA: warnings that name both (the boot tests prove them).
 *  - the example image: every verdict ok; without sbsigntool, a warning.
 */
import $ from "dax";
import assert from "node:assert/strict";
import { fakePath } from "../../testing/fake_tools.ts";
import { cniso, exampleImage, testImage } from "../../testing/images.ts";

interface Doc {
  ok: boolean;
  findings: {
    section: string;
    what: string;
    status: string;
    where: string;
    detail: string;
    hint: string | null;
  }[];
}

async function checkJson(args: string[], env?: Record<string, string>) {
  const r = await cniso(["check", "--json", ...args], { env });
  return { code: r.code, doc: JSON.parse(r.stdout) as Doc, stderr: r.stderr };
}

const boot = (doc: Doc, what: string) =>
  doc.findings.filter((f) => f.section === "boot" && f.what === what);

Deno.test("check (root, podman): a host-only initramfs without dmsquash-live fails, naming the dracut command", async () => {
  const image = await testImage("hostonly");
  const r = await cniso(["check", image]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /Boot prediction:/);
  assert.match(r.stdout, /FAIL live boot .*has no dracut dmsquash-live module/);
  assert.match(r.stdout, /built host-only \(dracut was run with --hostonly\)/);
  assert.match(
    r.stdout,
    /dracut --force --no-hostonly --add "dmsquash-live" --kver \S+ \/usr\/lib\/modules\/\S+\/initramfs\.img/,
  );
  const { code, doc } = await checkJson([image]);
  assert.equal(code, 2);
  assert.equal(doc.ok, false);
  const live = boot(doc, "live boot");
  assert.ok(live.some((f) => f.status === "error" && /dmsquash-live/.test(f.detail)));
  assert.ok(live.some((f) => f.status === "warning" && /host-only/.test(f.detail)));
  // The override: the same problems, as warnings.
  const accepted = await checkJson([image, "--accept-initramfs"]);
  assert.equal(accepted.code, 0, JSON.stringify(accepted.doc.findings));
  assert.ok(boot(accepted.doc, "live boot").some((f) => /--accept-initramfs/.test(f.detail)));
});

Deno.test("build (root, podman): an initramfs that cannot boot stops the build before the squashfs step, nothing left", async () => {
  const image = await testImage("hostonly");
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "cniso-predict-" });
  try {
    const before = await $`ls /var/tmp`.text();
    const r = await cniso(["build", image, "-o", `${dir}/x.iso`, "--progress", "plain"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /dmsquash-live/);
    assert.match(r.stderr, /dracut --force --no-hostonly/);
    assert.doesNotMatch(r.stdout + r.stderr, /\[1\/\d\]|mksquashfs|squashfs\.img/);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    assert.equal((await $`podman image mount`.text()).trim(), "");
    assert.equal(await $`ls /var/tmp`.text(), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check (root, podman): an untrusted kernel and a shim signed only under the 2011 CA are named", async () => {
  const { code, doc } = await checkJson([await testImage("sb-traps")]);
  assert.equal(code, 0, "warnings only: the ISO still boots with Secure Boot off");
  const sb = boot(doc, "Secure Boot");
  const shim = sb.find((f) => /shimx64/.test(f.where))!;
  assert.equal(shim.status, "warning");
  assert.match(shim.detail, /Microsoft Corporation UEFI CA 2011 only.*refuses it/);
  const kernel = sb.find((f) => /vmlinuz/.test(f.where))!;
  assert.equal(kernel.status, "warning");
  assert.match(
    kernel.detail,
    /Secure Boot will refuse the kernel .*cniso untrusted test key.*Debian Secure Boot CA/,
  );
  assert.match(kernel.hint!, /mokutil --import/);
  assert.equal(sb.find((f) => /gcdx64/.test(f.where))!.status, "ok");
});

Deno.test("check (root, podman): the example image's chain, initramfs and medium are all ok; no sbsigntool is a warning", async () => {
  const image = await exampleImage();
  const { code, doc } = await checkJson([image]);
  assert.equal(code, 0);
  const sb = boot(doc, "Secure Boot");
  assert.equal(sb.length, 3);
  assert.ok(sb.every((f) => f.status === "ok"), JSON.stringify(sb));
  assert.match(sb[0].detail, /2011 and Microsoft UEFI CA 2023/);
  assert.deepEqual(boot(doc, "live boot").map((f) => f.status), ["ok"]);
  assert.match(boot(doc, "medium")[0].detail, /fits a DVD/);
  // The stand-in PATH holds the build tools only: no sbverify, sbattach or openssl.
  const path = await fakePath({});
  try {
    const without = await checkJson([image], { PATH: path });
    assert.equal(without.code, 0);
    const only = boot(without.doc, "Secure Boot");
    assert.equal(only.length, 1);
    assert.match(only[0].detail, /not checked/);
  } finally {
    await Deno.remove(path, { recursive: true });
  }
});
