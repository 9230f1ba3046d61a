/**
 * The codebase's own rules, checked on its source: no function longer than 80
 * lines, no product module longer than 300, no product module named like a
 * test, and the ISO's fixed paths written in one module only. Parsed with
 * TypeScript's own parser.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
// Test-only, so not in the import map (the builder image installs the whole import map).
// deno-lint-ignore no-import-prefix
import ts from "npm:typescript@5.9.3";

const REPO = path.resolve(import.meta.dirname!, "..");
const MAX_FUNCTION_LINES = 80;
const MAX_MODULE_LINES = 300;

function productFiles(): string[] {
  const files = ["main.ts"];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(path.join(REPO, dir))) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory) walk(rel);
      else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) files.push(rel);
    }
  };
  walk("lib");
  return files.sort();
}

/** Every function-like node: its name (or kind), first line and length in lines. */
function functions(file: string): { name: string; line: number; lines: number }[] {
  const text = Deno.readTextFileSync(path.join(REPO, file));
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: { name: string; line: number; lines: number }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      const name = (node as ts.FunctionDeclaration).name?.getText(source) ??
        ts.SyntaxKind[node.kind];
      out.push({ name, line: start, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

Deno.test(`code style: no function in lib/ or main.ts is longer than ${MAX_FUNCTION_LINES} lines`, () => {
  const long = productFiles().flatMap((file) =>
    functions(file).filter((f) => f.lines > MAX_FUNCTION_LINES).map((f) =>
      `${file}:${f.line} ${f.name} (${f.lines} lines)`
    )
  );
  assert.deepEqual(long, []);
});

Deno.test(`code style: no product module is longer than ${MAX_MODULE_LINES} lines`, () => {
  const long = productFiles().flatMap((file) => {
    const lines = Deno.readTextFileSync(path.join(REPO, file)).split("\n").length - 1;
    return lines > MAX_MODULE_LINES ? [`${file} (${lines} lines)`] : [];
  });
  assert.deepEqual(long, []);
});

Deno.test("code style: every lib file named like a test holds tests", () => {
  const walk = (dir: string): string[] =>
    [...Deno.readDirSync(path.join(REPO, dir))].flatMap((e) =>
      e.isDirectory ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]
    );
  const named = walk("lib").filter((f) => f.endsWith("_test.ts"));
  assert.ok(named.length > 5);
  for (const f of named) {
    assert.match(Deno.readTextFileSync(path.join(REPO, f)), /Deno\.test\(/, `${f} holds no test`);
  }
});

/** Paths that are the ISO's own: written in lib/iso/layout.ts only. */
const ISO_PATHS = /^\/?(images\/|LiveOS\b|EFI\/BOOT\b|boot\/grub2?\b|boot\.cat\b)/;

Deno.test("code style: the ISO's fixed paths are written in lib/iso/layout.ts only", () => {
  const found: string[] = [];
  for (const file of productFiles().filter((f) => f !== "lib/iso/layout.ts")) {
    const text = Deno.readTextFileSync(path.join(REPO, file));
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
        if (ISO_PATHS.test(node.text)) found.push(`${file}: ${JSON.stringify(node.text)}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  assert.deepEqual(found, []);
});

Deno.test("code style: cniso runs with builder/permissions everywhere, never -A", () => {
  const perms = Deno.readTextFileSync(path.join(REPO, "builder/permissions")).trim();
  assert.ok(!/(^|\s)(-A|--allow-all|--allow-net)\b/.test(perms), perms);
  const deno = JSON.parse(Deno.readTextFileSync(path.join(REPO, "deno.json")));
  assert.equal(deno.tasks.cniso, `deno run ${perms} main.ts`);
  for (const file of ["builder/entrypoint.sh", "scripts/compile.sh"]) {
    const text = Deno.readTextFileSync(path.join(REPO, file));
    assert.match(text, /\$\(cat [^)]*permissions\)/, `${file} reads builder/permissions`);
    assert.ok(!/\s-A\s/.test(text), `${file} has no -A`);
  }
});
