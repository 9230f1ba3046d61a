import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { parseIsoConfig } from "./iso_config.ts";
import { buildMenu } from "./menu.ts";

const entry = (name: string, label = "L-1", extra = "") =>
  `    - name: "${name}"\n      linux: "/images/pxeboot/vmlinuz root=live:CDLABEL=${label} rd.live.image${extra}"\n      initrd: /images/pxeboot/initrd.img\n`;
const yaml = (body: string, head = "") =>
  parseIsoConfig(`label: L-1\ngrub2:\n${head}  entries:\n${body}`, "iso.yaml");

function rejects(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof InputError && pattern.test(e.message));
}

Deno.test("menu: default by index, numeric string, or name", () => {
  const body = entry("A") + entry("B") + entry("C");
  assert.equal(buildMenu(yaml(body, "  default: 2\n"), "L-1").menu.defaultIndex, 2);
  assert.equal(buildMenu(yaml(body, '  default: "1"\n'), "L-1").menu.defaultIndex, 1);
  assert.equal(buildMenu(yaml(body, "  default: B\n"), "L-1").menu.defaultIndex, 1);
  assert.equal(buildMenu(yaml(body), "L-1").menu.defaultIndex, 0);
});

Deno.test("menu: a default that names no entry fails with its line", () => {
  const body = entry("A") + entry("B");
  rejects(
    () => buildMenu(yaml(body, "  default: 2\n"), "L-1"),
    /iso\.yaml:3:3: grub2\.default: 2 names no entry \(there are 2 entries/,
  );
  rejects(
    () => buildMenu(yaml(body, "  default: Z\n"), "L-1"),
    /grub2\.default: "Z" names no entry/,
  );
  rejects(
    () => buildMenu(yaml(entry("A") + entry("A"), "  default: A\n"), "L-1"),
    /names several entries/,
  );
});

Deno.test("menu: a CDLABEL that is not the ISO label fails, or warns when allowed", () => {
  const body = entry("A") + entry("B", "Other");
  rejects(
    () => buildMenu(yaml(body), "L-1"),
    /grub2\.entries\[1\]\.linux: root=live:CDLABEL=Other does not match the ISO label "L-1"/,
  );
  const { warnings } = buildMenu(yaml(body), "L-1", { allowLabelMismatch: true });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /CDLABEL=Other/);
  // udev escaping: \x2d is "-".
  assert.equal(buildMenu(yaml(entry("A", "L\\\\x2d1")), "L-1").warnings.length, 0);
});

Deno.test("menu: text that would change the GRUB config's meaning is rejected", () => {
  rejects(() => buildMenu(yaml(entry("a\\nmenuentry x {")), "L-1"), /control character/);
  rejects(() => buildMenu(yaml(entry("--unrestricted")), "L-1"), /starts with "-"/);
  rejects(
    () =>
      buildMenu(
        yaml(`    - name: A\n      linux: '/images/pxeboot/vmlinuz foo="open'\n      initrd: /i\n`),
        "L-1",
      ),
    /double quote is not closed/,
  );
  rejects(
    () =>
      buildMenu(
        yaml('    - name: A\n      linux: "--x root=live:CDLABEL=L-1"\n      initrd: /i\n'),
        "L-1",
      ),
    /not an absolute path/,
  );
  rejects(
    () => buildMenu(parseIsoConfig("kernel_args: ['a b']\n", "iso.yaml"), "L-1"),
    /kernel_args\[0\]: one argument per list item/,
  );
});

Deno.test("menu: entries at unusual paths warn", () => {
  const { warnings } = buildMenu(
    yaml(
      '    - name: A\n      linux: "/boot/vmlinuz root=live:CDLABEL=L-1"\n      initrd: /images/pxeboot/initrd.img\n',
    ),
    "L-1",
  );
  assert.match(warnings[0], /\/boot\/vmlinuz is not on the ISO/);
});

Deno.test("menu: several kernels: one generated entry each, the default first, then the extras", () => {
  const { menu } = buildMenu(undefined, "L-1", {
    generatedName: "OS",
    otherKernels: ["6.9.12", "6.1.0"],
  });
  assert.deepEqual(menu.entries.map((e) => e.name), [
    "OS",
    "OS (kernel 6.9.12)",
    "OS (kernel 6.1.0)",
    "OS (basic graphics)",
  ]);
  assert.equal(menu.entries[0].kernel, "/images/pxeboot/vmlinuz");
  assert.equal(menu.entries[1].kernel, "/images/pxeboot/6.9.12/vmlinuz");
  assert.equal(menu.entries[1].initrd, "/images/pxeboot/6.9.12/initrd.img");
  assert.equal(menu.defaultIndex, 0);
  assert.ok(menu.entries[1].args.includes("root=live:CDLABEL=L-1"));
});

Deno.test("menu: iso.yaml entries may boot a kernel by its per-version paths", () => {
  const body =
    '    - name: A\n      linux: "/images/pxeboot/6.9.12/vmlinuz root=live:CDLABEL=L-1"\n' +
    "      initrd: /images/pxeboot/6.9.12/initrd.img\n";
  assert.deepEqual(buildMenu(yaml(body), "L-1", { otherKernels: ["6.9.12"] }).warnings, []);
  const { warnings } = buildMenu(yaml(body), "L-1", { otherKernels: ["6.10.3"] });
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /6\.9\.12\/vmlinuz is not on the ISO/);
});

Deno.test("menu: SELinux: a labelled root under an enforcing policy gets a permissive entry; an unlabelled one boots with enforcing=0", () => {
  const names = (m: ReturnType<typeof buildMenu>) => m.menu.entries.map((e) => e.name);
  const opts = { generatedName: "OS", noExtraEntries: true };
  const labelled = buildMenu(undefined, "L-1", {
    ...opts,
    selinux: { enforcing: true, labelled: true },
  });
  assert.deepEqual(names(labelled), ["OS", "OS (SELinux permissive)"]);
  assert.equal(labelled.menu.defaultIndex, 0);
  assert.ok(!labelled.menu.entries[0].args.some((a) => a.startsWith("enforcing")));
  assert.ok(labelled.menu.entries[0].args.includes("systemd.gpt_auto=0"));
  assert.ok(labelled.menu.entries[1].args.includes("enforcing=0"));

  const unlabelled = buildMenu(undefined, "L-1", {
    ...opts,
    selinux: { enforcing: true, labelled: false },
  });
  assert.deepEqual(names(unlabelled), ["OS"]);
  assert.ok(unlabelled.menu.entries[0].args.includes("enforcing=0"));
  assert.ok(!unlabelled.menu.entries[0].args.includes("systemd.gpt_auto=0"));

  for (const selinux of [undefined, { enforcing: false, labelled: false }]) {
    const plain = buildMenu(undefined, "L-1", { ...opts, selinux });
    assert.deepEqual(names(plain), ["OS"]);
    assert.deepEqual(plain.menu.entries[0].args, [
      "root=live:CDLABEL=L-1",
      "rd.live.image",
      "rd.live.overlay.overlayfs=1",
    ]);
  }
  // iso.yaml's own entries are the image's choice: left as they are.
  const own = buildMenu(yaml(entry("A")), "L-1", { selinux: { enforcing: true, labelled: false } });
  assert.deepEqual(own.menu.entries[0].args, ["root=live:CDLABEL=L-1", "rd.live.image"]);
});
