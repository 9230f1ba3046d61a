import assert from "node:assert/strict";
import {
  certIssuerAndSerial,
  derElements,
  signerCandidates,
  signerOf,
  withoutPadding,
} from "./pkcs7_signer.ts";

/** A self-signed certificate and a CMS SignedData by it, DER, made with openssl. */
async function signed(subject: string, serial: string) {
  const dir = await Deno.makeTempDir();
  const run = async (args: string[]) => {
    const r = await new Deno.Command("openssl", { args, cwd: dir, stderr: "piped" }).output();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  };
  try {
    await run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.pem", "-out", "c.pem"]
      .concat(["-subj", subject, "-set_serial", serial, "-days", "1"]));
    await Deno.writeTextFile(`${dir}/data`, "content");
    await run(["cms", "-sign", "-binary", "-in", "data", "-signer", "c.pem", "-inkey", "k.pem"]
      .concat(["-outform", "DER", "-out", "sig.der", "-nodetach"]));
    await run(["x509", "-in", "c.pem", "-outform", "DER", "-out", "c.der"]);
    return {
      sig: await Deno.readFile(`${dir}/sig.der`),
      cert: await Deno.readFile(`${dir}/c.der`),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("pkcs7: the one signer is the carried certificate with its issuer and serial", async () => {
  const { sig, cert } = await signed("/CN=cniso test signer", "0x1234");
  const { certs, signer } = signerOf(sig);
  assert.equal(certs.length, 1);
  assert.deepEqual(signer.serial, new Uint8Array([0x12, 0x34]));
  assert.deepEqual(certIssuerAndSerial(cert), signer);
  assert.deepEqual(signerCandidates(sig), [cert]);
});

Deno.test("pkcs7: a certificate with the signer's serial but another issuer is not the signer", async () => {
  const a = await signed("/CN=cniso test signer", "0x1234");
  const b = await signed("/CN=someone else", "0x1234");
  assert.notDeepEqual(certIssuerAndSerial(a.cert).issuer, certIssuerAndSerial(b.cert).issuer);
  // b's signature, claiming a's certificate as well: only b's own matches.
  const { signer } = signerOf(b.sig);
  assert.notDeepEqual(signer.issuer, certIssuerAndSerial(a.cert).issuer);
});

Deno.test("pkcs7: malformed DER is an error, never an endless loop or a read past the end", () => {
  assert.throws(() => derElements(new Uint8Array([0x30, 0x85, 1, 1, 1, 1, 1])), /unsupported/);
  assert.throws(() => derElements(new Uint8Array([0x30, 0x10, 1])), /longer than its container/);
  assert.throws(() => derElements(new Uint8Array([0x30])), /cut short/);
  assert.throws(() => signerOf(new Uint8Array([0x02, 0x01, 0x00])), /expected DER tag/);
  assert.deepEqual(derElements(new Uint8Array([0x05, 0x00])).map((e) => e.tag), [5]);
});

Deno.test("signature: the certificate table's padding after the DER (sbattach --detach keeps it) is dropped", () => {
  const der = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]);
  const padded = new Uint8Array([...der, 0, 0, 0]);
  assert.deepEqual(withoutPadding(padded), der);
  assert.deepEqual(withoutPadding(der), der);
  // Not padding: bytes other than zeros, or 8 and more after the DER, stay (and fail to parse).
  const junk = new Uint8Array([...der, 0, 1, 0]);
  assert.equal(withoutPadding(junk).length, junk.length);
  const long = new Uint8Array([...der, ...new Uint8Array(8)]);
  assert.equal(withoutPadding(long).length, long.length);
});
