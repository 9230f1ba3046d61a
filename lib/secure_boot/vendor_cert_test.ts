import assert from "node:assert/strict";
import { pem, peSections, signatureListCerts, vendorCertificates } from "./vendor_cert.ts";

const X509_GUID = [0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a, 0x87, 0xb5, 0xab, 0x15]
  .concat([0x5c, 0x2b, 0xf0, 0x72]);

/** A PE file with one section named as the linker names long ones ("/N" into the string table). */
function pe(section: Uint8Array, longName = true): Uint8Array {
  const out = new Uint8Array(0x200 + section.length + 64);
  const v = new DataView(out.buffer);
  out.set([0x4d, 0x5a]);
  v.setUint32(0x3c, 0x40, true);
  v.setUint32(0x40, 0x4550, true);
  v.setUint16(0x40 + 6, 1, true); // one section
  v.setUint16(0x40 + 20, 0, true); // no optional header
  const strings = 0x200 + section.length;
  v.setUint32(0x40 + 12, strings, true); // symbol table here, no symbols: strings follow
  v.setUint32(0x40 + 16, 0, true);
  const name = longName ? "/4" : ".vendor_cert".slice(0, 8);
  out.set(new TextEncoder().encode(name), 0x58);
  v.setUint32(0x58 + 8, section.length, true);
  v.setUint32(0x58 + 16, section.length, true);
  v.setUint32(0x58 + 20, 0x200, true);
  out.set(section, 0x200);
  out.set(new TextEncoder().encode(".vendor_cert\0"), strings + 4);
  return out;
}

function table(authorized: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + authorized.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, authorized.length, true);
  v.setUint32(8, 16, true);
  out.set(authorized, 16);
  return out;
}

function esl(certs: Uint8Array[]): Uint8Array {
  const size = certs[0].length + 16;
  const out = new Uint8Array(28 + certs.length * size);
  const v = new DataView(out.buffer);
  out.set(X509_GUID);
  v.setUint32(16, out.length, true);
  v.setUint32(20, 0, true);
  v.setUint32(24, size, true);
  certs.forEach((c, i) => out.set(c, 28 + i * size + 16));
  return out;
}

Deno.test("shim's vendor certificate: one DER, found through a long section name", () => {
  const der = new Uint8Array([0x30, 0x82, 0x00, 0x03, 1, 2, 3]);
  const file = pe(table(der));
  assert.equal(peSections(file)[0].name, ".vendor_cert");
  assert.deepEqual(vendorCertificates(file), [der]);
});

Deno.test("shim's vendor db: the X.509 entries of its signature lists", () => {
  const a = new Uint8Array([0x30, 1, 1, 1]);
  const b = new Uint8Array([0x30, 2, 2, 2]);
  assert.deepEqual(signatureListCerts(esl([a, b])), [a, b]);
  assert.deepEqual(vendorCertificates(pe(table(esl([a, b])))), [a, b]);
});

Deno.test("no .vendor_cert, truncated tables and non-PE input give nothing or a clear error", () => {
  const file = pe(table(new Uint8Array([0x30, 1])), false);
  assert.deepEqual(vendorCertificates(file), []); // ".vendor_" is not the section
  const lying = table(new Uint8Array([0x30, 1]));
  new DataView(lying.buffer).setUint32(0, 1 << 30, true);
  assert.deepEqual(vendorCertificates(pe(lying)), []);
  assert.throws(() => peSections(new Uint8Array(100)), /not a PE file/);
  assert.deepEqual(signatureListCerts(new Uint8Array(40)), []);
});

Deno.test("pem wraps base64 at 64 columns", () => {
  const text = pem(new Uint8Array(100).fill(7));
  assert.match(
    text,
    /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/]{64}\n){2}[A-Za-z0-9+/=]{1,64}\n-----END CERTIFICATE-----\n$/,
  );
});
