/**
 * cniso: the Container-native ISO builder. This file only reads the
 * subcommand, dispatches to lib/subcommands/, and prints errors in one place.
 */
import { CnisoError, ExitCode, formatError } from "./lib/errors.ts";
import { bootTestCommand } from "./lib/cli/boot_test_command.ts";
import { build, BUILD_HELP } from "./lib/cli/build_command.ts";
import { check } from "./lib/cli/check_command.ts";
import denoJson from "./deno.json" with { type: "json" };

const HELP = `cniso ${denoJson.version}: the Container-native ISO builder

Usage: cniso <command> [options]

Commands:
  build IMAGE        turn a contract image into a hybrid BIOS+UEFI live ISO
  check IMAGE        check an image against the contract, build nothing
  boot-test ISO      boot an ISO in QEMU (BIOS/UEFI/Secure Boot, CD/USB) and
                     follow it to the live system

Run "cniso <command> --help" for a command's options.
  -h, --help         show this help
      --version      print the version

${BUILD_HELP.split("\n").slice(-1)[0]}`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  build,
  check,
  "boot-test": bootTestCommand,
};

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    console.log(HELP);
    return command === undefined ? ExitCode.badInput : ExitCode.ok;
  }
  if (command === "--version" || command === "-V") {
    console.log(`cniso ${denoJson.version}`);
    return ExitCode.ok;
  }
  const run = COMMANDS[command];
  if (!run) {
    throw new CnisoError(
      `unknown command "${command}"`,
      ExitCode.badInput,
      `the commands are: ${Object.keys(COMMANDS).join(", ")} (cniso --help)`,
    );
  }
  return await run(rest);
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (e) {
    if (e instanceof CnisoError) {
      console.error(formatError(e));
      code = e.exitCode;
    } else {
      console.error(`cniso: internal error: ${(e as Error)?.stack ?? e}`);
      code = ExitCode.failure;
    }
  }
  Deno.exit(code);
}
