import assert from "node:assert/strict";
import $ from "dax";
import { InputError } from "../errors.ts";
import { grubQuote, renderGrubConfig } from "./grub_config.ts";
import { parseIsoConfig } from "./iso_config.ts";
import { buildMenu, type Menu } from "./menu.ts";

/** Runs grub-script-check (GRUB's own parser) on each config; returns the failures. */
async function grubScriptCheck(configs: string[]): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "cniso-grubcheck-" });
  try {
    const failures: string[] = [];
    for (const [i, config] of configs.entries()) {
      const file = `${dir}/${i}.cfg`;
      await Deno.writeTextFile(file, config);
      const r = await $`grub-script-check ${file}`.stdout("piped").stderr("piped").noThrow();
      if (r.code !== 0) failures.push(`${r.stderr}\n${config}`);
    }
    return failures;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Decodes the rendered config with an independent reader of the same quoting
 * rules (POSIX shell single quotes, via Python's shlex): returns, per config,
 * the words of each menuentry, linux and initrd command, and the search label.
 */
async function decode(configs: string[]): Promise<
  { entries: string[][]; search: string[]; others: string[] }[]
> {
  const script = `
import json, shlex, sys
out = []
for cfg in json.load(sys.stdin):
    r = {"entries": [], "search": [], "others": []}
    for line in cfg.split("\\n"):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        words = shlex.split(s, posix=True)
        if words[0] in ("menuentry", "linux", "initrd"):
            r["entries"].append(words)
        elif words[0] == "search":
            r["search"] = words
        elif s not in ("}",) and not s.startswith(("set ", "serial ", "terminal_")):
            r["others"].append(s)
    out.append(r)
json.dump(out, sys.stdout)
`;
  const r = await $`python3 -c ${script}`.stdinText(JSON.stringify(configs)).text();
  return JSON.parse(r);
}

function expectedWords(menu: Menu): string[][] {
  return menu.entries.flatMap((e, i) => [
    ["menuentry", e.name, "--id", `cniso-${i}`, "{"],
    ["linux", e.kernel, ...e.args],
    ["initrd", e.initrd],
  ]);
}

Deno.test("grub: quoting", () => {
  assert.equal(grubQuote("plain"), "'plain'");
  assert.equal(grubQuote("it's"), `'it'\\''s'`);
  assert.equal(grubQuote("$x; }"), "'$x; }'");
});

Deno.test("grub: a rendered config has the serial console, the search and the entries", async () => {
  const { menu } = buildMenu(
    parseIsoConfig(
      `label: Test-1
grub2:
  default: 1
  timeout: "7"
  entries:
    - name: First
      linux: /images/pxeboot/vmlinuz root=live:CDLABEL=Test-1 rd.live.image
      initrd: /images/pxeboot/initrd.img
    - name: Second
      linux: /images/pxeboot/vmlinuz root=live:CDLABEL=Test-1 foo="a b"
      initrd: /images/pxeboot/initrd.img
`,
      "iso.yaml",
    ),
    "Test-1",
  );
  const cfg = renderGrubConfig({ menu, label: "Test-1", source: "iso.yaml" });
  assert.match(cfg, /^set default=1$/m);
  assert.match(cfg, /^set timeout=7$/m);
  assert.match(cfg, /^serial --unit=0 --speed=115200$/m);
  assert.match(cfg, /^terminal_input console serial$/m);
  assert.match(cfg, /^terminal_output console serial$/m);
  assert.match(cfg, /^search --no-floppy --set=root --label 'Test-1'$/m);
  assert.match(cfg, /^\tlinux '\/images\/pxeboot\/vmlinuz' 'root=live:CDLABEL=Test-1' 'foo=a b'$/m);
  assert.deepEqual(await grubScriptCheck([cfg]), []);
  const [decoded] = await decode([cfg]);
  assert.deepEqual(decoded.entries, expectedWords(menu));
  assert.deepEqual(decoded.others, []);
  // arm64 (no com0): the same config without GRUB's own serial terminal, and still valid.
  const arm = renderGrubConfig({ menu, label: "Test-1", source: "iso.yaml", serial: false });
  assert.doesNotMatch(arm, /^(serial|terminal_input|terminal_output) /m);
  assert.equal(
    arm.split("\n").filter((l) => !l.startsWith("#")).join("\n"),
    cfg.split("\n").filter((l) => !/^(#|serial |terminal_)/.test(l)).join("\n"),
  );
  assert.deepEqual(await grubScriptCheck([arm]), []);
});

Deno.test("grub: the generated default entry", async () => {
  const { menu } = buildMenu(
    parseIsoConfig("kernel_args: [quiet, 'systemd.unit=multi-user.target']\n", "iso.yaml"),
    "My-OS-1",
    { generatedName: "My OS 1 (live)", mediaCheck: true },
  );
  const live = {
    name: "My OS 1 (live)",
    kernel: "/images/pxeboot/vmlinuz",
    args: [
      "root=live:CDLABEL=My-OS-1",
      "rd.live.image",
      "rd.live.overlay.overlayfs=1",
      "quiet",
      "systemd.unit=multi-user.target",
    ],
    initrd: "/images/pxeboot/initrd.img",
  };
  const [base, ...kernelArgs] = [live.args.slice(0, 3), "quiet", "systemd.unit=multi-user.target"];
  assert.deepEqual(menu.entries, [
    live,
    {
      ...live,
      name: "My OS 1 (live) (check the medium first)",
      args: [...base, "rd.live.check", ...kernelArgs],
    },
    {
      ...live,
      name: "My OS 1 (live) (basic graphics)",
      args: [...base, "nomodeset", ...kernelArgs],
    },
  ]);
  assert.equal(menu.defaultIndex, 0, "the live entry boots by default");
  assert.equal(menu.timeout, 10);
  const cfg = renderGrubConfig({ menu, label: "My-OS-1", source: "x" });
  assert.deepEqual(await grubScriptCheck([cfg]), []);
  const only = buildMenu(undefined, "My-OS-1", { generatedName: "X", noExtraEntries: true });
  assert.deepEqual(only.menu.entries.map((e) => e.name), ["X"]);
  // Without checkisomd5 in the image, dracut would refuse an rd.live.check entry: none is made.
  const noCheck = buildMenu(undefined, "My-OS-1", { generatedName: "X" });
  assert.deepEqual(noCheck.menu.entries.map((e) => e.name), ["X", "X (basic graphics)"]);
});

// Random text with everything that could break out of a GRUB word.
const ALPHABET = [
  ..."aZ09 -_.=/\"'$;{}()[]\\|&<>#*?!`~^%,\t\n\r",
  "é",
  "ß",
  "€",
  "🙂",
  "\u0000",
  "'\\''",
  "${x}",
  "--",
  "\\n",
  "EOF",
];

function randomText(rand: () => number, max: number): string {
  let s = "";
  const n = Math.floor(rand() * max);
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return s;
}

/** A small seeded generator, so a failure can be reproduced. */
function mulberry32(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("grub: property: 2000 random menus render to configs GRUB parses, with exactly the intended entries", async () => {
  const rand = mulberry32(20261125);
  const configs: string[] = [];
  const menus: Menu[] = [];
  let rejected = 0;
  while (configs.length < 2000) {
    const label = "Rand-1";
    const entries = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({
      name: randomText(rand, 20) || "x",
      linux: `/images/pxeboot/vmlinuz root=live:CDLABEL=${label} ${randomText(rand, 40)}`,
      initrd: "/images/pxeboot/initrd.img",
    }));
    const yaml = JSON.stringify({ label, grub2: { default: 0, entries } });
    try {
      const { menu } = buildMenu(parseIsoConfig(yaml, "iso.yaml"), label, {
        allowLabelMismatch: true,
      });
      menus.push(menu);
      configs.push(renderGrubConfig({ menu, label, source: "random" }));
    } catch (e) {
      // Rejecting is allowed (newlines, control characters, an open quote), silently passing is not.
      assert.ok(e instanceof InputError, String(e));
      rejected++;
    }
  }
  assert.deepEqual(await grubScriptCheck(configs), []);
  const decoded = await decode(configs);
  decoded.forEach((d, i) => {
    assert.deepEqual(d.entries, expectedWords(menus[i]), configs[i]);
    assert.deepEqual(d.search, ["search", "--no-floppy", "--set=root", "--label", "Rand-1"]);
    assert.deepEqual(d.others, [], configs[i]);
  });
  // The generator must exercise both paths.
  assert.ok(rejected > 100, `only ${rejected} rejected`);
});

/** iso.yaml files shaped like the contract's upstream examples (live images and an installer). */
const UPSTREAM_SHAPED = {
  live: `label: "Desktop-Live"
grub2:
  timeout: 10
  entries:
    - name: "Desktop Live ISO"
      linux: "/images/pxeboot/vmlinuz quiet rhgb root=live:CDLABEL=Desktop-Live enforcing=0 rd.live.image"
      initrd: "/images/pxeboot/initrd.img"
`,
  installer: `label: "OS-bootc-Installer"
grub2:
  entries:
    - name: "Install OS (bootc)"
      linux: "/images/pxeboot/vmlinuz inst.stage2=hd:LABEL=OS-bootc-Installer console=tty0 inst.text selinux=0"
      initrd: "/images/pxeboot/initrd.img"
`,
  templated: `label: "Tmpl-Live"
grub2:
  timeout: "0"
  entries:
    - name: "Start \${product} \${version}"
      linux: "\${kernelpath} \${root} quiet rhgb"
      initrd: "\${initrdpath}"
    - name: "Install \${product}"
      linux: "\${kernelpath} inst.stage2=hd:LABEL=\${isolabel} quiet"
      initrd: "\${initrdpath}"
`,
};

Deno.test("grub config: iso.yaml shaped like upstream's examples parses, renders, passes grub-script-check and the label check", async () => {
  const configs: string[] = [];
  for (const [name, text] of Object.entries(UPSTREAM_SHAPED)) {
    const parsed = parseIsoConfig(text, `${name}.yaml`);
    const label = parsed.config.label!;
    const { menu, warnings } = buildMenu(parsed, label, { product: "OS", version: "42" });
    assert.deepEqual(warnings, [], name);
    assert.equal(menu.defaultIndex, 0, "no default: the first entry");
    configs.push(renderGrubConfig({ menu, label, source: name }));
  }
  assert.deepEqual(await grubScriptCheck(configs), []);
  assert.match(configs[0], /^set timeout=10$/m);
  assert.match(configs[0], /'quiet' 'rhgb' 'root=live:CDLABEL=Desktop-Live' 'enforcing=0'/);
  assert.match(configs[1], /'inst\.stage2=hd:LABEL=OS-bootc-Installer'/);
  // Template variables substituted as the reference does; timeout 0 boots at once.
  assert.match(configs[2], /^set timeout=0$/m);
  assert.match(configs[2], /menuentry 'Start OS 42'/);
  assert.match(
    configs[2],
    /linux '\/images\/pxeboot\/vmlinuz' 'root=live:CDLABEL=Tmpl-Live' 'rd\.live\.image' 'rd\.live\.overlay\.overlayfs=1' 'quiet' 'rhgb'/,
  );
  assert.match(configs[2], /initrd '\/images\/pxeboot\/initrd\.img'/);
  assert.match(configs[2], /'inst\.stage2=hd:LABEL=Tmpl-Live'/);
});

Deno.test("grub config: an installer entry whose inst.stage2 label is not the ISO's fails like a CDLABEL", () => {
  const text = UPSTREAM_SHAPED.installer.replace('label: "OS-bootc-Installer"', 'label: "Other"');
  assert.throws(
    () => buildMenu(parseIsoConfig(text, "iso.yaml"), "Other"),
    /iso\.yaml:\d+:\d+: grub2\.entries\[0\]\.linux: inst\.stage2=hd:LABEL=OS-bootc-Installer does not match the ISO label "Other"; this entry would not find its medium/,
  );
  const { warnings } = buildMenu(parseIsoConfig(text, "iso.yaml"), "Other", {
    allowLabelMismatch: true,
  });
  assert.equal(warnings.length, 1);
  // Entries that name no medium at all are not judged.
  const plain =
    'label: "X"\ngrub2:\n  entries:\n    - name: A\n      linux: /images/pxeboot/vmlinuz quiet\n      initrd: /images/pxeboot/initrd.img\n';
  assert.deepEqual(buildMenu(parseIsoConfig(plain, "iso.yaml"), "X").warnings, []);
});
