/** `cniso check`: run every check `build` runs, print what was found where, build nothing. */
import { withCleanup } from "../cleanup.ts";
import { InputError } from "../errors.ts";
import { ImageRoot } from "../image_root.ts";
import { openSource } from "../image_source.ts";
import { initramfsWarning, inspect } from "../inspect.ts";
import { parseOptions } from "./options.ts";

export const CHECK_HELP = `Usage: cniso check IMAGE [options]
       cniso check --rootfs DIR [options]

Checks that IMAGE follows the Container-native ISO Contract, prints a table of
what was found where and what is wrong, and builds nothing.

Options:
      --rootfs DIR          check this directory instead of an image
      --kernel VERSION      pick this kernel when the image has several
      --vendor NAME         pick this EFI vendor directory when there are several
      --no-bios             do not require GRUB's i386-pc modules
      --allow-label-mismatch
                            only warn when root=live:CDLABEL= is not the label
  -h, --help                show this help

Exit codes: 0 the image can be built, 2 it cannot (the table says why), 1 failure.`;

const OPTIONS = {
  rootfs: { type: "string" },
  kernel: { type: "string" },
  vendor: { type: "string" },
  "no-bios": { type: "boolean" },
  "allow-label-mismatch": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const MARK = { ok: "ok", warning: "WARN", error: "FAIL" } as const;

export async function check(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions("check", args, OPTIONS);
  if (values.help) {
    console.log(CHECK_HELP);
    return 0;
  }
  const image = positionals[0];
  if ((!image) === (values.rootfs === undefined) || positionals.length > 1) {
    throw new InputError("check needs one IMAGE or --rootfs DIR", "see: cniso check --help");
  }
  return await withCleanup(async (cleanup) => {
    const source = await openSource({ image, rootfs: values.rootfs }, cleanup);
    const result = await inspect(new ImageRoot(source.rootDir), {
      kernelVersion: values.kernel,
      vendor: values.vendor,
      noBios: values["no-bios"],
      allowLabelMismatch: values["allow-label-mismatch"],
    });
    if (result.ready) {
      const warning = await initramfsWarning(result.ready.contract);
      if (warning) {
        result.findings.push({
          item: "initramfs",
          severity: "warning",
          where: result.ready.contract.initramfs.imagePath,
          detail: "no dmsquash-live found inside",
          hint: warning,
        });
      } else {
        result.findings.push({
          item: "initramfs",
          severity: "ok",
          where: result.ready.contract.initramfs.imagePath,
          detail: "has dracut's dmsquash-live",
        });
      }
    }
    const rows = result.findings.map((f) => [MARK[f.severity], f.item, f.where, f.detail]);
    const widths = [4, 12, 44];
    console.log(`${source.name}:`);
    for (const row of rows) {
      console.log(
        "  " + row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell)).join(" "),
      );
    }
    for (const f of result.findings) {
      if (f.severity !== "ok" && f.hint) console.log(`  hint (${f.item}): ${f.hint}`);
    }
    for (const w of result.warnings) console.log(`  warning: ${w}`);
    const errors = result.findings.filter((f) => f.severity === "error").length;
    console.log(
      errors === 0
        ? `OK: ${source.name} can be built (label ${result.ready!.label})`
        : `${errors} problem${errors > 1 ? "s" : ""}: ${source.name} cannot be built as it is`,
    );
    return errors === 0 ? 0 : 2;
  });
}
