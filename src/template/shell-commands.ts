/**
 * What prj knows about commands that treat some of their arguments as code, or as the names of
 * variables. A value may reach a program as an argument, but never where that program would run
 * it: the placement checker (shell-placement.ts) consults this table for the command a
 * substitution is an argument of.
 *
 * This is the "where you can detect it" part of the safety rule. The part that holds for every
 * value and every command is that values never enter shell source (see shell-values.ts).
 */

export type CommandRule =
  /** Every argument is code or a command line: `eval`, `trap`, `ssh host …`, `watch`, `tmux …`. */
  | { kind: "code" }
  /** Every argument names a variable; bash evaluates a subscript in a name (`a[$(…)]`) as arithmetic. */
  | { kind: "names" }
  /** `declare` and kin: `NAME=value` words are fine, anything else is a name. */
  | { kind: "declare" }
  /** The word after one of `options` is a variable name: `printf -v`, `test -v`, `wait -p`. */
  | { kind: "name-option"; options: readonly string[] }
  /** POSIX `set`: only after `--` are arguments plain data; before, a value could be an option. */
  | { kind: "set" }
  /** `for NAME in …`: the first argument is a variable name, the rest are data. */
  | { kind: "for" }
  /**
   * Runs another command given by its arguments (`sudo`, `env`, `timeout 5`, `xargs`): options
   * are skipped (those in `argOptions` with their argument), then `skip` operands, then the
   * nested command starts. An option in `codeOptions` hands its operand to a shell.
   */
  | {
      kind: "wrapper";
      argOptions?: readonly string[];
      codeOptions?: readonly string[];
      /** Single-letter options that run a shell even inside a cluster such as `-si`. */
      codeLetters?: string;
      skip?: number;
      skipAssignments?: boolean;
    }
  /**
   * A shell or a language interpreter: the word after a code option (`-c`, `-e`, `--eval`), or
   * attached to it, is a program; without one, the first operand is a script to run. Later
   * operands are the program's arguments (`sh -c 'printf %s "$1"' _ {{v}}` is fine).
   */
  | { kind: "interpreter"; codeLetters: string; codeOptions?: readonly string[]; argOptions?: readonly string[] }
  /** awk and sed: the first operand is the program unless `-e`/`-f` (or their long forms) gave it. */
  | { kind: "program"; codeOptions: readonly string[]; fileOptions: readonly string[]; argOptions: readonly string[] }
  /**
   * The word after one of `codeOptions` (or attached to it with `=`) is code: `su -c`, `git -c
   * core.sshCommand=…`. Everything else is data. With `beforeFirstOperand`, only options before
   * the first operand count (git's own options come before its subcommand).
   */
  | { kind: "code-option"; codeOptions: readonly string[]; argOptions?: readonly string[]; beforeFirstOperand?: boolean }
  /** `find … -exec CMD … ;`: the words after `-exec` are a command of their own. */
  | { kind: "find" };

const CODE: CommandRule = { kind: "code" };
const NAMES: CommandRule = { kind: "names" };
const DECLARE: CommandRule = { kind: "declare" };

const SHELL_ARG_OPTIONS = ["-o", "+o", "-O", "+O", "--rcfile", "--init-file"];
const POSIX_SHELL: CommandRule = { kind: "interpreter", codeLetters: "c", argOptions: SHELL_ARG_OPTIONS };

const RULES = new Map<string, CommandRule>([
  // Run their arguments as code, now or later.
  ...["eval", ".", "source", "trap", "alias", "let", "coproc", "ssh", "watch", "tmux", "screen", "parallel", "sched",
    "autoload", "bind", "complete", "compgen", "fc", "enable", "emulate", "abbr", "zle", "hash"].map((name) => [name, CODE] as const),
  // Take variable names.
  ...["unset", "read", "mapfile", "readarray", "getopts", "vared", "zparseopts"].map((name) => [name, NAMES] as const),
  ...["declare", "typeset", "local", "readonly", "export", "integer", "float"].map((name) => [name, DECLARE] as const),
  ["printf", { kind: "name-option", options: ["-v"] }],
  ["print", { kind: "name-option", options: ["-v"] }],
  ["wait", { kind: "name-option", options: ["-p"] }],
  ["test", { kind: "name-option", options: ["-v", "-R"] }],
  ["[", { kind: "name-option", options: ["-v", "-R"] }],
  ["set", { kind: "set" }],
  ["for", { kind: "for" }],
  ["select", { kind: "for" }],
  ["find", { kind: "find" }],
  // Run the command their arguments name.
  ...["exec", "command", "builtin", "nohup", "setsid", "chronic", "unbuffer", "noglob", "nocorrect", "-", "busybox"].map(
    (name) => [name, { kind: "wrapper", argOptions: ["-a"] }] as const,
  ),
  ["time", { kind: "wrapper", argOptions: ["-f", "-o", "--format", "--output"] }],
  ["env", { kind: "wrapper", argOptions: ["-u", "-C", "--unset", "--chdir"], codeOptions: ["-S", "--split-string"], skipAssignments: true }],
  [
    "sudo",
    {
      kind: "wrapper",
      argOptions: ["-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T", "--user", "--group", "--host", "--prompt",
        "--close-from", "--chdir", "--role", "--type", "--other-user", "--command-timeout"],
      codeOptions: ["--shell", "--login"],
      codeLetters: "si",
    },
  ],
  ["doas", { kind: "wrapper", argOptions: ["-u", "-C"], codeLetters: "s" }],
  ["nice", { kind: "wrapper", argOptions: ["-n", "--adjustment"] }],
  ["ionice", { kind: "wrapper", argOptions: ["-c", "-n", "-p", "-P", "-u", "--class", "--classdata"] }],
  ["timeout", { kind: "wrapper", argOptions: ["-s", "-k", "--signal", "--kill-after"], skip: 1 }],
  ["stdbuf", { kind: "wrapper", argOptions: ["-i", "-o", "-e", "--input", "--output", "--error"] }],
  ["chroot", { kind: "wrapper", skip: 1 }],
  ["taskset", { kind: "wrapper", skip: 1 }],
  ["caffeinate", { kind: "wrapper", argOptions: ["-w", "-t"] }],
  ["flock", { kind: "wrapper", argOptions: ["-w", "-E", "--timeout", "--conflict-exit-code"], codeOptions: ["-c", "--command"], skip: 1 }],
  [
    "xargs",
    {
      kind: "wrapper",
      argOptions: ["-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s", "--arg-file", "--delimiter", "--eof", "--replace",
        "--max-lines", "--max-args", "--max-procs", "--max-chars", "--process-slot-var"],
    },
  ],
  // `su -c CODE` and `script -c CODE`; their first operand is a user or a file, not a script.
  ["su", { kind: "code-option", codeOptions: ["-c", "--command", "--session-command"], argOptions: ["-s", "-g", "-G", "--shell", "--group"] }],
  ["runuser", { kind: "code-option", codeOptions: ["-c", "--command", "--session-command"], argOptions: ["-u", "-s", "-g", "-G", "--user", "--shell", "--group"] }],
  ["script", { kind: "code-option", codeOptions: ["-c", "--command"], argOptions: ["-E", "-I", "-O", "-B", "-T", "-m", "-t"] }],
  // `git -c core.sshCommand=…` and kin run programs named in configuration.
  ["git", { kind: "code-option", codeOptions: ["-c", "--config-env", "--exec-path"], argOptions: ["-C", "--git-dir", "--work-tree", "--namespace"], beforeFirstOperand: true }],
  // Shells.
  ...["sh", "bash", "zsh", "dash", "ksh", "ksh93", "mksh", "ash", "yash", "posh", "csh", "tcsh", "rc", "es", "elvish", "xonsh"].map(
    (name) => [name, POSIX_SHELL] as const,
  ),
  ["fish", { kind: "interpreter", codeLetters: "cC", codeOptions: ["--command", "--init-command"] }],
  ["nu", { kind: "interpreter", codeLetters: "c", codeOptions: ["--commands", "--execute"] }],
  ["pwsh", { kind: "interpreter", codeLetters: "cCeE", codeOptions: ["-Command", "-command", "-EncodedCommand", "-encodedcommand"] }],
  ["powershell", { kind: "interpreter", codeLetters: "cCeE", codeOptions: ["-Command", "-command", "-EncodedCommand", "-encodedcommand"] }],
  // Language interpreters with a program on the command line.
  ...["perl", "perl5"].map((name) => [name, { kind: "interpreter", codeLetters: "eEmM", argOptions: ["-I", "-x"] }] as const),
  ["ruby", { kind: "interpreter", codeLetters: "er", argOptions: ["-I", "-C"] }],
  ...["node", "nodejs", "bun", "deno"].map(
    (name) => [name, { kind: "interpreter", codeLetters: "epr", codeOptions: ["--eval", "--print", "--require", "--import", "--loader"] }] as const,
  ),
  ["php", { kind: "interpreter", codeLetters: "rBRFE", argOptions: ["-c", "-d", "-z"] }],
  ...["lua", "luajit"].map((name) => [name, { kind: "interpreter", codeLetters: "el" }] as const),
  ["Rscript", { kind: "interpreter", codeLetters: "e", codeOptions: ["--expr"] }],
  ["osascript", { kind: "interpreter", codeLetters: "e" }],
  ...["tclsh", "wish", "expect"].map((name) => [name, { kind: "interpreter", codeLetters: "c" }] as const),
  ...["awk", "gawk", "mawk", "nawk", "busybox-awk"].map(
    (name) =>
      [
        name,
        {
          kind: "program",
          codeOptions: ["-e", "--source"],
          fileOptions: ["-f", "--file"],
          argOptions: ["-F", "-v", "-i", "-l", "-E", "--field-separator", "--assign", "--include", "--load", "--exec"],
        },
      ] as const,
  ),
  ...["sed", "gsed"].map(
    (name) =>
      [name, { kind: "program", codeOptions: ["-e", "--expression"], fileOptions: ["-f", "--file"], argOptions: ["-l", "--line-length"] }] as const,
  ),
]);

/** Python's program options: `-c CODE` and `-m MODULE`. */
const PYTHON: CommandRule = { kind: "interpreter", codeLetters: "cm", argOptions: ["-W", "-X", "-Q"] };

/** The rule for a command word (a path's last part counts: `/usr/bin/env` is `env`). */
export function commandRule(word: string): CommandRule | undefined {
  const name = word.slice(word.lastIndexOf("/") + 1);
  return RULES.get(name) ?? (/^(python|pypy)[0-9.]*$/.test(name) ? PYTHON : undefined);
}

/**
 * Reserved words after which the next word is a command again. The fish ones (`begin`, `and`,
 * `or`, `not`) are ordinary commands in POSIX shells, where treating them so only makes the
 * check stricter.
 */
export const COMMAND_PREFIX_WORDS = new Set(["if", "then", "else", "elif", "do", "while", "until", "!", "{", "begin", "and", "or", "not"]);

/** Reserved words that end a compound command; redirections may follow them, arguments may not. */
export const CLOSING_WORDS = new Set(["fi", "done", "esac", "}", "end"]);

/** Commands that change how the shell reads everything after them (options, aliases, emulation). */
export const PARSER_CHANGING_COMMANDS = new Set(["shopt", "setopt", "unsetopt", "emulate", "enable", "disable", "alias", "unalias", "zmodload"]);

/** Declarations whose options can give a variable a type (`-i`: later assignments are arithmetic). */
export const TYPING_DECLARATIONS = new Set(["declare", "typeset", "local", "readonly", "export", "integer", "float"]);

/** `set -o NAME` options that change neither parsing nor expansion of a quoted `"$NAME"`. */
export const HARMLESS_SET_OPTIONS = new Set(["errexit", "nounset", "pipefail", "xtrace", "verbose", "noglob", "noclobber", "allexport", "notify", "monitor", "noexec"]);

/**
 * Variables whose value a shell runs as code (prompts are expanded, `$(…)` included; `ENV` and
 * `BASH_ENV` are sourced), or that make programs load or run something: assigning a value to one
 * is running it.
 */
const CODE_VARIABLES = new Set([
  "PS0", "PS1", "PS2", "PS3", "PS4", "PROMPT", "PROMPT2", "PROMPT3", "PROMPT4", "RPROMPT", "RPROMPT2", "RPS1", "RPS2", "SPROMPT",
  "PROMPT_COMMAND", "ENV", "BASH_ENV", "ZDOTDIR", "PATH", "FPATH", "fish_function_path", "fish_user_paths",
  "PAGER", "MANPAGER", "EDITOR", "VISUAL", "BROWSER", "SSH_ASKPASS", "SUDO_ASKPASS", "LESSOPEN", "LESSCLOSE",
  "NODE_OPTIONS", "PERL5OPT", "RUBYOPT", "PYTHONSTARTUP", "PYTHONPATH", "PERL5LIB", "RUBYLIB", "NODE_PATH",
]);

/** Whether assigning a value to `name` hands it to something that runs it (see CODE_VARIABLES; also `LD_*`, `DYLD_*`, `GIT_*` commands and configuration). */
export function isCodeVariable(name: string): boolean {
  return CODE_VARIABLES.has(name) || /^(LD_|DYLD_|GIT_CONFIG|GIT_(SSH|SSH_COMMAND|EXTERNAL_DIFF|PAGER|EDITOR|ASKPASS|PROXY_COMMAND|EXEC_PATH|SEQUENCE_EDITOR)$)/.test(name);
}
