/**
 * shim's built-in trust: the certificates in its .vendor_cert section, which
 * it trusts (besides the firmware's db and MOK) for GRUB and the kernels.
 * The section holds a table of offsets, then the "authorized" data: one DER
 * certificate (VENDOR_CERT_FILE, Debian) or EFI signature lists
 * (VENDOR_DB_FILE), whose X.509 entries count. Pure: reads bytes only.
 */

/** EFI_CERT_X509_GUID a5c059a1-94e4-4aa7-87b5-ab155c2bf072, as stored (little-endian fields). */
const X509_GUID = [
  0xa1,
  0x59,
  0xc0,
  0xa5,
  0xe4,
  0x94,
  0xa7,
  0x4a,
  0x87,
  0xb5,
  0xab,
  0x15,
  0x5c,
  0x2b,
  0xf0,
  0x72,
];

/** A PE file's sections: name, and where its bytes are in the file. */
export function peSections(pe: Uint8Array): { name: string; offset: number; size: number }[] {
  const view = new DataView(pe.buffer, pe.byteOffset, pe.byteLength);
  if (pe.length < 64 || pe[0] !== 0x4d || pe[1] !== 0x5a) throw new Error("not a PE file (no MZ)");
  const pe00 = view.getUint32(0x3c, true);
  if (pe00 + 24 > pe.length || view.getUint32(pe00, true) !== 0x4550) {
    throw new Error("not a PE file (no PE header)");
  }
  const count = view.getUint16(pe00 + 6, true);
  const optional = view.getUint16(pe00 + 20, true);
  const table = pe00 + 24 + optional;
  // Names longer than 8 bytes are "/N": offset N in the COFF string table, after the symbols.
  const strings = view.getUint32(pe00 + 12, true) + view.getUint32(pe00 + 16, true) * 18;
  const longName = (n: number) => {
    const at = strings + n;
    if (!Number.isSafeInteger(at) || at >= pe.length) return "";
    const end = pe.indexOf(0, at);
    return new TextDecoder().decode(pe.subarray(at, end < 0 ? Math.min(pe.length, at + 256) : end));
  };
  const sections = [];
  for (let i = 0; i < count && table + (i + 1) * 40 <= pe.length; i++) {
    const at = table + i * 40;
    const short = new TextDecoder().decode(pe.subarray(at, at + 8)).replace(/\0+$/, "");
    const name = /^\/\d+$/.test(short) ? longName(Number(short.slice(1))) : short;
    const virtualSize = view.getUint32(at + 8, true);
    const rawSize = view.getUint32(at + 16, true);
    const offset = view.getUint32(at + 20, true);
    sections.push({ name, offset, size: Math.min(virtualSize || rawSize, rawSize) });
  }
  return sections;
}

/** The DER certificates shim trusts by itself (none: it has no vendor certificate). */
export function vendorCertificates(pe: Uint8Array): Uint8Array[] {
  const section = peSections(pe).find((s) => s.name === ".vendor_cert");
  if (!section || section.offset + section.size > pe.length || section.size < 16) return [];
  const data = pe.subarray(section.offset, section.offset + section.size);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const size = view.getUint32(0, true);
  const offset = view.getUint32(8, true);
  if (size === 0 || offset + size > data.length) return [];
  const authorized = data.subarray(offset, offset + size);
  return authorized[0] === 0x30 ? [authorized] : signatureListCerts(authorized);
}

/** The X.509 entries of EFI_SIGNATURE_LISTs. */
export function signatureListCerts(data: Uint8Array): Uint8Array[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const certs: Uint8Array[] = [];
  for (let at = 0; at + 28 <= data.length;) {
    const listSize = view.getUint32(at + 16, true);
    const headerSize = view.getUint32(at + 20, true);
    const entrySize = view.getUint32(at + 24, true);
    if (listSize < 28 || at + listSize > data.length || entrySize <= 16) break;
    const isX509 = X509_GUID.every((b, i) => data[at + i] === b);
    for (let e = at + 28 + headerSize; isX509 && e + entrySize <= at + listSize; e += entrySize) {
      certs.push(data.subarray(e + 16, e + entrySize));
    }
    at += listSize;
  }
  return certs;
}

/** DER to PEM, as openssl and sbverify read certificates. */
export function pem(der: Uint8Array): string {
  let b64 = "";
  const chunk = 0x8000;
  let binary = "";
  for (let i = 0; i < der.length; i += chunk) {
    binary += String.fromCharCode(...der.subarray(i, i + chunk));
  }
  b64 = btoa(binary);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}
