/**
 * The payload inside a booted live system (slow: one QEMU boot under TCG; needs
 * root). The payload-live test image's own service asks the live system's
 * podman which images it has and runs payload-a: the host's image IDs, and the
 * file payload-a's top layer deletes stays deleted (its replaced directory
 * holds only the new file).
 */
import $ from "dax";
import assert from "node:assert/strict";
import { bootTest, IsoCache } from "../../testing/boot.ts";
import { payloadImage, testImage } from "../../testing/images.ts";
import { assertReferenceIso } from "../../testing/reference.ts";

const cache = new IsoCache("cniso-payload-boot-");

Deno.test("boot (slow, QEMU): the live system's podman runs the payload, with the host's IDs and whiteouts kept; its ISO is the reference commit's", async () => {
  const a = await payloadImage("payload-a");
  const b = await payloadImage("payload-b");
  const { iso } = await cache.get(
    "payload",
    () => testImage("payload-live"),
    ["--payload", a, "--payload", b],
  );
  const ids = await Promise.all(
    [a, b].map(async (ref) =>
      (await $`podman image inspect --format {{.Id}} ${ref}`.text()).trim()
    ),
  );
  const log = `${iso}.serial.log`;
  try {
    // One line from the image's service: every ID (in any order), then payload-a's output.
    const expect = `CNISO-PAYLOAD: images ${ids.map((id) => `(?=.*${id})`).join("")}.* run ` +
      "payload-a: kept opq / opq: new";
    const r = await bootTest(iso, ["--firmware", "bios", "--expect", expect, "--serial-log", log]);
    const serial = await Deno.readTextFile(log).catch(() => "");
    assert.equal(
      r.code,
      0,
      `${r.all}\n${serial.split("\n").filter((l) => /PAYLOAD/.test(l)).join("\n")}`,
    );
    assert.match(serial, /Finished .*cniso-payload-sto/, "the live store was set up by its unit");
    // The ISO of a store read in place is the reference commit's, byte for byte.
    await assertReferenceIso(iso, [
      await testImage("payload-live"),
      "--payload",
      a,
      "--payload",
      b,
    ]);
  } finally {
    await cache.remove();
  }
});
