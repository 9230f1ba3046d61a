import assert from "node:assert/strict";
import { discover } from "./contract.ts";
import { ImageRoot } from "./image_root.ts";
import { KVER, link, makeTree, put, remove } from "../../testing/tree.ts";

async function withTree(
  prepare: (root: string) => Promise<void>,
  check: (result: Awaited<ReturnType<typeof discover>>) => void,
  options: Parameters<typeof discover>[1] = {},
) {
  const root = await makeTree();
  try {
    await prepare(root);
    check(await discover(new ImageRoot(root), options));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function errorOf(result: Awaited<ReturnType<typeof discover>>, item: string) {
  assert.equal(result.contract, undefined, "a broken tree yields no contract");
  const f = result.findings.find((f) => f.item === item && f.severity === "error");
  assert.ok(f, `expected an error for ${item}: ${JSON.stringify(result.findings)}`);
  return f;
}

Deno.test("discover: a complete tree yields every piece", async () => {
  await withTree(async () => {}, ({ contract, findings }) => {
    assert.ok(contract);
    assert.equal(contract.kernelVersion, KVER);
    assert.equal(contract.vendor, "debian");
    assert.equal(contract.shim.imagePath, "/boot/efi/EFI/debian/shimx64.efi");
    assert.equal(contract.gcd.imagePath, "/boot/efi/EFI/debian/gcdx64.efi");
    assert.equal(contract.biosModules?.length, 15);
    assert.equal(contract.osRelease?.NAME, "Test OS");
    assert.equal(contract.isoYaml, undefined);
    assert.deepEqual(findings.filter((f) => f.severity !== "ok"), []);
  });
});

Deno.test("discover: no kernel says where it looked and how to fix it", async () => {
  await withTree((r) => remove(r, `usr/lib/modules/${KVER}/vmlinuz`), (result) => {
    const f = errorOf(result, "kernel");
    assert.match(f.detail, /no kernel/);
    assert.match(f.hint!, /\/usr\/lib\/modules\/\$KV\/vmlinuz/);
  });
});

Deno.test("discover: several kernels are listed, never picked silently; --kernel picks", async () => {
  const second = async (r: string) => {
    await put(r, "usr/lib/modules/6.2.0-b/vmlinuz", "k2");
    await put(r, "usr/lib/modules/6.2.0-b/initramfs.img", "i2");
  };
  await withTree(second, (result) => {
    const f = errorOf(result, "kernel");
    assert.match(f.detail, new RegExp(`several kernels: ${KVER}, 6.2.0-b`));
    assert.match(f.hint!, /--kernel/);
  });
  await withTree(second, ({ contract }) => {
    assert.equal(contract?.kernelVersion, "6.2.0-b");
  }, { kernelVersion: "6.2.0-b" });
  await withTree(second, (result) => {
    assert.match(errorOf(result, "kernel").detail, /--kernel 9: no such kernel/);
  }, { kernelVersion: "9" });
});

Deno.test("discover: a missing initramfs shows the dracut command", async () => {
  await withTree((r) => remove(r, `usr/lib/modules/${KVER}/initramfs.img`), (result) => {
    assert.match(errorOf(result, "initramfs").hint!, /dracut --no-hostonly --add dmsquash-live/);
  });
});

Deno.test("discover: vendor directory missing or several", async () => {
  await withTree((r) => remove(r, "usr/lib/efi"), (result) => {
    assert.match(errorOf(result, "vendor").detail, /no UEFI vendor directory/);
  });
  await withTree(
    (r) => Deno.mkdir(`${r}/usr/lib/efi/shim/15/EFI/fedora`, { recursive: true }),
    (result) => {
      const f = errorOf(result, "vendor");
      assert.match(f.detail, /several vendor directories: debian, fedora/);
      assert.match(f.hint!, /--vendor/);
    },
  );
});

Deno.test("discover: missing EFI binaries name the packages", async () => {
  for (
    const [file, pkg] of [["shimx64.efi", "shim-signed"], ["mmx64.efi", "shim-helpers"], [
      "gcdx64.efi",
      "grub2-efi-x64-cdboot",
    ]]
  ) {
    await withTree((r) => remove(r, `boot/efi/EFI/debian/${file}`), (result) => {
      assert.match(errorOf(result, file).hint!, new RegExp(pkg));
    });
  }
});

Deno.test("discover: no BIOS modules suggests --no-bios, which builds UEFI-only", async () => {
  await withTree((r) => remove(r, "usr/lib/grub"), (result) => {
    assert.match(errorOf(result, "BIOS modules").hint!, /--no-bios/);
  });
  await withTree((r) => remove(r, "usr/lib/grub"), ({ contract }) => {
    assert.ok(contract);
    assert.equal(contract.biosModules, undefined);
  }, { noBios: true });
  await withTree((r) => remove(r, "usr/lib/grub/i386-pc/cdboot.img"), (result) => {
    assert.match(errorOf(result, "BIOS modules").detail, /no cdboot.img/);
  });
});

Deno.test("discover: iso.yaml at the second path; the first wins when both exist", async () => {
  await withTree(
    (r) => put(r, "usr/lib/bootc-image-builder/iso.yaml", "label: B"),
    ({ contract }) => {
      assert.equal(contract?.isoYaml?.imagePath, "/usr/lib/bootc-image-builder/iso.yaml");
    },
  );
  await withTree(async (r) => {
    await put(r, "usr/lib/bootc-image-builder/iso.yaml", "label: B");
    await put(r, "usr/lib/image-builder/bootc/iso.yaml", "label: A");
  }, ({ contract }) => assert.equal(contract?.isoYaml?.text, "label: A"));
});

Deno.test("discover: links out of the image read the image's files, never the host's", async () => {
  const canary = await Deno.makeTempFile({ prefix: "cniso-canary-" });
  await Deno.writeTextFile(canary, "HOST-SECRET");
  try {
    await withTree(async (r) => {
      await link(r, `usr/lib/modules/${KVER}/vmlinuz`, "/etc/os-release");
      await link(r, "usr/lib/image-builder/bootc/iso.yaml", canary);
    }, (result) => {
      assert.equal(JSON.stringify(result).includes("HOST-SECRET"), false);
      // vmlinuz resolves to the image's own /etc/os-release, a regular file in the image.
      const kernel = result.findings.find((f) => f.item === "kernel");
      assert.equal(kernel?.where, "/etc/os-release");
      assert.match(errorOf(result, "iso.yaml").detail, /not a regular file inside the image/);
    });
  } finally {
    await Deno.remove(canary);
  }
});

Deno.test("discover: the medium can be checked only when the image has checkisomd5", async () => {
  await withTree(async () => {}, (r) => assert.equal(r.contract?.mediaCheck, false));
  await withTree(
    (root) => put(root, "usr/bin/checkisomd5", "#!/bin/sh\n"),
    (r) => assert.equal(r.contract?.mediaCheck, true),
  );
});
