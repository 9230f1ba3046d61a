/**
 * cniso: the Container-native ISO builder. The command line is lib/cli/: this
 * file only runs it and exits with its code.
 */
import { runCli } from "./lib/cli/cli.ts";

if (import.meta.main) Deno.exit(await runCli(Deno.args));
