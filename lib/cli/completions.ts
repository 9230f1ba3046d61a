/**
 * Tab completion scripts for bash, zsh and fish, made from the command table (commands.ts):
 * the commands, every option of each, and the values an option takes where they are known
 * (the parser's own lists, files, directories, podman's images). Pure.
 */
import { PAYLOAD_FORMATS } from "../payload/payload_plan.ts";
import { PROGRESS_MODES } from "../progress.ts";
import { SELINUX_MODES } from "../selinux/verdict.ts";
import {
  COMMAND_SPECS,
  type CommandSpec,
  COMPLETION_SHELLS,
  GLOBAL_OPTIONS,
  helpText,
} from "./commands.ts";
import { ARCH_NAMES, type OptionSpec, type OptionTable, ROOTFS_TYPES } from "./options.ts";

/** What a value is completed with; "none" is free text (a pattern, a number, a name). */
export type ValueKind = { words: readonly string[] } | "file" | "dir" | "image" | "none";

/** Options whose help names their value only as MODE, TYPE or FORMAT: the parser's own lists. */
const OPTION_WORDS: Record<string, readonly string[]> = {
  "rootfs-type": ROOTFS_TYPES,
  arch: ARCH_NAMES,
  selinux: SELINUX_MODES,
  "payload-format": PAYLOAD_FORMATS,
  progress: PROGRESS_MODES,
};

/** What a value or argument named so in the help (PATH, DIR, IMAGE...) is completed with. */
function namedKind(name: string): ValueKind {
  if (name === "SHELL") return { words: COMPLETION_SHELLS };
  if (name === "DIR") return "dir";
  if (/^(PATH|FILE|ISO)\b/.test(name)) return "file";
  return name === "REF" || name === "IMAGE" ? "image" : "none";
}

export interface CompletionOption {
  long: string;
  short?: string;
  /** How its value is completed; undefined for a switch (no value). */
  value?: ValueKind;
  /** The help's name for the value, e.g. PATH. */
  valueName?: string;
  repeatable: boolean;
  help: string;
}

/** How an option's value is completed: a list in its `value` ("bios|uefi") or a known name. */
export function valueKind(name: string, spec: OptionSpec): ValueKind | undefined {
  if (spec.type === "boolean") return undefined;
  if (OPTION_WORDS[name]) return { words: OPTION_WORDS[name] };
  const value = spec.value ?? "";
  if (value.includes("|")) return { words: value.split("|") };
  return namedKind(value);
}

export function completionOptions(table: OptionTable): CompletionOption[] {
  return Object.entries(table).map(([long, spec]) => ({
    long,
    short: spec.short,
    value: valueKind(long, spec),
    valueName: spec.value,
    repeatable: spec.multiple ?? false,
    help: helpText(spec.help),
  }));
}

/** The commands (and the options before one) as the scripts complete them. */
export function completionModel(specs: readonly CommandSpec[] = COMMAND_SPECS) {
  const commands = specs.map((spec) => {
    const argumentName = spec.synopsis[0].split(" ")[0];
    return {
      name: spec.name,
      summary: spec.summary.replaceAll("\n", " "),
      options: completionOptions(spec.options),
      /** The help's name for the command's argument (IMAGE, ISO, SHELL), and its completion. */
      argumentName,
      argument: namedKind(argumentName),
    };
  });
  return { global: completionOptions(GLOBAL_OPTIONS), commands };
}

type Model = ReturnType<typeof completionModel>;
type CompletionCommand = Model["commands"][number];

/** Image names from `podman images -n` (no long options, so the scripts name only cniso's). */
const IMAGE_NAMES =
  `podman images -n 2>/dev/null | awk '$1 != "<none>" && $2 != "<none>" { print $1 ":" $2 }'`;

const HEADER = (shell: string) =>
  `# ${shell} completion for cniso: made by \`cniso completions ${shell}\` from its command table.`;

const optionWords = (options: CompletionOption[]) =>
  options.flatMap((o) => [`--${o.long}`, ...(o.short ? [`-${o.short}`] : [])]);

const bashReply = (kind: ValueKind) =>
  `_cniso_reply ${typeof kind === "object" ? `words '${kind.words.join(" ")}'` : kind}`;

function bashCommand(command: CompletionCommand): string {
  const values = command.options.filter((o) => o.value).map((o) =>
    `        ${optionWords([o]).join(" | ")}) ${bashReply(o.value!)} ;;`
  );
  const words = optionWords(command.options).join(" ");
  return [
    `    ${command.name})`,
    "      case $prev in",
    ...values,
    `        *) if [[ $cur == -* ]]; then _cniso_reply words '${words}'`,
    `          else ${bashReply(command.argument)}; fi ;;`,
    "      esac ;;",
  ].join("\n");
}

export function bashScript(model: Model = completionModel()): string {
  const commands = model.commands.map((c) => c.name).join(" ");
  return `${HEADER("bash")}
# Load it with: source <(cniso completions bash)

_cniso_reply() {
  case $1 in
    words) mapfile -t COMPREPLY < <(compgen -W "$2" -- "$cur") ;;
    file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    dir) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
    # Image names are outside text: matched as plain strings, never through compgen -W,
    # which expands $(...), backticks and $var in its words.
    image) local name; COMPREPLY=()
      while IFS= read -r name; do [[ $name == "$cur"* ]] && COMPREPLY+=("$name"); done \
        < <(${IMAGE_NAMES}) ;;
    *) COMPREPLY=() ;;
  esac
}

_cniso() {
  # The words from the line as typed: COMP_WORDS is split at COMP_WORDBREAKS too (= and :).
  local line=\${COMP_LINE:0:COMP_POINT} words
  read -ra words <<<"$line"
  [[ -z $line || $line == *[[:space:]] ]] && words+=("")
  ((\${#words[@]} < 2)) && return
  local cur=\${words[-1]} prev=\${words[-2]}
  if [[ $cur == --*=* ]]; then prev=\${cur%%=*} cur=\${cur#*=}; fi
  COMPREPLY=()
  if ((\${#words[@]} == 2)); then
    if [[ $cur == -* ]]; then _cniso_reply words '${optionWords(model.global).join(" ")}'
    else _cniso_reply words '${commands}'; fi
    return
  fi
  case \${words[1]} in
${model.commands.map(bashCommand).join("\n")}
  esac
  # bash replaces only what follows the word's last ":" (image:tag), so the replies start there.
  if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then COMPREPLY=("\${COMPREPLY[@]#"\${cur%:*}:"}"); fi
}

complete -F _cniso cniso
`;
}

/** Text inside a single-quoted zsh word. */
const zshQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Text inside _arguments' [description] or :message: fields. */
const zshField = (s: string) => s.replace(/[\\\[\]:]/g, (c) => `\\${c}`);

function zshAction(kind: ValueKind): string {
  if (typeof kind === "object") return `(${kind.words.join(" ")})`;
  return { file: "_files", dir: "_files -/", image: "__cniso_images", none: " " }[kind];
}

function zshSpecs(o: CompletionOption): string[] {
  const names = optionWords([o]);
  // -h and --help exclude each other; --help and --version exclude everything; * repeats.
  let exclude = names.length > 1 ? `(${names.join(" ")})` : "";
  if (o.repeatable) exclude = "*";
  if (o.long === "help" || o.long === "version") exclude = "(- *)";
  const value = o.value ? `:${zshField(o.valueName ?? "value")}:${zshAction(o.value)}` : "";
  return names.map((name) => {
    const form = !o.value ? "" : name.startsWith("--") ? "=" : "+";
    return zshQuote(`${exclude}${name}${form}[${zshField(o.help)}]${value}`);
  });
}

function zshCommand(command: CompletionCommand): string {
  const specs = [
    ...command.options.flatMap(zshSpecs),
    zshQuote(`1:${zshField(command.argumentName)}:${zshAction(command.argument)}`),
  ];
  return `        ${command.name})\n          _arguments -S \\\n            ${
    specs.join(" \\\n            ")
  } && ret=0 ;;`;
}

export function zshScript(model: Model = completionModel()): string {
  const commands = model.commands.map((c) => zshQuote(`${c.name}:${c.summary}`));
  return `#compdef cniso
${HEADER("zsh")}
# Load it with: source <(cniso completions zsh) after compinit, or save it as _cniso in $fpath.

__cniso_images() {
  local -a images
  images=(\${(f)"$(${IMAGE_NAMES})"})
  _wanted images expl image compadd -a images
}

_cniso() {
  local curcontext=$curcontext state line ret=1
  typeset -A opt_args
  _arguments -C \\
    ${model.global.flatMap(zshSpecs).join(" \\\n    ")} \\
    '1: :->command' \\
    '*:: :->argument' && ret=0
  case $state in
    command)
      local -a commands=(
        ${commands.join("\n        ")}
      )
      _describe -t commands 'cniso command' commands && ret=0 ;;
    argument)
      curcontext=\${curcontext%:*:*}:cniso-$words[1]:
      case $words[1] in
${model.commands.map(zshCommand).join("\n")}
      esac ;;
  esac
  return ret
}

if [[ $funcstack[1] == _cniso ]]; then
  _cniso "$@"
else
  compdef _cniso cniso
fi
`;
}

/** A single-quoted fish word. */
const fishQuote = (s: string) => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;

/** The completions of a value; an empty string for free text. */
function fishValues(kind: ValueKind): string {
  if (typeof kind === "object") return `-a ${fishQuote(kind.words.join(" "))}`;
  return {
    file: "-F",
    dir: "-a '(__fish_complete_directories (commandline -ct))'",
    image: "-a '(__cniso_images)'",
    none: "",
  }[kind];
}

/** An option's value: required (-r), and only the listed values unless they are files (-x). */
const fishValue = (kind: ValueKind) =>
  kind === "file" ? "-r -F" : `-x ${fishValues(kind)}`.trimEnd();

function fishOption(condition: string, o: CompletionOption): string {
  return [
    `complete -c cniso -n ${fishQuote(condition)}`,
    ...(o.short ? [`-s ${o.short}`] : []),
    `-l ${o.long}`,
    ...(o.value ? [fishValue(o.value)] : []),
    `-d ${fishQuote(o.help)}`,
  ].join(" ");
}

function fishCommand(command: CompletionCommand): string {
  const condition = `__fish_seen_subcommand_from ${command.name}`;
  const argument = command.argument === "none"
    ? []
    : [`complete -c cniso -n ${fishQuote(condition)} ${fishValues(command.argument)}`];
  return [
    `# cniso ${command.name}`,
    ...command.options.map((o) => fishOption(condition, o)),
    ...argument,
  ].join("\n");
}

export function fishScript(model: Model = completionModel()): string {
  const commands = model.commands.map((c) =>
    `complete -c cniso -n __fish_use_subcommand -a ${c.name} -d ${fishQuote(c.summary)}`
  );
  return `${HEADER("fish")}
# Load it with: cniso completions fish | source

function __cniso_images
    ${IMAGE_NAMES}
end

complete -c cniso -f
${model.global.map((o) => fishOption("__fish_use_subcommand", o)).join("\n")}
${commands.join("\n")}

${model.commands.map(fishCommand).join("\n\n")}
`;
}
