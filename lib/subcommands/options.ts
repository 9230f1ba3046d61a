/** Option parsing shared by the subcommands: node:util's parseArgs with exit-2 errors. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { InputError } from "../errors.ts";

export function parseOptions<O extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  args: string[],
  options: O,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new InputError(
      `${command}: ${(e as Error).message.replace(/\. To specify.*$/s, "")}`,
      `see: cniso ${command} --help`,
    );
  }
}
