/** The command line's entry, run in process: help, version, unknown commands and options. */
import assert from "node:assert/strict";
import { HELP, runCli, VERSION } from "./cli.ts";
import { commandHelp, COMPLETIONS } from "./commands.ts";
import { COMPLETION_SCRIPTS } from "./completions_command.ts";

/** Runs the CLI with console output captured. */
async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    const code = await runCli(args);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    Object.assign(console, { log, error });
  }
}

Deno.test("cli: --help and no arguments print the commands", async () => {
  const help = await cli("--help");
  assert.equal(help.code, 0);
  assert.equal(help.stdout, HELP);
  for (const command of ["build IMAGE", "check IMAGE", "boot-test ISO", "completions SHELL"]) {
    assert.match(help.stdout, new RegExp(command));
  }
  const none = await cli();
  assert.equal(none.code, 2, "no command is a usage error");
  assert.equal(none.stdout, HELP);
});

Deno.test("cli: --version", async () => {
  const r = await cli("--version");
  assert.equal(r.code, 0);
  assert.match(VERSION, /^\d+\.\d+\.\d+/);
  assert.equal(r.stdout, `cniso ${VERSION}`);
});

Deno.test("cli: an unknown command is bad input (exit 2) naming the commands", async () => {
  const r = await cli("burn", "x");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^cniso: error: unknown command "burn"/);
  assert.match(r.stderr, /the commands are: build, check, boot-test, completions/);
  assert.equal(r.stdout, "");
});

Deno.test("cli: an unknown option or a missing value is bad input (exit 2), per command", async () => {
  for (const command of ["build", "check", "boot-test", "completions"]) {
    const r = await cli(command, "--frobnicate", "x");
    assert.equal(r.code, 2, `${command}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`${command}: Unknown option '--frobnicate'`));
    assert.match(r.stderr, new RegExp(`see: cniso ${command} --help`));
    assert.ok(!r.stderr.includes("internal error"));
  }
  const missing = await cli("build", "img", "--output");
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--output/);
});

Deno.test("cli: each command's --help lists its options from its table", async () => {
  const build = await cli("build", "--help");
  assert.equal(build.code, 0);
  for (
    const option of [
      "--output PATH",
      "--compression ALG",
      "--rootfs DIR",
      "--kernel VERSION",
      "--dry-run",
    ]
  ) {
    assert.ok(build.stdout.includes(option), option);
  }
  const check = await cli("check", "-h");
  assert.equal(check.code, 0);
  assert.ok(check.stdout.includes("--allow-label-mismatch"));
  assert.ok(!check.stdout.includes("--output"), "check builds nothing");
  const boot = await cli("boot-test", "--help");
  assert.ok(boot.stdout.includes("--accel auto|kvm|tcg"));
});

Deno.test("cli: bad values are bad input before anything runs", async () => {
  const cases: [string[], RegExp][] = [
    [["build", "img", "--compression", "bzip2"], /--compression bzip2: unknown compression/],
    [["build", "a", "b"], /build takes one image, got: a b/],
    [["build"], /build needs an IMAGE \(or --rootfs DIR\)/],
    [["check", "img", "--rootfs", "/x"], /either an IMAGE or --rootfs DIR, not both/],
    [["boot-test", "x.iso", "--timeout", "1e21"], /--timeout 1e21: expected a whole number/],
    [["boot-test", "x.iso", "--media", "floppy"], /--media floppy: expected one of cd, usb/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

Deno.test("cli: completions SHELL prints the shell's script", async () => {
  for (const shell of ["bash", "zsh", "fish"] as const) {
    const r = await cli("completions", shell);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(`${r.stdout}\n`, COMPLETION_SCRIPTS[shell]());
    assert.match(r.stdout, new RegExp(`^# ${shell} completion for cniso`, "m"));
  }
  const help = await cli("completions", "--help");
  assert.equal(help.code, 0);
  assert.equal(help.stdout, commandHelp(COMPLETIONS));
  assert.match(help.stdout, /^Usage: cniso completions SHELL$/m);
});

Deno.test("cli: completions without a shell it knows is bad input (exit 2) naming the shells", async () => {
  for (const args of [["nosuch"], [], ["bash", "zsh"], ["toString"]]) {
    const r = await cli("completions", ...args);
    assert.equal(r.code, 2, `completions ${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /^cniso: error: completions.*bash, zsh, fish/);
    assert.match(r.stderr, /see: cniso completions --help/);
    assert.equal(r.stdout, "");
  }
});
