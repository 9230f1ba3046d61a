/** `cniso check`: run every check `build` runs, print what was found where, build nothing. */
import type { Inspection } from "../pipeline/inspect.ts";
import { type Cleanup, withCleanup } from "../cleanup.ts";
import { asCnisoError } from "../errors.ts";
import type { Finding } from "../image/contract.ts";
import { openSource } from "../image/image_source.ts";
import { needsUserNamespace } from "../image/user_namespace.ts";
import { runInUserNamespace } from "./user_namespace_run.ts";
import { judgeMedium } from "../pipeline/boot_prediction.ts";
import { judgeImage } from "../pipeline/judge_image.ts";
import { run } from "../run.ts";
import { jsonText, printable } from "../terminal.ts";
import { imageOrRootfs, inspectOptions, parseOptions, payloadRequest } from "./options.ts";
import { CHECK, CHECK_OPTIONS, commandHelp } from "./commands.ts";
import { judgePayloads, type PayloadRequest } from "../payload/payloads.ts";
import { requireTools } from "../tools.ts";
import { labelCapability } from "../selinux/label_tools.ts";

const MARK = { ok: "ok", warning: "WARN", error: "FAIL" } as const;

export async function check(args: string[]): Promise<number> {
  try {
    return await checkWith(args);
  } catch (e) {
    // A gate reading --json gets a document on stdout even when the check could not run.
    if (args.includes("--json")) {
      const c = asCnisoError(e);
      const error = { exit_code: c.exitCode, message: c.message, hint: c.hint ?? null };
      console.log(jsonText({ ok: false, error }, 2));
    }
    throw e;
  }
}

async function checkWith(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions("check", args, CHECK_OPTIONS);
  if (values.help) {
    console.log(commandHelp(CHECK));
    return 0;
  }
  const spec = imageOrRootfs("check", positionals, values.rootfs);
  // Options are judged before anything is mounted.
  const options = inspectOptions(values);
  // A plain user's image is mounted in podman's user namespace: cniso runs again there.
  if (needsUserNamespace(spec)) return await runInUserNamespace(["check", ...args]);
  // Whether the live root will be labelled depends on this host's mksquashfs (or mkfs.erofs).
  const capability = await labelCapability(options.rootfsType ?? "squashfs");
  options.cannotLabel = capability.cannot;
  options.canMount = capability.canMount;
  const payload = payloadRequest(values);
  return await withCleanup(async (cleanup, signal) => {
    const source = await openSource(spec, cleanup);
    const result = await judgeImage(source, options, signal);
    if (result.ready) await judgeSize(result, source.rootDir, signal);
    if (payload) {
      const isTree = spec.rootfs !== undefined;
      result.findings.push(...await payloadFindings(payload, source.rootDir, isTree, cleanup));
    }
    return report(source.name, result, values.json ?? false);
  });
}

/** Whether the ISO will fit a DVD and a FAT32 stick, from the live root's unpacked size. */
async function judgeSize(result: Inspection, rootDir: string, signal: AbortSignal) {
  const bytes = await treeBytes(rootDir, signal);
  if (bytes !== undefined) result.findings.push(judgeMedium(bytes, true));
}

/** The payloads' findings (found, room for them in the image). */
async function payloadFindings(
  payload: PayloadRequest,
  rootDir: string,
  isTree: boolean,
  cleanup: Cleanup,
): Promise<Finding[]> {
  const podman = (await requireTools(["podman"])).get("podman")!;
  return (await judgePayloads(podman, payload, { rootDir, isTree }, cleanup)).findings;
}

/** The findings as a table or one JSON document; exit 0 when the image can be built, else 2. */
function report(name: string, result: Inspection, json: boolean): number {
  const errors = result.findings.filter((f) => f.severity === "error").length;
  if (json) {
    console.log(jsonText(checkDocument(name, result), 2));
    return errors === 0 ? 0 : 2;
  }
  printTable(name, result);
  console.log(
    errors === 0
      ? `OK: ${printable(name)} can be built (label ${result.ready!.label})`
      : `${errors} problem${errors > 1 ? "s" : ""}: ${printable(name)} cannot be built as it is`,
  );
  return errors === 0 ? 0 : 2;
}

/** `check --json`: the findings as one document (schema in docs/options.md, cniso check). */
export function checkDocument(image: string, result: Inspection) {
  const errors = result.findings.filter((f) => f.severity === "error").length;
  return {
    image,
    ok: errors === 0,
    label: result.ready?.label ?? null,
    problems: errors,
    findings: result.findings.map((f) => ({
      section: sectionOf(f),
      what: f.item,
      status: f.severity,
      where: f.where,
      detail: f.detail,
      hint: f.hint ?? null,
    })),
    warnings: result.warnings,
  };
}

/** The table's sections: what the image holds, then whether each boot path will work. */
const SECTIONS = ["contract", "boot"] as const;
const BOOT_ITEMS = /^(live boot|Secure Boot|SELinux|medium|EROFS)/;

function sectionOf(f: Finding): typeof SECTIONS[number] {
  return BOOT_ITEMS.test(f.item) ? "boot" : "contract";
}

function printTable(name: string, result: Inspection) {
  const widths = [4, 16, 44];
  for (const section of SECTIONS) {
    const rows = result.findings.filter((f) => sectionOf(f) === section);
    if (rows.length === 0) continue;
    console.log(section === "contract" ? `${printable(name)}:` : "Boot prediction:");
    for (const f of rows) {
      const row = [MARK[f.severity], f.item, f.where, f.detail].map(printable);
      console.log("  " + row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell)).join(" "));
    }
  }
  const hints = new Set<string>();
  for (const f of result.findings) {
    if (f.severity !== "ok" && f.hint) {
      hints.add(`  hint (${printable(f.item)}): ${printable(f.hint)}`);
    }
  }
  for (const hint of hints) console.log(hint);
  for (const w of result.warnings) console.log(`  warning: ${printable(w)}`);
}

/** du's bound: the size is advice, and check answers in well under a minute. */
const TREE_SECS = 15;

/** The live root's size before compression (du), or undefined when du cannot tell in time. */
async function treeBytes(root: string, signal: AbortSignal): Promise<number | undefined> {
  const bounded = AbortSignal.any([signal, AbortSignal.timeout(TREE_SECS * 1000)]);
  try {
    const r = await run("du", ["-s", "-x", "-b", "--", root], { signal: bounded });
    signal.throwIfAborted();
    const bytes = Number(/^(\d+)/.exec(r.stdout)?.[1]);
    return Number.isSafeInteger(bytes) ? bytes : undefined;
  } catch (e) {
    if (signal.aborted) throw e;
    return undefined;
  }
}
