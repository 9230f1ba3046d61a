import assert from "node:assert/strict";
import * as path from "node:path";
import { COMMAND_SPECS } from "./commands.ts";

const REPO = path.resolve(import.meta.dirname!, "../..");

Deno.test("command table: every command and option is documented in docs/options.md", () => {
  const doc = Deno.readTextFileSync(path.join(REPO, "docs/options.md"));
  const missing = COMMAND_SPECS.flatMap((spec) => [
    ...(doc.includes(`## \`cniso ${spec.name}`) ? [] : [`a section for cniso ${spec.name}`]),
    ...Object.keys(spec.options).filter((name) => !doc.includes(`--${name}`)).map((name) =>
      `${spec.name} --${name}`
    ),
  ]);
  assert.deepEqual(missing, []);
});
