/**
 * The man page: made from the command table, current (cniso.1 is what
 * scripts/man.sh makes now), rendered by man(1) without a warning, and naming
 * every option of the table and no other. Needs pandoc, man-db and groff
 * (scripts/setup.sh installs them); a missing one fails the test.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { COMMAND_SPECS, GLOBAL_OPTIONS, helpText } from "./commands.ts";
import type { OptionTable } from "./options.ts";
import { escapeMarkdown, manPage, synopsisMarkdown, textMarkdown } from "./man_page.ts";

const REPO = path.resolve(import.meta.dirname!, "../..");
const MAN_PAGE = path.join(REPO, "cniso.1");
const PACKAGES: Record<string, string> = { pandoc: "pandoc", man: "man-db", groff: "groff-base" };

/** Runs a tool; a missing tool fails the test, naming the package that has it. */
async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(cmd, { args, env, cwd: REPO, stdout: "piped", stderr: "piped" })
      .output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      assert.fail(`${cmd} is missing: apt-get install ${PACKAGES[cmd] ?? cmd} (scripts/setup.sh)`);
    }
    throw e;
  }
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** cniso.1 as man shows it, as plain text (no overstriking, ASCII hyphens). */
async function rendered(): Promise<string> {
  await run("pandoc", ["--version"]); // the page's tools: fail here, named, when missing
  const r = await run("man", ["-l", MAN_PAGE], {
    MANWIDTH: "100",
    MANPAGER: "cat",
    LC_ALL: "C.UTF-8",
  });
  assert.equal(r.code, 0, r.stderr);
  // Overstriking (bold as "X\bX"), should man keep it.
  // deno-lint-ignore no-control-regex
  return r.stdout.replaceAll(/.\u0008/g, "").replace(/[\u2010\u2011\u2212]/g, "-");
}

/** Words and spaces as one line: how a help sentence reads once man has filled the lines. */
const squeeze = (s: string) => s.replace(/\s+/g, " ").trim();

/** The text of each section and subsection, by its heading. */
function sections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let name = "";
  for (const line of text.split("\n")) {
    const heading = /^(?:([A-Z][A-Z ]+)| {3}(\S+))$/.exec(line);
    if (heading) name = heading[1] ?? heading[2];
    else out.set(name, `${out.get(name) ?? ""}${line}\n`);
  }
  return out;
}

/** The option lines of a section: "-o, --output PATH" (tags at the section's first indent). */
const expectedTerms = (table: OptionTable) =>
  Object.entries(table).map(([name, spec]) =>
    `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.value ? ` ${spec.value}` : ""}`
  );

Deno.test("man page: help text is escaped, so pandoc reads no markup in it", () => {
  assert.equal(
    escapeMarkdown("a *b* _c_ <label>.iso x|y '... NAME' [1-9] `z` #"),
    "a \\*b\\* \\_c\\_ \\<label\\>\\.iso x\\|y \\'\\.\\.\\.\\ NAME\\' \\[1\\-9\\] \\`z\\` \\#",
  );
  assert.equal(escapeMarkdown("e.g. zstd"), "e\\.g\\.\\ zstd", "no sentence break after e.g.");
  assert.equal(
    synopsisMarkdown("--rootfs DIR [options]"),
    "**\\-\\-rootfs** *DIR* \\[*options*\\]",
  );
  assert.equal(
    textMarkdown("Load it:\n  source <(x)\nor not."),
    "Load it\\:\n\n```\nsource <(x)\n```\n\nor not\\.",
  );
});

Deno.test("man page: the source names every command and option", () => {
  const md = manPage();
  assert.match(md, /^---\ntitle: CNISO\nsection: 1\n/);
  for (const spec of COMMAND_SPECS) {
    assert.ok(md.includes(`\n## ${escapeMarkdown(spec.name)}\n`), spec.name);
    for (const name of Object.keys(spec.options)) {
      assert.ok(md.includes(`**${escapeMarkdown(`--${name}`)}**`), `${spec.name} --${name}`);
    }
  }
});

Deno.test("man page: cniso.1 is what scripts/man.sh makes now (run: deno task man)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cniso-man-" });
  try {
    const fresh = path.join(dir, "cniso.1");
    const r = await run("bash", ["scripts/man.sh", fresh]);
    assert.equal(r.code, 0, r.stderr);
    const committed = await Deno.readTextFile(MAN_PAGE);
    assert.ok(
      committed === await Deno.readTextFile(fresh),
      "cniso.1 differs from the command table's page: run `deno task man` (never edit cniso.1)",
    );
    assert.ok(!/\d{4}-\d\d-\d\d|January|December/.test(committed), "the page has no date");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("man page: man and groff render cniso.1 without an error or a warning", async () => {
  const man = await run("man", ["--warnings", "-l", MAN_PAGE], { MANWIDTH: "80", MANPAGER: "cat" });
  assert.equal(man.code, 0, man.stderr);
  assert.equal(man.stderr, "");
  const groff = await run("groff", ["-man", "-ww", "-z", MAN_PAGE]);
  assert.equal(groff.code, 0, groff.stderr);
  assert.equal(groff.stderr, "");
  const whatis = await run("lexgrog", [MAN_PAGE]);
  assert.match(whatis.stdout, /"cniso - .*ISO builder/, "NAME parses for whatis and apropos");
});

Deno.test("man page: every option of the table is on the page, and no other", async () => {
  const text = await rendered();
  const tables = [GLOBAL_OPTIONS, ...COMMAND_SPECS.map((spec) => spec.options)];
  const known = new Set(tables.flatMap((t) => Object.keys(t)));
  for (const table of tables) {
    for (const [name, spec] of Object.entries(table)) {
      assert.match(text, new RegExp(`(^|[\\s,])--${name}\\b`), `--${name}`);
      if (spec.short) assert.match(text, new RegExp(`\\s-${spec.short}, --${name}\\b`));
    }
  }
  const named = [...text.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)].map((m) => m[1]);
  assert.deepEqual(named.filter((n) => !known.has(n)), [], "options the table does not have");
});

Deno.test("man page: each command's section lists its options with their help, in order", async () => {
  const bySection = sections(await rendered());
  const parts: [string, OptionTable][] = [
    ["OPTIONS", GLOBAL_OPTIONS],
    ...COMMAND_SPECS.map((spec): [string, OptionTable] => [spec.name, spec.options]),
  ];
  for (const [section, table] of parts) {
    const body = bySection.get(section);
    assert.ok(body, `no section ${section}`);
    const terms = body.split("\n").filter((line) => /^ {7}-/.test(line)).map((line) => line.trim());
    const expected = expectedTerms(table);
    assert.equal(terms.length, expected.length, `${section}: ${terms.join(" / ")}`);
    expected.forEach((term, i) =>
      assert.ok(terms[i] === term || terms[i].startsWith(`${term} `), `${section}: ${term}`)
    );
    for (const spec of Object.values(table)) {
      assert.ok(squeeze(body).includes(squeeze(helpText(spec.help))), helpText(spec.help));
    }
  }
});
