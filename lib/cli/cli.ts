/**
 * The command line: reads the subcommand, dispatches to it, and prints every
 * error in one place (typed errors with their message, hint and exit code;
 * anything else is a bug, reported as "internal error").
 */
import denoJson from "../../deno.json" with { type: "json" };
import { asCnisoError, CnisoError, ExitCode, formatError } from "../errors.ts";
import { bootTestCommand } from "./boot_test_command.ts";
import { build } from "./build_command.ts";
import { BUILD_EXIT_CODES, COMMAND_SPECS } from "./commands.ts";
import { check } from "./check_command.ts";
import { completionsCommand } from "./completions_command.ts";
import { announceInnerProcess } from "../image/user_namespace.ts";

export const VERSION = denoJson.version;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  build,
  check,
  "boot-test": bootTestCommand,
  completions: completionsCommand,
};

/** The commands beside their summaries, from the command table. */
function commandList(): string {
  return COMMAND_SPECS.map((spec) => {
    const [first, ...rest] = spec.summary.split("\n");
    const left = `  ${spec.name} ${spec.synopsis[0].split(" ")[0]}`.padEnd(21);
    return [left + first, ...rest.map((line) => " ".repeat(21) + line)].join("\n");
  }).join("\n");
}

export const HELP = `cniso ${VERSION}: the Container-native ISO builder

Usage: cniso <command> [options]

Commands:
${commandList()}

Run "cniso <command> --help" for a command's options.
  -h, --help         show this help
      --version      print the version

${BUILD_EXIT_CODES}`;

async function dispatch(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    console.log(HELP);
    return command === undefined ? ExitCode.badInput : ExitCode.ok;
  }
  if (command === "--version" || command === "-V") {
    console.log(`cniso ${VERSION}`);
    return ExitCode.ok;
  }
  // The cniso a plain user's build started in podman's namespace (user_namespace.ts).
  await announceInnerProcess();
  const run = COMMANDS[command];
  if (!run) {
    throw new CnisoError(
      `unknown command ${JSON.stringify(command)}`,
      ExitCode.badInput,
      `the commands are: ${Object.keys(COMMANDS).join(", ")} (cniso --help)`,
    );
  }
  return await run(rest);
}

/** Runs the command line; returns the exit code. Errors are printed here and only here. */
export async function runCli(args: string[]): Promise<number> {
  try {
    return await dispatch(args);
  } catch (e) {
    const error = asCnisoError(e);
    console.error(formatError(error));
    return error.exitCode;
  }
}
