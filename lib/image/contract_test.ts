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

/** Kernels 6.9.12 and 6.10.3 besides KVER (6.1.0-test), each with an initramfs. */
async function threeKernels(r: string) {
  for (const v of ["6.9.12", "6.10.3"]) {
    await put(r, `usr/lib/modules/${v}/vmlinuz`, `kernel ${v}`);
    await put(r, `usr/lib/modules/${v}/initramfs.img`, `initramfs ${v}`);
  }
}

Deno.test("discover: several kernels: the highest by version order is the default, the others follow newest first", async () => {
  await withTree(threeKernels, ({ contract, findings }) => {
    assert.ok(contract);
    assert.equal(
      contract.kernelVersion,
      "6.10.3",
      "6.10 is newer than 6.9, though not in text order",
    );
    assert.match(contract.kernelReason, /highest version of 3/);
    assert.deepEqual(contract.otherKernels.map((k) => k.version), ["6.9.12", KVER]);
    assert.equal(
      contract.otherKernels[0].initramfs.imagePath,
      "/usr/lib/modules/6.9.12/initramfs.img",
    );
    const kernels = findings.filter((f) => f.item === "kernel");
    assert.equal(kernels.length, 3);
    assert.match(kernels[1].detail, /also on the ISO at \/images\/pxeboot\/6\.9\.12\/vmlinuz/);
  });
  await withTree(threeKernels, ({ contract }) => {
    assert.equal(contract?.kernelVersion, "6.9.12");
    assert.equal(contract?.kernelReason, "default (--kernel)");
    assert.deepEqual(contract?.otherKernels.map((k) => k.version), ["6.10.3", KVER]);
  }, { kernelVersion: "6.9.12" });
  await withTree(threeKernels, ({ contract }) => {
    assert.equal(contract?.kernelVersion, "6.10.3");
    assert.deepEqual(contract?.otherKernels, []);
  }, { defaultKernelOnly: true });
  await withTree(threeKernels, (result) => {
    const f = errorOf(result, "kernel");
    assert.match(f.detail, /--kernel 9: no such kernel/);
    assert.match(f.hint!, new RegExp(`6\\.10\\.3, 6\\.9\\.12, ${KVER}`));
  }, { kernelVersion: "9" });
});

Deno.test("discover: a kernel without initramfs is left out with a warning; the default is the highest that has one", async () => {
  await withTree(async (r) => {
    await threeKernels(r);
    await remove(r, "usr/lib/modules/6.10.3/initramfs.img");
  }, ({ contract, findings }) => {
    assert.equal(contract?.kernelVersion, "6.9.12");
    assert.deepEqual(contract?.otherKernels.map((k) => k.version), [KVER]);
    const w = findings.find((f) => f.severity === "warning");
    assert.match(w!.detail, /6\.10\.3: no initramfs.img beside it/);
  });
  await withTree(async (r) => {
    await threeKernels(r);
    await remove(r, "usr/lib/modules/6.10.3/initramfs.img");
  }, (result) => {
    assert.match(errorOf(result, "initramfs").hint!, /dracut .*6\.10\.3/);
  }, { kernelVersion: "6.10.3" });
});

Deno.test("discover: a second kernel whose name cannot be a path on the ISO is left out", async () => {
  await withTree(async (r) => {
    for (const v of ["7.0 x", "-7.1", "7.2\nset"]) {
      await put(r, `usr/lib/modules/${v}/vmlinuz`, "k");
      await put(r, `usr/lib/modules/${v}/initramfs.img`, "i");
    }
  }, ({ contract, findings }) => {
    assert.ok(contract);
    assert.deepEqual(contract.otherKernels.map((k) => k.version), [KVER]);
    const warnings = findings.filter((f) => f.severity === "warning");
    assert.equal(warnings.length, 2, JSON.stringify(findings));
    for (const w of findings) assert.doesNotMatch(w.detail, /\n/);
  });
});

Deno.test("discover: a missing initramfs shows the dracut command", async () => {
  await withTree((r) => remove(r, `usr/lib/modules/${KVER}/initramfs.img`), (result) => {
    assert.match(errorOf(result, "initramfs").hint!, /dracut --no-hostonly --add dmsquash-live/);
  });
});

Deno.test("discover: vendor directory missing or several", async () => {
  await withTree(async (r) => {
    await remove(r, "usr/lib/efi");
    await remove(r, "boot/efi");
  }, (result) => {
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

Deno.test("discover: EFI files in Fedora's package tree: the highest version wins and the finding says which", async () => {
  await withTree(async (r) => {
    await remove(r, "boot/efi/EFI/debian");
    await remove(r, "usr/lib/efi/shim/15");
    await put(r, "usr/lib/efi/shim/15.8-3/EFI/debian/shimx64.efi", "shim 15.8");
    await put(r, "usr/lib/efi/shim/15.8-3/EFI/debian/mmx64.efi", "mm 15.8");
    await put(r, "usr/lib/efi/shim/15.10-1/EFI/debian/shimx64.efi", "shim 15.10");
    await put(r, "usr/lib/efi/shim/15.10-1/EFI/BOOT/BOOTX64.EFI", "fallback");
    await put(r, "usr/lib/efi/grub2/2.12-1/EFI/debian/gcdx64.efi", "gcd");
  }, ({ contract, findings }) => {
    assert.ok(contract, JSON.stringify(findings));
    assert.equal(contract.vendor, "debian");
    assert.equal(contract.shim.imagePath, "/usr/lib/efi/shim/15.10-1/EFI/debian/shimx64.efi");
    assert.equal(contract.mm.imagePath, "/usr/lib/efi/shim/15.8-3/EFI/debian/mmx64.efi");
    assert.equal(contract.gcd.imagePath, "/usr/lib/efi/grub2/2.12-1/EFI/debian/gcdx64.efi");
    const shim = findings.find((f) => f.item === "shimx64.efi")!;
    assert.match(shim.detail, /version 15\.10-1, the highest of 15\.10-1, 15\.8-3/);
  });
});

Deno.test("discover: EFI files only in bootupd's payload: vendor and files from there", async () => {
  await withTree(async (r) => {
    await remove(r, "boot/efi/EFI/debian");
    await remove(r, "usr/lib/efi");
    for (const f of ["shimx64.efi", "mmx64.efi", "gcdx64.efi"]) {
      await put(r, `usr/lib/bootupd/updates/EFI/fedora/${f}`, f);
    }
    await put(r, "usr/lib/bootupd/updates/EFI/BOOT/BOOTX64.EFI", "fallback");
  }, ({ contract, findings }) => {
    assert.ok(contract, JSON.stringify(findings));
    assert.equal(contract.vendor, "fedora");
    assert.equal(contract.gcd.imagePath, "/usr/lib/bootupd/updates/EFI/fedora/gcdx64.efi");
    assert.equal(
      findings.find((f) => f.item === "vendor")!.where,
      "/usr/lib/bootupd/updates/EFI/fedora",
    );
    assert.match(findings.find((f) => f.item === "mmx64.efi")!.detail, /bootupd/);
  });
});

Deno.test("discover: no /usr/lib/efi and no bootupd: the vendor is the /boot/efi/EFI directory that holds shim", async () => {
  await withTree(async (r) => {
    await remove(r, "usr/lib/efi");
    await put(r, "boot/efi/EFI/BOOT/BOOTX64.EFI", "fallback");
    await Deno.mkdir(`${r}/boot/efi/EFI/empty`, { recursive: true });
  }, ({ contract, findings }) => {
    assert.equal(contract?.vendor, "debian", JSON.stringify(findings));
    assert.equal(findings.find((f) => f.item === "vendor")!.where, "/boot/efi/EFI/debian");
  });
});

Deno.test("discover: the contract's /boot/efi comes before the package tree and bootupd", async () => {
  await withTree(async (r) => {
    await put(r, "usr/lib/efi/shim/16/EFI/debian/shimx64.efi", "newer shim");
    await put(r, "usr/lib/bootupd/updates/EFI/debian/shimx64.efi", "bootupd shim");
  }, ({ contract }) => {
    assert.equal(contract?.shim.imagePath, "/boot/efi/EFI/debian/shimx64.efi");
  });
});

Deno.test("discover: missing EFI binaries name the packages", async () => {
  for (
    const [file, pkg] of [["shimx64.efi", "shim-signed"], ["mmx64.efi", "shim-helpers"], [
      "gcdx64.efi",
      "grub2-efi-x64-cdboot",
    ]]
  ) {
    await withTree((r) => remove(r, `boot/efi/EFI/debian/${file}`), (result) => {
      const f = errorOf(result, file);
      assert.match(f.hint!, new RegExp(pkg));
      assert.match(
        f.detail,
        /also looked in \/usr\/lib\/efi\/\*\/\*\/EFI\/debian\/ and \/usr\/lib\/bootupd/,
      );
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

Deno.test("discover: at most 16 kernels on the ISO; names that would land on the default's files stay off", async () => {
  await withTree(async (r) => {
    for (let i = 0; i < 20; i++) {
      await put(r, `usr/lib/modules/5.${i}.0/vmlinuz`, "k");
      await put(r, `usr/lib/modules/5.${i}.0/initramfs.img`, "i");
    }
    for (const v of ["vmlinuz", "initrd.img"]) {
      await put(r, `usr/lib/modules/${v}/vmlinuz`, "k");
      await put(r, `usr/lib/modules/${v}/initramfs.img`, "i");
    }
  }, ({ contract, findings }) => {
    assert.ok(contract);
    assert.equal(contract.otherKernels.length, 15);
    assert.ok(!contract.otherKernels.some((k) => /^[a-z]/.test(k.version)));
    const warnings = findings.filter((f) => f.severity === "warning").map((f) => f.detail);
    assert.ok(
      warnings.some((w) => /the ISO takes 16 kernels at most/.test(w)),
      warnings.join("\n"),
    );
    assert.ok(warnings.some((w) => /^vmlinuz: left out/.test(w)));
  });
});

Deno.test("discover: an EFI binary of more than 64 MiB is refused before it reaches the FAT image", async () => {
  await withTree(async (r) => {
    const f = await Deno.open(`${r}/boot/efi/EFI/debian/gcdx64.efi`, { write: true });
    await f.truncate(65 * 1024 * 1024); // sparse: no disk used
    f.close();
  }, (result) => {
    assert.match(errorOf(result, "gcdx64.efi").detail, /more than 64\.0 MiB/);
  });
});

Deno.test("discover: links that pile up a path too long for the host are bad input, not a crash", async () => {
  // Directories 16 deep of 250-character names (just under the host's PATH_MAX), and a
  // link at the bottom that adds one more: the host cannot look that path up.
  const deep = Array(16).fill("d".repeat(250)).join("/");
  await withTree(async (r) => {
    await Deno.mkdir(`${r}/${deep}`, { recursive: true });
    await Deno.symlink(`${"e".repeat(250)}/x`, `${r}/${deep}/s`);
    await remove(r, `usr/lib/modules/${KVER}`);
    await link(r, `usr/lib/modules/${KVER}`, `/${deep}/s`);
  }, () => assert.fail("expected an error"))
    .then(() => assert.fail("expected an error"), (e: Error) => {
      assert.equal(e.name, "InputError", String(e));
      assert.match(e.message, /path too long/);
    });
});
