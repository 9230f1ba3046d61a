/**
 * The Secure Boot chain, predicted: firmware runs shim if a CA in its db
 * signed it (Microsoft's UEFI CA 2011, or since 2023 its successor); shim runs
 * GRUB, and GRUB each kernel, if shim's built-in vendor certificate (or the
 * firmware's db, or a MOK the user enrolled) vouches for it. Predicted for
 * stock firmware with Microsoft's keys and no MOK. An untrusted kernel is a
 * warning, not an error: the ISO still boots with Secure Boot off.
 */
import * as path from "node:path";
import type { Contract } from "../image/contract.ts";
import { type Finding, finding } from "../image/findings.ts";
import { run } from "../run.ts";
import { listSignatures, type SbTools, signedUnder } from "./authenticode.ts";
import { MICROSOFT_UEFI_CAS } from "./microsoft_cas.ts";
import { pem, vendorCertificates } from "./vendor_cert.ts";
import { MAX_EFI_BYTES } from "../image/efi_files.ts";
import { readAtMost } from "../read_at_most.ts";

const ITEM = "Secure Boot";
const MOK_HINT = "or enrol its signing key in shim's MOK list (mokutil --import KEY.der, then " +
  "confirm in MokManager at the next boot)";

interface Anchor {
  name: string;
  pem: string;
}

export async function judgeSecureBoot(
  contract: Contract,
  tools: SbTools | undefined,
  work: string,
  signal?: AbortSignal,
): Promise<Finding[]> {
  if (!tools) {
    return [finding({
      item: ITEM,
      severity: "warning",
      where: contract.shim.imagePath,
      detail: "not checked: this host has no sbverify/sbattach (sbsigntool) or openssl",
      hint: "apt-get install sbsigntool openssl   (Fedora: dnf install sbsigntools openssl)",
    })];
  }
  const out: Finding[] = [await judgeShim(contract, tools, work, signal)];
  const shimBytes = await readAtMost(contract.shim.hostPath, MAX_EFI_BYTES);
  let vendor: Anchor[] = [];
  try {
    vendor = await anchors(vendorCertificates(shimBytes), tools, work, signal);
  } catch { /* not a PE file: judged by sbverify above */ }
  if (vendor.length === 0) {
    out.push(finding({
      item: ITEM,
      severity: "warning",
      where: contract.shim.imagePath,
      detail: "shim has no built-in vendor certificate: GRUB and the kernels boot under Secure " +
        "Boot only if the firmware's db or an enrolled MOK vouches for them",
    }));
    return out;
  }
  const pieces = [
    { what: "GRUB", file: contract.gcd },
    { what: `kernel ${contract.kernelVersion}`, file: contract.kernel },
    ...contract.otherKernels.map((k) => ({ what: `kernel ${k.version}`, file: k.kernel })),
  ];
  for (const p of pieces) {
    out.push(await judgePiece(p.what, p.file, vendor, tools, work, signal));
  }
  return out;
}

async function judgeShim(
  contract: Contract,
  tools: SbTools,
  work: string,
  signal?: AbortSignal,
): Promise<Finding> {
  const where = contract.shim.imagePath;
  const file = contract.shim.hostPath;
  const sigs = await listSignatures(tools, file, signal);
  if (sigs.length === 0) {
    return finding({
      item: ITEM,
      severity: "warning",
      where,
      detail: "shim is unsigned: firmware refuses it under Secure Boot (boots with it off only)",
      hint:
        "install the distribution's signed shim (Fedora: shim-x64, shim-aa64; Debian: shim-signed)",
    });
  }
  const under: string[] = [];
  for (const ca of MICROSOFT_UEFI_CAS) {
    for (const s of sigs) {
      if (await signedUnder(tools, file, s.index, ca.pem, work, signal)) {
        under.push(ca.name);
        break;
      }
    }
  }
  const [ca2011, ca2023] = MICROSOFT_UEFI_CAS.map((c) => c.name);
  if (under.length === 2) {
    return finding({
      item: ITEM,
      severity: "ok",
      where,
      detail: `shim signed under ${ca2011} and ${ca2023}`,
    });
  }
  const update = "use a shim signed under both CAs (shim 15.8 and newer, re-signed by Microsoft " +
    "from 2025: update shim-x64 or shim-aa64 / shim-signed)";
  if (under[0] === ca2011) {
    return finding({
      item: ITEM,
      severity: "warning",
      where,
      detail: `shim signed under ${ca2011} only (it expired in 2026): firmware that trusts only ` +
        `${ca2023} refuses it`,
      hint: update,
    });
  }
  if (under[0] === ca2023) {
    return finding({
      item: ITEM,
      severity: "warning",
      where,
      detail: `shim signed under ${ca2023} only: firmware whose db has only ${ca2011} (most ` +
        `machines made before 2024) refuses it`,
      hint: update,
    });
  }
  const by = sigs.map((s) => s.issuer).join(", ");
  return finding({
    item: ITEM,
    severity: "warning",
    where,
    detail: `shim is not signed under Microsoft's UEFI CA (signed under ${by}): firmware with ` +
      `Microsoft's keys refuses it under Secure Boot`,
    hint: "boots under Secure Boot only where its signer's certificate is enrolled in db",
  });
}

async function judgePiece(
  what: string,
  file: { hostPath: string; imagePath: string },
  vendor: Anchor[],
  tools: SbTools,
  work: string,
  signal?: AbortSignal,
): Promise<Finding> {
  const where = file.imagePath;
  const names = vendor.map((v) => v.name).join(", ");
  const sigs = await listSignatures(tools, file.hostPath, signal);
  for (const s of sigs) {
    for (const v of vendor) {
      if (await signedUnder(tools, file.hostPath, s.index, v.pem, work, signal)) {
        return finding({
          item: ITEM,
          severity: "ok",
          where,
          detail: `${what} signed under ${v.name}`,
        });
      }
    }
  }
  const why = sigs.length === 0
    ? "it is unsigned"
    : `it is signed under ${sigs.map((s) => s.issuer).join(", ")}, which shim's built-in ` +
      `certificate (${names}) does not vouch for`;
  return finding({
    item: ITEM,
    severity: "warning",
    where,
    detail: `Secure Boot will refuse the ${what}: ${why}; boots with Secure Boot off only`,
    hint: `sign it with the key shim trusts (${names}), ${MOK_HINT}`,
  });
}

/** The vendor certificates as PEM, each named by its subject's CN. */
async function anchors(
  ders: Uint8Array[],
  tools: SbTools,
  work: string,
  signal?: AbortSignal,
): Promise<Anchor[]> {
  const out: Anchor[] = [];
  for (const [i, der] of ders.slice(0, 16).entries()) {
    const text = pem(der);
    const file = path.join(work, `vendor-${i}.pem`);
    await Deno.writeTextFile(file, text);
    const r = await run(tools.openssl, ["x509", "-in", file, "-noout", "-subject"], { signal });
    if (r.code !== 0) continue;
    const subject = r.stdout.trim().replace(/^subject=/, "");
    out.push({ name: /CN\s*=\s*([^,]+)/.exec(subject)?.[1]?.trim() ?? subject, pem: text });
  }
  return out;
}
