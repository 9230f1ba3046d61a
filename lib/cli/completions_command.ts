/** `cniso completions SHELL`: print the tab completion script for bash, zsh or fish. */
import { InputError } from "../errors.ts";
import { commandHelp, COMPLETION_SHELLS, COMPLETIONS, COMPLETIONS_OPTIONS } from "./commands.ts";
import { bashScript, fishScript, zshScript } from "./completions.ts";
import { parseOptions } from "./options.ts";

export const COMPLETION_SCRIPTS: Record<(typeof COMPLETION_SHELLS)[number], () => string> = {
  bash: bashScript,
  zsh: zshScript,
  fish: fishScript,
};

export function completionsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions("completions", args, COMPLETIONS_OPTIONS);
  if (values.help) {
    console.log(commandHelp(COMPLETIONS));
    return Promise.resolve(0);
  }
  const shells = COMPLETION_SHELLS.join(", ");
  const [shell, ...extra] = positionals;
  if (shell === undefined || extra.length > 0) {
    throw new InputError(
      `completions takes one shell: ${shells}`,
      "see: cniso completions --help",
    );
  }
  if (!Object.hasOwn(COMPLETION_SCRIPTS, shell)) {
    throw new InputError(
      `completions ${JSON.stringify(shell)}: no script for this shell; the shells are: ${shells}`,
      "see: cniso completions --help",
    );
  }
  // console.log ends the script with its newline.
  console.log(COMPLETION_SCRIPTS[shell as keyof typeof COMPLETION_SCRIPTS]().trimEnd());
  return Promise.resolve(0);
}
