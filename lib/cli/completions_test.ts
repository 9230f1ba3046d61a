/**
 * The completion scripts: each names every option of the command table and no
 * other, parses in its shell, and completes in it (bash's completion function,
 * zsh's completion system under zpty, fish's `complete -C`): the commands, each
 * command's options exactly, and the values the parser accepts. Needs bash, zsh
 * and fish (scripts/setup.sh installs them); a missing shell fails the test.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { PAYLOAD_FORMATS } from "../payload/payload_plan.ts";
import { PROGRESS_MODES } from "../progress.ts";
import { SELINUX_MODES } from "../selinux/verdict.ts";
import { COMMAND_SPECS, COMPLETION_SHELLS, GLOBAL_OPTIONS } from "./commands.ts";
import { bashScript, fishScript, zshScript } from "./completions.ts";
import { COMPLETION_SCRIPTS } from "./completions_command.ts";
import { type OptionTable, ROOTFS_TYPES } from "./options.ts";

const TABLES = [GLOBAL_OPTIONS, ...COMMAND_SPECS.map((spec) => spec.options)];
const LONG = new Set(TABLES.flatMap((table) => Object.keys(table)));

/** An option table as the words a shell offers for "-": --long and -s. */
const optionWords = (table: OptionTable) =>
  Object.entries(table).flatMap(([name, s]) => [`--${name}`, ...(s.short ? [`-${s.short}`] : [])]);

const sorted = (words: Iterable<string>) => [...new Set(words)].sort();

/** Runs a shell; a missing one fails the test, naming its package. */
async function shell(cmd: string, args: string[], env: Record<string, string> = {}) {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      assert.fail(`${cmd} is missing: apt-get install ${cmd} (scripts/setup.sh)`);
    }
    throw e;
  }
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  const r = { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
  assert.equal(r.code, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r;
}

/** An image name that is a command substitution (and backticks), made with a relative path. */
const HOSTILE_IMAGE = "localhost/a$(touch${IFS}$HOME/pwned1)`touch${IFS}$HOME/pwned2`:x";

/** The scripts in a temporary directory, with a podman that lists two images (and an untagged one). */
async function withScripts(test: (dir: string, env: Record<string, string>) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "cniso-completions-" });
  try {
    for (const [name, script] of Object.entries(COMPLETION_SCRIPTS)) {
      await Deno.writeTextFile(path.join(dir, name), script());
    }
    await Deno.mkdir(path.join(dir, "bin"));
    await Deno.writeTextFile(
      path.join(dir, "bin/podman"),
      "#!/bin/sh\nprintf '%s\\n' 'localhost/live  latest  0123456789ab  2 days ago  1 GB' " +
        "'<none>  <none>  ba9876543210  3 days ago  1 GB' 'quay.io/x/y  v1  cccccccccccc  1 day ago  1 GB' " +
        // A name no shell may run: completion offers it as text, and no file named pwned appears.
        `'${HOSTILE_IMAGE.split(":")[0]}  x  dddddddddddd  1 day ago  1 GB'\n`,
    );
    await Deno.chmod(path.join(dir, "bin/podman"), 0o755);
    await Deno.writeTextFile(path.join(dir, "serial.log"), "");
    await test(dir, { PATH: `${dir}/bin:${Deno.env.get("PATH")}`, HOME: dir });
    const ran = [...Deno.readDirSync(dir)].filter((e) => e.name.startsWith("pwned"));
    assert.deepEqual(ran, [], "a completion ran an image name as a command");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The cases every shell must complete: the line typed, and the words it must offer (exactly). */
function cases(dir: string): [string, string[]][] {
  return [
    ["cniso ", COMMAND_SPECS.map((s) => s.name)],
    ["cniso -", optionWords(GLOBAL_OPTIONS)],
    ["cniso bo", ["boot-test"]],
    ["cniso build --roo", ["--rootfs", "--rootfs-type"]],
    ...COMMAND_SPECS.map((
      spec,
    ): [string, string[]] => [`cniso ${spec.name} -`, optionWords(spec.options)]),
    ["cniso build --rootfs-type ", [...ROOTFS_TYPES]],
    ["cniso check --selinux ", [...SELINUX_MODES]],
    ["cniso build --payload-format ", [...PAYLOAD_FORMATS]],
    ["cniso build --progress ", [...PROGRESS_MODES]],
    ["cniso boot-test --firmware ", ["bios", "uefi", "uefi-secure"]],
    ["cniso boot-test --media ", ["cd", "usb", "file"]],
    ["cniso boot-test --accel ", ["auto", "kvm", "tcg"]],
    ["cniso completions ", [...COMPLETION_SHELLS]],
    [`cniso boot-test --serial-log ${dir}/seri`, [`${dir}/serial.log`]],
    ["cniso check ", ["localhost/live:latest", "quay.io/x/y:v1", HOSTILE_IMAGE]],
    ["cniso build --payload quay", ["quay.io/x/y:v1"]],
    ["cniso build --compression ", []],
  ];
}

Deno.test("completions: every option of the table is in each script, and no other", () => {
  for (const [name, script] of [["bash", bashScript()], ["zsh", zshScript()]]) {
    const named = sorted([...script.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)].map((m) => m[1]));
    assert.deepEqual(named, sorted(LONG), name);
  }
  const fish = fishScript();
  assert.deepEqual(sorted([...fish.matchAll(/ -l (\S+)/g)].map((m) => m[1])), sorted(LONG), "fish");
  for (const table of TABLES) {
    for (const [name, spec] of Object.entries(table)) {
      if (!spec.short) continue;
      assert.match(
        bashScript(),
        new RegExp(`--${name} \\| -${spec.short}\\)|'[^']* -${spec.short}[ ']`),
      );
      assert.match(zshScript(), new RegExp(`'[^']*-${spec.short}[+\\[]`), `zsh -${spec.short}`);
      assert.match(fish, new RegExp(` -s ${spec.short} -l ${name} `), `fish -${spec.short}`);
    }
  }
});

Deno.test("completions: each script parses in its shell", async () => {
  await withScripts(async (dir) => {
    await shell("bash", ["-n", `${dir}/bash`]);
    await shell("zsh", ["-n", `${dir}/zsh`]);
    await shell("fish", ["--no-execute", `${dir}/fish`]);
  });
});

/** Calls the function the script registers for cniso, as bash does on TAB. */
const BASH_COMPLETE = `source "$1"
fn=$(complete -p cniso | sed -E 's/.* -F ([^ ]+) .*/\\1/')
COMP_LINE=$2 COMP_POINT=\${#2}
read -ra COMP_WORDS <<<"$2"; [[ $2 == *' ' ]] && COMP_WORDS+=("")
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
"$fn" cniso "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"`;

Deno.test("completions: bash completes commands, each command's options and their values", async () => {
  await withScripts(async (dir, env) => {
    const cases_: [string, string[]][] = [
      ...cases(dir),
      ["cniso build --rootfs-type=er", ["erofs"]],
      ["cniso check --payload localhost/live:l", ["latest"]], // bash replaces after the ":"
    ];
    for (const [line, expected] of cases_) {
      const r = await shell("bash", ["-c", BASH_COMPLETE, "bash", `${dir}/bash`, line], env);
      assert.deepEqual(sorted(r.stdout.split("\n").filter(Boolean)), sorted(expected), line);
    }
  });
});

Deno.test("completions: fish completes commands, each command's options and their values", async () => {
  await withScripts(async (dir, env) => {
    const all = cases(dir);
    const script = `source $argv[1]
for line in $argv[2..]
  echo "@@ $line"
  complete -C "$line"
end`;
    const r = await shell("fish", ["-c", script, `${dir}/fish`, ...all.map(([line]) => line)], env);
    const offered = r.stdout.split("@@ ").slice(1).map((block) =>
      block.split("\n").slice(1).filter(Boolean).map((l) => l.split("\t")[0])
    );
    all.forEach(([line, expected], i) =>
      assert.deepEqual(sorted(offered[i]), sorted(expected), line)
    );
  });
});

/**
 * Types each line and TAB into one interactive zsh under zpty, with compinit
 * and the script loaded, and prints every match the completion system adds
 * (compadd wrapped) under "@@ line": a known way to test zsh completion headless.
 */
const ZSH_CAPTURE = `zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z "source \${(q)1}"
local line deadline=$(( SECONDS + 30 ))
repeat 100; do zpty -r z line; [[ $line == READY* ]] && break; done
for typed in $argv[2,-1]; do
  print -r -- "@@ $typed"
  zpty -w -n z "$typed"$'\\t'
  while true; do
    (( SECONDS < deadline )) || { print -u2 "no completion within 30 s"; exit 4; }
    if ! zpty -r -t z line; then sleep 0.01; continue; fi
    line=\${line//$'\\r'}
    [[ $line == *DONE* ]] && break
    # The first match may follow the echo of the line typed.
    [[ $line == *MATCH\\ * ]] && print -r -- \${\${line%$'\\n'}#*MATCH }
  done
  zpty -w -n z $'\\C-u'
done
zpty -d z`;

const zshInit = (script: string) =>
  `PS1= RPS1=
autoload -Uz compinit && compinit -u -D
source ${script}
# comppostfuncs is emptied after each completion: TAB sets it every time.
__done() { compstate[insert]= compstate[list]=; print -r -- DONE }
__complete() { comppostfuncs=(__done); zle complete-word }
zle -N __complete
bindkey '^I' __complete
bindkey '^U' kill-whole-line
zstyle ':completion:*' insert-tab false
compadd() {
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return; fi
  local -a __hits
  builtin compadd -A __hits "$@"
  (( $#__hits )) || return 1
  print -rl -- "MATCH "\${^__hits}
}
print READY`;

Deno.test("completions: zsh completes commands, each command's options and their values", async () => {
  await withScripts(async (dir, env) => {
    await Deno.writeTextFile(`${dir}/init.zsh`, zshInit(`${dir}/zsh`));
    const all = cases(dir).map(([line, expected]): [string, string[]] =>
      // zsh offers the file's name in its directory, not the whole path
      line.includes("--serial-log") ? [line, ["serial.log"]] : [line, expected]
    );
    const r = await shell("zsh", [
      "-f",
      "-c",
      ZSH_CAPTURE,
      "zsh",
      `${dir}/init.zsh`,
      ...all.map(([line]) => line),
    ], env);
    // compadd -A gives the words as zsh would insert them: special characters quoted.
    const offered = r.stdout.split("@@ ").slice(1).map((block) =>
      block.split("\n").slice(1).filter(Boolean).map((w) => w.replace(/\\(.)/g, "$1"))
    );
    all.forEach(([line, expected], i) =>
      assert.deepEqual(sorted(offered[i]), sorted(expected), line)
    );
  });
});
