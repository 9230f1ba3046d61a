import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { substitute, templateValues } from "./template.ts";

const values = templateValues("L-1", ["root=live:CDLABEL=L-1", "rd.live.image"], "Fedora", "42");

Deno.test("template: the reference's variables, braced or not, and $$", () => {
  assert.equal(
    substitute("${kernelpath} ${root} enforcing=0", values, "x"),
    "/images/pxeboot/vmlinuz root=live:CDLABEL=L-1 rd.live.image enforcing=0",
  );
  assert.equal(substitute("$initrdpath", values, "x"), "/images/pxeboot/initrd.img");
  assert.equal(
    substitute("Install ${product} ${version} on ${isolabel}", values, "x"),
    "Install Fedora 42 on L-1",
  );
  assert.equal(substitute("a=$$HOME b=$ c", values, "x"), "a=$HOME b=$ c");
  assert.equal(substitute("${KERNELPATH}", { KERNELPATH: "k" }, "x"), "k");
});

Deno.test("template: an unknown variable is bad input naming the key and the variables", () => {
  assert.throws(
    () => substitute("${kernelpath} ${rooot}", values, "iso.yaml:4:14: grub2.entries[0].linux"),
    (e: unknown) =>
      e instanceof InputError &&
      /iso\.yaml:4:14: grub2\.entries\[0\]\.linux: unknown template variable \$\{rooot\}/.test(
        e.message,
      ) && /\$\{kernelpath\}/.test(e.hint!),
  );
  assert.throws(() => substitute("$timeout", values, "x"), /unknown template variable \$timeout/);
  // Values are not substituted again: a product named "$root" stays as it is.
  const odd = templateValues("L", [], "$root", undefined);
  assert.equal(substitute("${product}", odd, "x"), "$root");
});
