/**
 * The reference implementation's template variables in iso.yaml entries
 * (osbuild's org.osbuild.grub2.iso stage): `${kernelpath}`, `${initrdpath}`,
 * `${isolabel}`, `${root}`, `${product}`, `${version}`, substituted as
 * Python's string.Template does (`$name` or `${name}`, `$$` for a literal
 * `$`), before the label check and GRUB quoting. An unknown name is bad
 * input, where the reference would leave it in the config. Pure.
 */
import { InputError } from "../errors.ts";
import { INITRD, KERNEL } from "./layout.ts";

export type TemplateValues = Record<string, string>;

/** The values, as cniso lays out the ISO. */
export function templateValues(
  label: string,
  liveArgs: string[],
  product: string | undefined,
  version: string | undefined,
): TemplateValues {
  return {
    kernelpath: KERNEL,
    initrdpath: INITRD,
    isolabel: label,
    root: liveArgs.join(" "),
    product: product ?? "",
    version: version ?? "",
  };
}

// Python's string.Template pattern (case-insensitive identifiers).
const PLACEHOLDER = /\$(?:(\$)|([_a-z][_a-z0-9]*)|\{([_a-z][_a-z0-9]*)\})/gi;

/** `text` with every placeholder replaced; `at` names the key for the error message. */
export function substitute(text: string, values: TemplateValues, at: string): string {
  return text.replace(PLACEHOLDER, (whole, dollar, named, braced) => {
    if (dollar) return "$";
    const name = named ?? braced;
    if (Object.hasOwn(values, name)) return values[name];
    throw new InputError(
      `${at}: unknown template variable ${whole}`,
      `the variables are ${
        Object.keys(values).map((k) => `\${${k}}`).join(", ")
      }; write $$ for a literal $`,
    );
  });
}
