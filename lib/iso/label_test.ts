import assert from "node:assert/strict";
import { defaultLabel, FALLBACK_LABEL, labelProblem, mediumLabels, udevUnescape } from "./label.ts";
import { parseOsRelease } from "../image/os_release.ts";

Deno.test("label: rules", () => {
  assert.equal(labelProblem("Bazzite-Live"), undefined);
  assert.equal(labelProblem("A".repeat(32)), undefined);
  assert.match(labelProblem("A".repeat(33))!, /33 characters; at most 32/);
  assert.match(labelProblem("")!, /empty/);
  assert.match(labelProblem("My Live")!, /contains " "/);
  assert.match(labelProblem("a'b$c")!, /contains "'" "\$"/);
  assert.match(labelProblem("-V")!, /must start with a letter or digit/);
  assert.match(labelProblem("Café")!, /contains "é"/);
});

Deno.test("label: default from os-release", () => {
  const debian = parseOsRelease(
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
  );
  assert.equal(defaultLabel(debian), "Debian-GNU-Linux-12");
  assert.equal(defaultLabel({ ID: "fedora", VERSION_ID: "41" }), "fedora-41");
  assert.equal(defaultLabel({ NAME: "Arch Linux" }), "Arch-Linux");
  assert.equal(defaultLabel({}), FALLBACK_LABEL);
  assert.equal(defaultLabel(undefined), FALLBACK_LABEL);
  assert.equal(defaultLabel({ NAME: "'; rm -rf / #" }), "rm-rf");
  const long = defaultLabel({
    NAME: "A Very Long Distribution Name For Testing",
    VERSION_ID: "2026.11",
  });
  assert.equal(long, "A-Very-Long-Distribution-2026.11");
  assert.equal(labelProblem(long), undefined);
  for (const name of ["Ünïcödé", "   ", "---", "x".repeat(100), "1.2.3"]) {
    const label = defaultLabel({ NAME: name, VERSION_ID: "9" });
    assert.equal(labelProblem(label), undefined, `${name} -> ${label}`);
  }
});

Deno.test("label: os-release parsing", () => {
  assert.deepEqual(parseOsRelease('A="x \\"y\\""\nB=\'z\'\n# c\nC=plain\nbad line\n'), {
    A: 'x "y"',
    B: "z",
    C: "plain",
  });
});

Deno.test("label: CDLABEL arguments, udev-unescaped", () => {
  assert.equal(udevUnescape("My\\x20Live"), "My Live");
  assert.deepEqual(
    mediumLabels(["quiet", "root=live:CDLABEL=A-B", "root=live:LABEL=C\\x20D", "rd.live.image"])
      .map((l) => l.label),
    ["A-B", "C D"],
  );
  assert.deepEqual(mediumLabels(["root=/dev/sda1"]), []);
});

Deno.test("label: installer arguments name their medium by label too", () => {
  assert.deepEqual(
    mediumLabels([
      "inst.stage2=hd:LABEL=Fedora-42",
      "inst.repo=hd:LABEL=Repo-1:/path",
      "stage2=hd:LABEL=Old\\x20Style",
      "inst.stage2=http://example/x",
      "root=live:CDLABEL=L",
    ]),
    [
      { key: "inst.stage2=hd:LABEL", label: "Fedora-42" },
      { key: "inst.repo=hd:LABEL", label: "Repo-1" },
      { key: "stage2=hd:LABEL", label: "Old Style" },
      { key: "root=live:CDLABEL", label: "L" },
    ],
  );
});
