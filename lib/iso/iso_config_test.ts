import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { parseIsoConfig } from "./iso_config.ts";

const FILE = "/usr/lib/image-builder/bootc/iso.yaml";

// The example from CONTRACT.md, as the slides write it.
const CONTRACT_EXAMPLE = `label: "Bazzite-Live"          # ISO volume id; at most 32 characters
grub2:
  default: 0                   # menu entry: index (int or numeric string) or entry name
  timeout: 10                  # seconds (int or numeric string)
  entries:                     # each entry needs all three keys
    - name: "Bazzite Live ISO"
      linux: "/images/pxeboot/vmlinuz quiet rhgb root=live:CDLABEL=Bazzite-Live enforcing=0 rd.live.image"
      initrd: "/images/pxeboot/initrd.img"
`;

function fails(text: string, pattern: RegExp) {
  assert.throws(() => parseIsoConfig(text, FILE), (e: unknown) => {
    assert.ok(e instanceof InputError, `expected an InputError, got ${e}`);
    assert.equal(e.exitCode, 2);
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("iso.yaml: the contract's example parses", () => {
  const { config, warnings } = parseIsoConfig(CONTRACT_EXAMPLE, FILE);
  assert.equal(config.label, "Bazzite-Live");
  assert.equal(config.grub2?.default, 0);
  assert.equal(config.grub2?.timeout, 10);
  assert.equal(config.grub2?.entries?.[0].name, "Bazzite Live ISO");
  assert.deepEqual(warnings, []);
});

Deno.test("iso.yaml: numeric strings and integers are both accepted", () => {
  const text = CONTRACT_EXAMPLE.replace("default: 0", 'default: "0"').replace(
    "timeout: 10",
    'timeout: "10"',
  );
  const { config } = parseIsoConfig(text, FILE);
  assert.equal(config.grub2?.default, 0);
  assert.equal(config.grub2?.timeout, 10);
  assert.equal(parseIsoConfig("grub2:\n  default: Foo\n", FILE).config.grub2?.default, "Foo");
});

Deno.test("iso.yaml: kernel_args and an empty file", () => {
  assert.deepEqual(
    parseIsoConfig("kernel_args:\n  - quiet\n  - splash\n", FILE).config.kernel_args,
    ["quiet", "splash"],
  );
  assert.deepEqual(parseIsoConfig("", FILE).config, {});
  assert.deepEqual(parseIsoConfig("# only a comment\n", FILE).config, {});
});

Deno.test("iso.yaml: errors name the file, the key path and the line", () => {
  fails("grub2:\n  timeout: soon\n", /iso\.yaml:2:\d+: grub2\.timeout: expected a whole number/);
  fails(
    "grub2:\n  timeout: -5\n",
    /iso\.yaml:2:\d+: grub2\.timeout: the timeout cannot be negative/,
  );
  fails(
    "grub2:\n  entries:\n    - name: a\n      linux: /images/pxeboot/vmlinuz\n",
    /iso\.yaml:3:\d+: grub2\.entries\[0\]\.initrd: this key is required/,
  );
  fails(
    "grub2:\n  entries:\n    - name: a\n      linux: /k\n      initrd: 5\n",
    /iso\.yaml:5:\d+: grub2\.entries\[0\]\.initrd: expected the initrd path as a string/,
  );
  fails("label: [1, 2]\n", /iso\.yaml:1:\d+: label: expected the label as a string/);
  fails("- just\n- a list\n", /iso\.yaml:1:1: \(top level\): expected a mapping/);
  fails("kernel_args: quiet\n", /kernel_args: expected a list of strings/);
  fails("grub2:\n  entries: {}\n", /grub2\.entries: expected a list of entries/);
});

Deno.test("iso.yaml: YAML syntax errors give line and column", () => {
  fails('label: "open\ngrub2:\n', /iso\.yaml:\d+:\d+: invalid YAML/);
  fails("grub2:\n  timeout: 1\n timeout: 2\n", /iso\.yaml:3:\d+: invalid YAML/);
  fails("label: a\nlabel: b\n", /iso\.yaml:2:1: invalid YAML: .*unique/);
});

Deno.test("iso.yaml: unknown keys warn, with their line", () => {
  const { warnings } = parseIsoConfig(
    "lable: x\ngrub2:\n  timout: 3\n  entries:\n    - name: a\n      linux: /k\n      initrd: /i\n      initramfs: /j\n",
    FILE,
  );
  assert.deepEqual(warnings, [
    `${FILE}:1:1: unknown key lable is ignored`,
    `${FILE}:3:3: unknown key grub2.timout is ignored`,
    `${FILE}:8:7: unknown key grub2.entries[0].initramfs is ignored`,
  ]);
});
