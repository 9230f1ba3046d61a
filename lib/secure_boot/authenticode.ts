/**
 * Whether a UEFI binary is signed under a given certificate, as firmware and
 * shim decide it: sbverify (sbsigntool) checks the Authenticode digest and the
 * signature; openssl checks that the signer's certificate chains to the
 * anchor (partial chains allowed, as UEFI's db and shim's vendor certificate
 * may be intermediates; validity dates ignored, as UEFI ignores them).
 * sbverify alone is not enough: it accepts a chain that ends in a
 * certificate whose issuer it cannot find. The signer's certificate is the
 * one the signature's SignerInfo names by issuer and serial (pkcs7_signer.ts). Each signature of the binary
 * (shim carries one per Microsoft CA) is judged on its own.
 */
import * as path from "node:path";
import { run } from "../run.ts";
import { signerCandidates, signerOf } from "./pkcs7_signer.ts";
import { pem } from "./vendor_cert.ts";

/** Certificates a signature may carry: a real chain has two or three. */
const MAX_CERTS = 16;
/** Signatures looked at per binary: shim has one per Microsoft CA. */
export const MAX_SIGNATURES = 8;

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
  return out.slice(0, MAX_SIGNATURES);
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
  let candidates: Uint8Array[];
  let all: Uint8Array[];
  try {
    const bytes = await Deno.readFile(sig);
    all = signerOf(bytes).certs;
    candidates = signerCandidates(bytes);
  } catch {
    return false; // not a signature whose signer can be told: not trusted
  }
  if (candidates.length === 0 || all.length > MAX_CERTS) return false;
  const embedded = path.join(work, "embedded.pem");
  await Deno.writeTextFile(embedded, all.map(pem).join(""));
  // Every certificate that could be the signer must chain to the anchor.
  for (const [i, cert] of candidates.entries()) {
    const file = path.join(work, `signer-${i}.pem`);
    await Deno.writeTextFile(file, pem(cert));
    const r = await run(tools.openssl, [
      "verify",
      "-partial_chain",
      "-no_check_time",
      "-purpose",
      "any",
      "-CAfile",
      anchor,
      "-untrusted",
      embedded,
      file,
    ], { signal });
    if (r.code !== 0) return false;
  }
  return true;
}
