/**
 * Which certificate an Authenticode signature names as its signer: the one
 * SignerInfo's issuer and serial number, matched byte for byte against the
 * certificates the signature carries. Read from the DER structure (a text
 * dump would print the signed content's strings, which the signer chose,
 * raw). This only finds the certificate; sbverify and openssl verify it.
 * Pure.
 */

interface Tlv {
  tag: number;
  /** The whole element (tag, length, value). */
  whole: Uint8Array;
  value: Uint8Array;
}

/** The DER elements in `data`, in order; throws on malformed input. */
export function derElements(data: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < data.length;) {
    const element = derElementAt(data, at);
    out.push(element);
    at += element.whole.length;
  }
  return out;
}

/** The one DER element that starts at `start`; throws on malformed input. */
function derElementAt(data: Uint8Array, start: number): Tlv {
  let at = start;
  const tag = data[at++];
  if ((tag & 0x1f) === 0x1f) throw new Error("a multi-byte DER tag");
  let length = data[at++];
  if (length === undefined) throw new Error("a DER element cut short");
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4) throw new Error("a DER length of an unsupported form");
    length = 0;
    for (let i = 0; i < n; i++) {
      if (at >= data.length) throw new Error("a DER length cut short");
      length = length * 256 + data[at++];
    }
  }
  if (at + length > data.length) throw new Error("a DER element longer than its container");
  return { tag, whole: data.subarray(start, at + length), value: data.subarray(at, at + length) };
}

/**
 * A signature as sbattach --detach writes it: the certificate table's entry, whose length
 * is padded to 8 bytes with zeros after the DER (shim's first signature on arm64 is). The
 * padding is dropped; anything else after the DER is still malformed.
 */
export function withoutPadding(data: Uint8Array): Uint8Array {
  const end = data.length === 0 ? 0 : derElementAt(data, 0).whole.length;
  const rest = data.subarray(end);
  return rest.length < 8 && rest.every((b) => b === 0) ? data.subarray(0, end) : data;
}

function only(data: Uint8Array, tag: number): Tlv {
  const [first] = derElements(data);
  if (!first || first.tag !== tag) throw new Error(`expected DER tag 0x${tag.toString(16)}`);
  return first;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const INTEGER = 0x02;

export interface IssuerAndSerial {
  /** The issuer Name, DER. */
  issuer: Uint8Array;
  /** The serial number INTEGER's content octets. */
  serial: Uint8Array;
}

/** The signature's certificates (DER each) and its one signer's issuer and serial. */
export function signerOf(pkcs7: Uint8Array): { certs: Uint8Array[]; signer: IssuerAndSerial } {
  pkcs7 = withoutPadding(pkcs7);
  const contentInfo = derElements(only(pkcs7, SEQUENCE).value);
  const explicit = contentInfo[1];
  if (!explicit || explicit.tag !== 0xa0) throw new Error("no SignedData");
  const signedData = derElements(only(explicit.value, SEQUENCE).value);
  // version, digestAlgorithms, contentInfo, [0] certificates?, [1] crls?, signerInfos.
  const certs = signedData.find((e) => e.tag === 0xa0);
  const signerInfos = signedData.at(-1);
  if (!signerInfos || signerInfos.tag !== SET) throw new Error("no SignerInfos");
  const infos = derElements(signerInfos.value);
  if (infos.length !== 1) throw new Error(`${infos.length} SignerInfos (Authenticode has one)`);
  const info = derElements(only(infos[0].whole, SEQUENCE).value);
  const issuerAndSerial = info[1];
  if (!issuerAndSerial || issuerAndSerial.tag !== SEQUENCE) throw new Error("no issuerAndSerial");
  const [issuer, serial] = derElements(issuerAndSerial.value);
  if (!issuer || issuer.tag !== SEQUENCE || !serial || serial.tag !== INTEGER) {
    throw new Error("a malformed issuerAndSerial");
  }
  return {
    certs: certs ? derElements(certs.value).map((c) => c.whole) : [],
    signer: { issuer: issuer.whole, serial: serial.value },
  };
}

/** A certificate's issuer and serial number (from its TBSCertificate). */
export function certIssuerAndSerial(cert: Uint8Array): IssuerAndSerial {
  const tbs = derElements(only(cert, SEQUENCE).value)[0];
  if (!tbs || tbs.tag !== SEQUENCE) throw new Error("no TBSCertificate");
  const fields = derElements(tbs.value);
  // [0] version is optional; then serialNumber, signature, issuer.
  const i = fields[0]?.tag === 0xa0 ? 1 : 0;
  const serial = fields[i];
  const issuer = fields[i + 2];
  if (!serial || serial.tag !== INTEGER || !issuer || issuer.tag !== SEQUENCE) {
    throw new Error("a malformed TBSCertificate");
  }
  return { issuer: issuer.whole, serial: serial.value };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The carried certificates the signer could be: same issuer and serial (several: all must pass). */
export function signerCandidates(pkcs7: Uint8Array): Uint8Array[] {
  const { certs, signer } = signerOf(pkcs7);
  return certs.filter((c) => {
    try {
      const id = certIssuerAndSerial(c);
      return sameBytes(id.issuer, signer.issuer) && sameBytes(id.serial, signer.serial);
    } catch {
      return false;
    }
  });
}
