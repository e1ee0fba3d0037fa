/**
 * Where a substituted value lands in a shell command, and whether prj can prove that a reference
 * to it (`"$NAME"`) stays data there.
 *
 * Values never enter shell source (shell-values.ts puts them in the environment), so no quoting
 * mistake can turn one into code. What is left is to keep the reference away from places where
 * a shell, or the command it runs, evaluates the contents of a variable again: bash arithmetic,
 * `eval`, `sh -c`, variable names. This scanner accepts a substitution only as a word or part of
 * a word at the top level of a simple command, bare, inside '…' or inside "…", and only when the
 * command it belongs to is not known to run its arguments. Everything it does not model with
 * certainty (`$(…)`, backticks, `case`, here-documents, …) makes every later substitution refused:
 * a refusal is an error the user can fix; a guess would be a hole.
 */
import {
  CLOSING_WORDS,
  COMMAND_PREFIX_WORDS,
  commandRule,
  HARMLESS_SET_OPTIONS,
  isCodeVariable,
  PARSER_CHANGING_COMMANDS,
  TYPING_DECLARATIONS,
  type CommandRule,
} from "./shell-commands.ts";

/**
 * `sh`: inline `run:` steps, run by /bin/sh (dash, bash in POSIX mode, …).
 * `any`: window and pane commands, run by the user's interactive shell, which may be bash, zsh
 * or fish: only what all of them read alike is accepted.
 */
export type ShellDialect = "sh" | "any";

/** How the text around a substitution is quoted. */
export type ShellContext = "bare" | "single" | "double";

export type ShellPlacement = { context: ShellContext; refused?: undefined } | { context?: undefined; refused: string };

/**
 * A substitution point inside the scanned text: NUL, the substitution's index, NUL. NUL cannot
 * appear in a shell command, and renderShellCommand refuses templates that contain one.
 */
export const MARK = "\0";

export function substitutionMark(index: number): string {
  return `${MARK}${index}${MARK}`;
}

/**
 * The placement of every substitution mark in `script`, by index. A placement is refused with a
 * reason that completes "it …" (e.g. "stands in or after a $(…) command substitution").
 */
export function placeSubstitutions(script: string, dialect: ShellDialect): ShellPlacement[] {
  const scanner = new Scanner(script, dialect);
  scanner.scan();
  return scanner.placements;
}

interface Word {
  /** The word's text after quote removal, where it is static. */
  text: string;
  /** Holds an expansion (`$x`, a substituted value): its full text is only known when the shell runs. */
  dynamic: boolean;
  /** Some of it is quoted or escaped, so it is neither a reserved word nor an assignment. */
  quoted: boolean;
  /** Starts with an unquoted `NAME=`. */
  assignment: boolean;
  /** Starts with an unquoted `NAME[`: an array element, whose subscript bash evaluates as arithmetic. */
  subscript: boolean;
  /** Its first character was unquoted (so a leading `~` or `=` is special to zsh). */
  bareStart: boolean;
  /** Indexes of the substitutions in it. */
  marks: number[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const COMMAND_POSITION = "would be the name of the command to run, and a value may not choose which program runs";

class Scanner {
  readonly placements: ShellPlacement[] = [];
  private i = 0;
  private quote: "none" | "single" | "double" = "none";
  /** The construct after which nothing is certain any more. */
  private blocked?: string;
  /** Finished words of the current simple command (redirections left out). */
  private words: Word[] = [];
  private word?: Word;
  private nextWordIsRedirect = false;
  private wordIsRedirect = false;
  private inComment = false;
  private subshells = 0;
  /** The current command reads the output of the command before it (`a | b`). */
  private pipedInto = false;
  /** `$` directly before a mark: `$"$V"` and `$$V""` would mean something else. */
  private dollarBeforeMark = false;
  private pendingSetOption = false;
  private readonly functions = new Set<string>();

  constructor(
    private readonly text: string,
    private readonly dialect: ShellDialect,
  ) {}

  scan(): void {
    const text = this.text;
    while (this.i < text.length && this.blocked === undefined) {
      const ch = text[this.i]!;
      if (ch === MARK) this.mark();
      else if (this.inComment) this.comment(ch);
      else if (this.quote === "single") this.single(ch);
      else if (this.quote === "double") this.double(ch);
      else this.bare(ch);
    }
    if (this.blocked !== undefined) {
      // Every later substitution, including one inside the construct itself, is refused.
      for (const match of text.slice(this.i).matchAll(/\0(\d+)\0/g)) {
        this.placements[Number(match[1])] = { refused: `stands in or after ${this.blocked}` };
      }
      return;
    }
    this.endCommand();
  }

  /** Nothing after `what` is certain any more; `why` completes the sentence "it stands in or after WHAT, WHY". */
  private block(what: string, why = "which prj does not parse"): void {
    this.blocked = `${what}, ${why}`;
  }

  private mark(): void {
    const end = this.text.indexOf(MARK, this.i + 1);
    const index = Number(this.text.slice(this.i + 1, end));
    this.i = end + 1;
    const context: ShellContext = this.quote === "none" ? "bare" : this.quote;
    if (this.inComment) {
      this.placements[index] = { context };
      return;
    }
    const word = this.startWord();
    const refused = this.judge(word);
    this.placements[index] = refused === undefined ? { context } : { refused };
    this.dollarBeforeMark = false;
    word.dynamic = true;
    word.marks.push(index);
  }

  /** Why a substitution may not stand at the end of `word`, the word being read; undefined when it may. */
  private judge(word: Word): string | undefined {
    if (this.dollarBeforeMark) return "directly follows a `$`, which would join it into another expansion; put the `$` in quotes";
    if (this.subshells > 0) return "stands inside a ( … ) subshell";
    if (this.wordIsRedirect) return undefined; // a file name
    if (word.subscript) return "stands in an array subscript or a [ … ] pattern, which bash evaluates as arithmetic";
    if (this.dialect === "any" && word.bareStart && word.text === "=") {
      return "follows a word-initial `=`, which zsh expands to the path of the command named by the value";
    }
    if (this.dialect === "any" && word.bareStart && /^~[^/]*$/.test(word.text)) {
      return "follows a word-initial `~`, which zsh expands to the home directory of the user named by the value";
    }
    if (word.assignment) {
      const name = word.text.slice(0, word.text.search(/[[=]/));
      if (isCodeVariable(name)) return `is assigned to ${name}, whose value is run as code (by the shell or by programs that read it)`;
    }
    let start = 0;
    while (start < this.words.length && this.words[start]!.assignment) start++;
    const command = this.words.slice(start);
    if (command.length === 0) return word.assignment ? undefined : COMMAND_POSITION;
    return this.analyse(command, word);
  }

  /** Whether `current`, the word after `command`, is a place where that command runs or names things. */
  private analyse(command: Word[], current: Word): string | undefined {
    const head = command[0]!;
    // `$EDITOR {{file}}`: prj cannot see the program, and hands it data as any other argument.
    if (head.dynamic) return undefined;
    const name = head.text;
    if (this.functions.has(name)) {
      return `is an argument of ${name}, a function defined in this script (prj does not follow what a function does with its arguments)`;
    }
    const rule = commandRule(name);
    if (!rule) return undefined;
    const args = command.slice(1);
    switch (rule.kind) {
      case "code":
        return `is an argument of \`${name}\`, which runs its arguments as code`;
      case "names":
        return `is an argument of \`${name}\`, which takes variable names (bash evaluates a subscript in a name, $(…) included)`;
      case "declare":
        return current.assignment ? undefined : `would be a variable name for \`${name}\` (bash evaluates a subscript in a name, $(…) included)`;
      case "name-option": {
        const previous = args[args.length - 1];
        const option = rule.options.find(
          (each) => (previous !== undefined && !previous.quoted && previous.text === each) || (!current.quoted && current.text.startsWith(each)),
        );
        return option ? `follows \`${name} ${option}\`, which takes a variable name` : undefined;
      }
      case "set":
        return args.some((arg) => arg.text === "--" && !arg.quoted)
          ? undefined
          : "is an argument of `set`, where a value could be read as an option; put `--` before it";
      case "for":
        return args.length === 0 ? `would be the variable name of \`${name}\`` : undefined;
      case "find":
        return this.analyseFind(args, current);
      case "wrapper":
        return this.analyseWrapper(rule, name, args, current);
      case "interpreter":
        return interpreterState(rule, args, current).refused?.(name);
      case "program":
        return programState(rule, args, current).refused?.(name);
      case "code-option":
        return analyseCodeOption(rule, name, args, current);
    }
  }

  private analyseFind(args: Word[], current: Word): string | undefined {
    let exec = -1;
    args.forEach((arg, index) => {
      if (["-exec", "-execdir", "-ok", "-okdir"].includes(arg.text)) exec = index;
      else if (exec >= 0 && (arg.text === ";" || arg.text === "+")) exec = -1;
    });
    if (exec < 0) return undefined;
    const nested = args.slice(exec + 1);
    return nested.length === 0 ? COMMAND_POSITION : this.analyse(nested, current);
  }

  private analyseWrapper(rule: Extract<CommandRule, { kind: "wrapper" }>, name: string, args: Word[], current: Word): string | undefined {
    let skip = rule.skip ?? 0;
    let optionsDone = false;
    for (let j = 0; j < args.length; j++) {
      const word = args[j]!;
      if (!optionsDone && isOption(word)) {
        if (word.text === "--") {
          optionsDone = true;
          continue;
        }
        if (wrapperRunsShell(rule, word.text)) return `is an argument of \`${name} ${word.text}\`, which runs a shell`;
        if (rule.argOptions?.includes(word.text)) {
          j++;
          if (j >= args.length) return undefined; // the option's own argument
        }
        continue;
      }
      if (rule.skipAssignments && word.assignment) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      return this.analyse(args.slice(j), current);
    }
    if (!optionsDone && !current.quoted && current.text.startsWith("-")) {
      return wrapperRunsShell(rule, current.text) ? `stands in \`${name} ${current.text}\`, which runs a shell` : undefined;
    }
    if ((rule.skipAssignments && current.assignment) || skip > 0) return undefined;
    return `would be the command that \`${name}\` runs, and a value may not choose which program runs`;
  }

  // ---- the lexer --------------------------------------------------------------------------

  private startWord(): Word {
    if (!this.word) {
      this.word = { text: "", dynamic: false, quoted: false, assignment: false, subscript: false, bareStart: false, marks: [] };
      this.wordIsRedirect = this.nextWordIsRedirect;
      this.nextWordIsRedirect = false;
    }
    return this.word;
  }

  private append(text: string): void {
    this.startWord().text += text;
  }

  private comment(ch: string): void {
    if (ch === "\n") {
      this.inComment = false;
      this.endCommand();
    }
    this.i++;
  }

  private single(ch: string): void {
    if (ch === "'") this.quote = "none";
    else if (ch === "\\" && this.dialect === "any") return this.block("a backslash inside '…' (fish reads \\' and \\\\ there as escapes)");
    else this.append(ch);
    this.i++;
  }

  private double(ch: string): void {
    const next = this.text[this.i + 1];
    if (ch === '"') {
      this.quote = "none";
      this.i++;
    } else if (ch === "\\") {
      if (next !== undefined && next !== MARK && '$`"\\\n'.includes(next)) {
        if (next !== "\n") this.append(next);
        this.i += 2;
      } else {
        this.append("\\");
        this.i++;
      }
    } else if (ch === "`") {
      this.block("a `…` command substitution");
    } else if (ch === "$") {
      this.dollar(true);
    } else {
      this.append(ch);
      this.i++;
    }
  }

  private bare(ch: string): void {
    const text = this.text;
    const next = text[this.i + 1];
    switch (ch) {
      case " ":
      case "\t":
        this.endWord();
        this.i++;
        return;
      case "\n":
        this.endCommand();
        this.i++;
        return;
      case ";":
        if (next === ";") return this.block("a case branch (;;)");
        this.endCommand();
        this.i++;
        return;
      case "&":
        if (next === ">") return this.redirect();
        this.endCommand();
        this.i += next === "&" ? 2 : 1;
        return;
      case "|":
        this.endCommand();
        if (next === "|") {
          this.i += 2;
        } else {
          this.pipedInto = true;
          this.i += next === "&" ? 2 : 1;
        }
        return;
      case "<":
      case ">":
        return this.redirect();
      case "(":
        return this.openParen();
      case ")":
        return this.closeParen();
      case "'":
        this.startWord().quoted = true;
        this.quote = "single";
        this.i++;
        return;
      case '"':
        this.startWord().quoted = true;
        this.quote = "double";
        this.i++;
        return;
      case "`":
        return this.block("a `…` command substitution");
      case "\\":
        if (next === "\n") {
          this.i += 2;
        } else if (next === undefined || next === MARK) {
          this.append("\\");
          this.i++;
        } else if (this.dialect === "any" && /[A-Za-z0-9]/.test(next)) {
          return this.block(`a backslash escape such as \\${next} (fish turns it into another character)`);
        } else {
          this.startWord().quoted = true;
          this.append(next);
          this.i += 2;
        }
        return;
      case "#":
        if (!this.word) {
          // An interactive bash with `shopt -u interactive_comments` reads `#` as a word.
          if (this.dialect === "any") return this.block("a # comment (an interactive shell may be set not to read it as one)");
          this.inComment = true;
          this.i++;
          return;
        }
        break;
      case "$":
        return this.dollar(false);
      case "=": {
        const word = this.word;
        if (word && !word.quoted && !word.dynamic && !word.assignment && (NAME.test(word.text) || word.subscript)) word.assignment = true;
        break;
      }
      case "[": {
        const word = this.word;
        if (word && !word.quoted && !word.dynamic && !word.assignment && NAME.test(word.text)) word.subscript = true;
        break;
      }
    }
    const word = this.startWord();
    if (word.text === "" && !word.quoted && !word.dynamic) word.bareStart = true;
    this.append(ch);
    this.i++;
  }

  private dollar(inDouble: boolean): void {
    const text = this.text;
    const next = text[this.i + 1];
    if (next === "(") return this.block(text[this.i + 2] === "(" ? "a $((…)) arithmetic expansion" : "a $(…) command substitution");
    if (next === "[") return this.block("a $[…] arithmetic expansion");
    if (next === "{") {
      const close = text.indexOf("}", this.i + 2);
      const inner = close < 0 ? undefined : text.slice(this.i + 2, close);
      if (inner === undefined || !/^([A-Za-z_][A-Za-z0-9_]*|[0-9]+)$/.test(inner)) return this.block("a ${…} expansion with an operator");
      this.startWord().dynamic = true;
      this.i = close + 1;
      return;
    }
    if (!inDouble && next === "'") return this.block("a $'…' string");
    if (!inDouble && next === '"') return this.block('a $"…" string');
    if (next !== undefined && /[A-Za-z_]/.test(next)) {
      let end = this.i + 2;
      while (end < text.length && /[A-Za-z0-9_]/.test(text[end]!)) end++;
      this.startWord().dynamic = true;
      this.i = end;
      return;
    }
    if (next !== undefined && /[0-9@*#?$!-]/.test(next)) {
      this.startWord().dynamic = true;
      this.i += 2;
      return;
    }
    if (next === MARK) this.dollarBeforeMark = true;
    this.append("$");
    this.i++;
  }

  private redirect(): void {
    const text = this.text;
    const ch = text[this.i]!;
    const next = text[this.i + 1];
    if (ch === "<" && next === "<") return this.block("a here-document");
    if ((ch === "<" || ch === ">") && next === "(") return this.block("a process substitution");
    // `2>` and `{fd}>` name a file descriptor; they are part of the redirection, not a word.
    const word = this.word;
    if (word && !word.quoted && !word.dynamic && /^([0-9]+|\{[A-Za-z_][A-Za-z0-9_]*\})$/.test(word.text) && !this.wordIsRedirect) {
      this.word = undefined;
    } else this.endWord();
    const operator = /^(&>>|&>|>>|>&|>\||>|<>|<&|<)/.exec(text.slice(this.i))![0];
    this.i += operator.length;
    this.nextWordIsRedirect = true;
  }

  private openParen(): void {
    if (this.dialect === "any") return this.block("a ( … ) (fish reads it as a command substitution)");
    const text = this.text;
    const word = this.word;
    if (word) {
      // `name() { … }` defines a function; prj refuses its name as a command later.
      const defines = this.words.every((each) => each.assignment) && !word.quoted && !word.dynamic && NAME.test(word.text);
      const close = /^\(\s*\)/.exec(text.slice(this.i));
      if (defines && close) {
        this.functions.add(word.text);
        this.word = undefined;
        this.i += close[0].length;
        this.endCommand();
        return;
      }
      return this.block("a ( inside a word (a pattern or an array)");
    }
    if (!this.words.every((each) => each.assignment)) return this.block("a ( in the arguments of a command");
    if (text[this.i + 1] === "(") return this.block("a ((…)) arithmetic command");
    this.endCommand();
    this.subshells++;
    this.i++;
  }

  private closeParen(): void {
    if (this.subshells === 0) return this.block("a ) without its ( (as in a case pattern)");
    this.endCommand();
    this.subshells--;
    this.i++;
  }

  private endWord(): void {
    const word = this.word;
    if (!word) return;
    this.word = undefined;
    if (this.wordIsRedirect) {
      this.wordIsRedirect = false;
      return;
    }
    const atCommand = this.words.every((each) => each.assignment);
    const plain = !word.quoted && !word.dynamic;
    if (atCommand && plain && !word.assignment) {
      if (COMMAND_PREFIX_WORDS.has(word.text)) {
        this.words = [];
        return;
      }
      if (word.text === "case") return this.block("a case statement (its patterns end in an unmatched `)`)");
      if (word.text === "[[") return this.block("a [[ … ]] test (bash evaluates its arithmetic operands, $(…) included)");
      if (CLOSING_WORDS.has(word.text)) {
        this.words.push(word);
        return;
      }
    }
    if (this.words.length === 1 && this.words[0]!.text === "function" && plain) {
      // `function name { … }`: the body's commands are commands of their own.
      this.functions.add(word.text);
      this.words = [];
      return;
    }
    this.words.push(word);
    this.afterWord(word);
  }

  /** Commands whose options change how the rest of the script is read. */
  private afterWord(word: Word): void {
    const command = this.words.find((each) => !each.assignment);
    if (!command || command.dynamic || command.quoted) return;
    const name = command.text;
    const option = !word.quoted && !word.dynamic && /^[-+]/.test(word.text);
    if (word === command) {
      if (PARSER_CHANGING_COMMANDS.has(name)) this.block(`\`${name}\``, "which changes how the shell reads what follows");
      else if (name === "integer" || name === "float") this.block(`\`${name}\``, "after which assignments are arithmetic");
      return;
    }
    if (TYPING_DECLARATIONS.has(name) && option) {
      this.block(`\`${name} ${word.text}\``, "after which assignments to a typed variable may be arithmetic");
    } else if (name === "set" && this.dialect === "any") {
      if (this.pendingSetOption) {
        this.pendingSetOption = false;
        if (!HARMLESS_SET_OPTIONS.has(word.text)) this.block(`\`set -o ${word.text}\``, "which may change how the shell reads what follows");
      } else if (option && word.text !== "--" && word.text !== "-") {
        // `set -e`, `set -euo pipefail`: flags that change no parsing, and `o` naming one more.
        if (!/^[-+][euxvfnCo]+$/.test(word.text)) this.block(`\`set ${word.text}\``, "which may change how the shell reads what follows");
        else if (word.text.includes("o")) this.pendingSetOption = true;
      }
    }
  }

  /** The end of a simple command (or pipeline element): a command reading piped data as code taints what came before. */
  private endCommand(): void {
    this.endWord();
    const start = this.words.findIndex((each) => !each.assignment);
    if (this.pipedInto && start >= 0) {
      const reader = runsInputAsCode(this.words.slice(start));
      if (reader) {
        // Grouping (`{ …; } | sh`, `( … ) | sh`) can feed anything before the pipe into it.
        for (const [index, placement] of this.placements.entries()) {
          if (placement && !placement.refused) {
            this.placements[index] = { refused: `comes before \`| ${reader}\`, which runs what it reads as code` };
          }
        }
      }
    }
    this.words = [];
    this.nextWordIsRedirect = false;
    this.pendingSetOption = false;
    this.pipedInto = false;
  }
}

function isOption(word: Word): boolean {
  return !word.dynamic && !word.quoted && word.text.length > 1 && /^[-+]/.test(word.text);
}

function wrapperRunsShell(rule: Extract<CommandRule, { kind: "wrapper" }>, option: string): boolean {
  if (rule.codeOptions?.some((each) => option === each || option.startsWith(`${each}=`) || (each.length === 2 && option.startsWith(each)))) return true;
  if (!rule.codeLetters || !/^-[A-Za-z]+$/.test(option) || rule.argOptions?.includes(option)) return false;
  return [...option.slice(1)].some((letter) => rule.codeLetters!.includes(letter));
}

interface ProgramState {
  /** The reason a substitution in the current word is refused, given the command's name. */
  refused?: (name: string) => string;
  /** The command reads its program from standard input. */
  readsInput: boolean;
}

/** Whether an option word of an interpreter gives its program: `-c`, `-ec`, `--eval`, `--eval=…`. */
function codeOption(rule: Extract<CommandRule, { kind: "interpreter" }>, option: string): "next" | "attached" | undefined {
  for (const each of rule.codeOptions ?? []) {
    if (option === each) return "next";
    if (option.startsWith(`${each}=`)) return "attached";
  }
  if (!/^-[A-Za-z0-9]+$/.test(option) || rule.argOptions?.includes(option)) return undefined;
  // Clusters: `bash -ec CODE`. `python -cCODE` is read the same way, which only refuses more.
  return [...option.slice(1)].some((letter) => rule.codeLetters.includes(letter)) ? "next" : undefined;
}

/** A shell or an interpreter: where its program comes from, and whether `current` would be part of it. */
function interpreterState(rule: Extract<CommandRule, { kind: "interpreter" }>, args: Word[], current: Word | undefined): ProgramState {
  let programGiven = false;
  let awaitingCode: string | undefined;
  let optionsDone = false;
  let fromInput = false;
  let script: Word | undefined;
  for (let j = 0; j < args.length; j++) {
    const word = args[j]!;
    if (awaitingCode !== undefined) {
      awaitingCode = undefined;
      programGiven = true;
      continue;
    }
    if (!optionsDone && isOption(word)) {
      if (word.text === "--") {
        optionsDone = true;
        continue;
      }
      const code = codeOption(rule, word.text);
      if (code === "next") awaitingCode = word.text;
      else if (code === "attached") programGiven = true;
      else if (rule.argOptions?.includes(word.text)) {
        j++;
        if (j >= args.length && current) return { readsInput: false }; // `current` is the option's argument
      } else if (rule.codeLetters === "c" && /^-[A-Za-z]*s[A-Za-z]*$/.test(word.text)) {
        // `sh -s`: the program is standard input and the operands are its arguments.
        programGiven = true;
        fromInput = true;
      }
      continue;
    }
    optionsDone = true;
    if (!programGiven) {
      programGiven = true;
      script = word;
    }
  }
  const readsInput = fromInput || !programGiven || (script !== undefined && !script.dynamic && ["-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"].includes(script.text));
  if (!current) return { readsInput };
  if (awaitingCode !== undefined) {
    const option = awaitingCode;
    return { readsInput, refused: (name) => `is the program of \`${name} ${option}\`, which runs it as code` };
  }
  if (!optionsDone && !current.quoted && /^[-+]/.test(current.text)) {
    return { readsInput, refused: (name) => `stands in an option of \`${name}\`` };
  }
  if (!programGiven) return { readsInput, refused: (name) => `would be the script that \`${name}\` runs` };
  return { readsInput };
}

/** awk and sed: whether `current` would be part of the program. */
function programState(rule: Extract<CommandRule, { kind: "program" }>, args: Word[], current: Word | undefined): ProgramState {
  let programGiven = false;
  let awaitingCode: string | undefined;
  let optionsDone = false;
  const attached = (option: string, each: string) => option.startsWith(each.length === 2 ? each : `${each}=`) && option !== each;
  for (let j = 0; j < args.length; j++) {
    const word = args[j]!;
    if (awaitingCode !== undefined) {
      awaitingCode = undefined;
      programGiven = true;
      continue;
    }
    if (!optionsDone && isOption(word)) {
      const text = word.text;
      if (text === "--") optionsDone = true;
      else if (rule.codeOptions.includes(text)) awaitingCode = text;
      else if (rule.fileOptions.includes(text) || rule.argOptions.includes(text)) {
        if (rule.fileOptions.includes(text)) programGiven = true;
        j++;
        if (j >= args.length && current) return { readsInput: false };
      } else if ([...rule.codeOptions, ...rule.fileOptions].some((each) => attached(text, each))) programGiven = true;
      continue;
    }
    optionsDone = true;
    programGiven = true; // the first operand is the program, later ones are input files
  }
  if (!current) return { readsInput: false };
  if (awaitingCode !== undefined) {
    const option = awaitingCode;
    return { readsInput: false, refused: (name) => `is the program of \`${name} ${option}\`` };
  }
  if (!optionsDone && !current.quoted && current.text.startsWith("-")) {
    return rule.codeOptions.some((each) => attached(current.text, each) || current.text === each)
      ? { readsInput: false, refused: (name) => `is part of the program of \`${name} ${current.text}\`` }
      : { readsInput: false };
  }
  if (!programGiven) return { readsInput: false, refused: (name) => `would be part of the \`${name}\` program` };
  return { readsInput: false };
}

function analyseCodeOption(rule: Extract<CommandRule, { kind: "code-option" }>, name: string, args: Word[], current: Word): string | undefined {
  for (let j = 0; j < args.length; j++) {
    const word = args[j]!;
    if (!isOption(word)) {
      if (rule.beforeFirstOperand) return undefined;
      continue;
    }
    const takesArgument = rule.codeOptions.includes(word.text) || rule.argOptions?.includes(word.text);
    if (!takesArgument) continue;
    if (j === args.length - 1) {
      return rule.codeOptions.includes(word.text) ? `is the code of \`${name} ${word.text}\`` : undefined;
    }
    j++;
  }
  if (!current.quoted && current.text.startsWith("-")) {
    const option = rule.codeOptions.find((each) => current.text.startsWith(`${each}=`) || (each.length === 2 && current.text.startsWith(each)));
    if (option) return `is the code of \`${name} ${option}\``;
  }
  return undefined;
}

/** The name of the command when `command` runs what it reads on standard input as code (`sh`, `python -`, `sudo bash`). */
function runsInputAsCode(command: Word[]): string | undefined {
  const head = command[0];
  if (!head || head.dynamic) return undefined;
  const rule = commandRule(head.text);
  if (!rule) return undefined;
  const args = command.slice(1);
  switch (rule.kind) {
    case "code":
      return [".", "source", "parallel", "ssh"].includes(head.text) ? head.text : undefined;
    case "interpreter":
      return interpreterState(rule, args, undefined).readsInput ? head.text : undefined;
    case "code-option":
      // `su USER` without -c gives its shell standard input.
      return head.text === "su" || head.text === "runuser" ? (args.some((arg) => rule.codeOptions.includes(arg.text)) ? undefined : head.text) : undefined;
    case "wrapper": {
      let skip = rule.skip ?? 0;
      for (let j = 0; j < args.length; j++) {
        const word = args[j]!;
        if (isOption(word)) {
          if (rule.argOptions?.includes(word.text)) j++;
          continue;
        }
        if (rule.skipAssignments && word.assignment) continue;
        if (skip > 0) {
          skip--;
          continue;
        }
        // xargs turns its input into arguments: into a shell's or an interpreter's, they may be code.
        if (head.text === "xargs") return commandRule(args[j]!.text) ? `xargs ${args[j]!.text}` : undefined;
        const inner = runsInputAsCode(args.slice(j));
        return inner ? `${head.text} ${inner}` : undefined;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
