import assert from "node:assert/strict";
import { EPOCH_RANGE, epochEnv, fatSerial, parseEpoch, sourceDate } from "./source_date.ts";

Deno.test("source date: SOURCE_DATE_EPOCH first, then the image's creation time, then now", () => {
  assert.deepEqual(sourceDate(parseEpoch("1700000000"), 1600000000, 0), {
    epoch: 1700000000,
    from: "SOURCE_DATE_EPOCH",
  });
  assert.deepEqual(sourceDate(undefined, 1600000000.7, 0), {
    epoch: 1600000000,
    from: "the image's creation time",
  });
  assert.deepEqual(sourceDate(undefined, undefined, 1750000000123), {
    epoch: 1750000000,
    from: "the current time",
  });
});

Deno.test("source date: an image made 'at 1970' (epoch 0 or 1) is moved to 1980, which FAT can store", () => {
  assert.equal(sourceDate(undefined, 0, 0).epoch, EPOCH_RANGE[0]);
  assert.equal(sourceDate(undefined, 1, 0).epoch, EPOCH_RANGE[0]);
});

Deno.test("source date: a SOURCE_DATE_EPOCH the tools cannot take is bad input, not a silent 'now'", () => {
  assert.equal(parseEpoch(""), undefined);
  assert.equal(sourceDate(parseEpoch(""), 1600000000, 0).from, "the image's creation time");
  for (const bad of ["abc", "-1", "1e9", "1700000000.5", " 1700000000", "0", "4294967296"]) {
    assert.throws(() => parseEpoch(bad), /SOURCE_DATE_EPOCH=.*not a time/, bad);
  }
  assert.throws(() => parseEpoch("1\n2"), (e: Error) => !e.message.includes("\n"));
});

Deno.test("source date: FAT serial and tool environment", () => {
  assert.equal(fatSerial(1700000000), "6553f100");
  assert.equal(fatSerial(EPOCH_RANGE[0]), "12cea600");
  assert.deepEqual(epochEnv(1700000000), { SOURCE_DATE_EPOCH: "1700000000", TZ: "UTC" });
});
