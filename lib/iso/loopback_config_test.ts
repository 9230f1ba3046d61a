import assert from "node:assert/strict";
import $ from "dax";
import { ISO_SCAN_ARG, renderLoopbackConfig } from "./loopback_config.ts";
import type { Menu } from "./menu.ts";

const HOSTILE = "x' ; menuentry evil { linux /evil } ; echo '${iso_path}\"$(x)";

const menu: Menu = {
  defaultIndex: 1,
  timeout: 7,
  entries: [
    {
      name: "Live",
      kernel: "/images/pxeboot/vmlinuz",
      args: ["root=live:CDLABEL=LIVE", "rd.live.image", "quiet"],
      initrd: "/images/pxeboot/initrd.img",
    },
    {
      name: HOSTILE,
      kernel: "/images/pxeboot/vmlinuz",
      args: [`x=${HOSTILE}`],
      initrd: "/images/pxeboot/initrd.img",
    },
  ],
};

Deno.test("loopback.cfg: GRUB parses it; every entry tells iso-scan the file; image text stays quoted", async () => {
  const cfg = renderLoopbackConfig(menu, "LIVE");
  const file = await Deno.makeTempFile({ suffix: ".cfg" });
  try {
    await Deno.writeTextFile(file, cfg);
    const r = await $`grub-script-check ${file}`.stdout("piped").stderr("piped").noThrow();
    assert.equal(r.code, 0, r.stdout + r.stderr);
  } finally {
    await Deno.remove(file);
  }
  assert.match(cfg, /^set default=1$/m);
  assert.match(cfg, /^set timeout=7$/m);
  const linux = cfg.split("\n").filter((l) => l.startsWith("\tlinux "));
  assert.equal(linux.length, 2);
  for (const l of linux) assert.ok(l.endsWith(` ${ISO_SCAN_ARG}`), l);
  // Exactly the two entries: the hostile name opened none of its own.
  assert.equal(cfg.match(/^menuentry /gm)?.length, 2);
  // The only text GRUB expands is the tool's ${iso_path}, outside any single-quoted word.
  const unquoted = cfg.replace(/'[^']*'/g, "''");
  assert.deepEqual(unquoted.match(/\$\{?\w+/g), ["${iso_path", "${iso_path"]);
  // A tool that did not make the loop device the root: the label finds it.
  assert.match(
    cfg,
    /^if \[ ! -f '\/images\/pxeboot\/vmlinuz' \]; then search .* --label 'LIVE'; fi$/m,
  );
});
