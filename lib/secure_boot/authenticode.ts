/**
 * Whether a UEFI binary is signed under a given certificate, as firmware and
 * shim decide it: sbverify (sbsigntool) checks the Authenticode digest and the
 * signature; openssl checks that the signer's certificate chains to the
 * anchor (partial chains allowed, as UEFI's db and shim's vendor certificate
 * may be intermediates; validity dates ignored, as UEFI ignores them).
 * sbverify alone is not enough: it accepts a chain that ends in a
 * certificate whose issuer it cannot find. Each signature of the binary
 * (shim carries one per Microsoft CA) is judged on its own.
 */
import * as path from "node:path";
import { run } from "../run.ts";

export interface SbTools {
  sbverify: string;
  sbattach: string;
  openssl: string;
}

export interface SignatureInfo {
  /** 1-based, as sbattach --signum counts. */
  index: number;
  /** The CA named as the signer's issuer (its CN, or the whole name). */
  issuer: string;
}

/** The binary's signatures (none: unsigned). */
export async function listSignatures(
  tools: SbTools,
  file: string,
  signal?: AbortSignal,
): Promise<SignatureInfo[]> {
  const r = await run(tools.sbverify, ["--list", file], { signal });
  const out: SignatureInfo[] = [];
  const lines = r.stdout.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^signature (\d+)$/.exec(lines[i]);
    if (!m) continue;
    // "image signature issuers:" then " - /C=US/.../CN=Name".
    const issuerLine = lines.slice(i + 1, i + 4).find((l) => l.startsWith(" - /"));
    const name = issuerLine?.slice(3) ?? "";
    out.push({ index: Number(m[1]), issuer: /\/CN=([^/]+)/.exec(name)?.[1] ?? name });
  }
  return out;
}

/** Whether signature `index` of `file` is valid and its signer chains to `anchorPem`. */
export async function signedUnder(
  tools: SbTools,
  file: string,
  index: number,
  anchorPem: string,
  work: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const sig = path.join(work, `sig-${index}.p7`);
  const anchor = path.join(work, "anchor.pem");
  await Deno.writeTextFile(anchor, anchorPem);
  await Deno.remove(sig).catch(() => {});
  const detach = await run(tools.sbattach, ["--detach", sig, "--signum", `${index}`, file], {
    signal,
  });
  if (detach.code !== 0) return false;
  const verify = await run(tools.sbverify, ["--cert", anchor, "--detached", sig, file], {
    signal,
  });
  if (verify.code !== 0) return false;
  const serial = await signerSerial(tools, sig, signal);
  if (serial === undefined) return false;
  const certs = await embeddedCerts(tools, sig, work, signal);
  const signers = certs.filter((c) => c.serial === serial);
  if (signers.length === 0) return false;
  // Every certificate that could be the signer must chain to the anchor.
  for (const signer of signers) {
    const r = await run(tools.openssl, [
      "verify",
      "-partial_chain",
      "-no_check_time",
      "-purpose",
      "any",
      "-CAfile",
      anchor,
      "-untrusted",
      path.join(work, "embedded.pem"),
      signer.file,
    ], { signal });
    if (r.code !== 0) return false;
  }
  return true;
}

/** The serial number the signature names its signer by. */
async function signerSerial(tools: SbTools, sig: string, signal?: AbortSignal) {
  const r = await run(tools.openssl, ["pkcs7", "-inform", "DER", "-in", sig, "-print"], {
    signal,
  });
  if (r.code !== 0) return undefined;
  const m = /issuer_and_serial:\s*\n\s*issuer:[^\n]*\n\s*serial:\s*(\S+)/.exec(r.stdout);
  return m ? parseSerial(m[1]) : undefined;
}

export function parseSerial(text: string): bigint | undefined {
  try {
    return /^0x/i.test(text) ? BigInt(text) : /^\d+$/.test(text) ? BigInt(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The certificates in the signature, each in a file of its own, with its serial. */
async function embeddedCerts(tools: SbTools, sig: string, work: string, signal?: AbortSignal) {
  const all = path.join(work, "embedded.pem");
  const r = await run(
    tools.openssl,
    ["pkcs7", "-inform", "DER", "-in", sig, "-print_certs", "-out", all],
    { signal },
  );
  if (r.code !== 0) return [];
  const text = await Deno.readTextFile(all);
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const out: { file: string; serial?: bigint }[] = [];
  for (const [i, block] of blocks.slice(0, 16).entries()) {
    const file = path.join(work, `cert-${i}.pem`);
    await Deno.writeTextFile(file, block + "\n");
    const s = await run(tools.openssl, ["x509", "-in", file, "-noout", "-serial"], { signal });
    const hex = /serial=([0-9A-Fa-f]+)/.exec(s.stdout)?.[1];
    out.push({ file, serial: hex ? BigInt(`0x${hex}`) : undefined });
  }
  return out;
}
