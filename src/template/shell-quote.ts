/**
 * POSIX shell quoting for values substituted into a user's inline `run:` string, so a value
 * such as `$(rm -rf ~)` reaches the command as data and is never executed.
 */

/**
 * Quotes `value` as one shell word for sh, bash, dash and zsh.
 *
 * A non-empty value made only of `[A-Za-z0-9_@%+=:,./-]` is returned as is, because no shell
 * gives those characters a meaning there; anything else is wrapped in single quotes, inside which
 * nothing is special, and each `'` becomes `'\''` (close, escaped quote, reopen). A value that
 * starts with `=` is quoted too: zsh expands a word `=cmd` to the path of `cmd`.
 */
export function shellQuote(value: string): string {
  if (value !== "" && isSafeWord(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function isSafeWord(value: string): boolean {
  if (value.charCodeAt(0) === 0x3d) return false; // "=", see shellQuote
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const safe =
      (code >= 0x61 && code <= 0x7a) || // a-z
      (code >= 0x41 && code <= 0x5a) || // A-Z
      (code >= 0x30 && code <= 0x39) || // 0-9
      SAFE_PUNCTUATION.includes(value[i]!);
    if (!safe) return false;
  }
  return true;
}

const SAFE_PUNCTUATION = "_@%+=:,./-";

/** Where a substituted value lands in a shell script, as far as quoting is concerned. */
export type ShellContext = "unquoted" | "single" | "double" | "comment" | "heredoc" | "quoted-heredoc";

interface Frame {
  kind: "top" | "subst" | "backtick" | "double";
  /** Open `(` inside this frame, so the `)` that closes a `$(` is found. */
  depth: number;
}

interface Heredoc {
  delimiter: string;
  quoted: boolean;
  stripTabs: boolean;
}

/**
 * The quoting context at the end of `text`: a small POSIX sh lexer that follows
 * quotes, backslashes, `$(…)`, backticks, comments and here-documents. It is
 * what lets `echo "{{x}}"` stay safe: a value inside double quotes must be
 * escaped differently from one standing alone.
 */
export function shellContextAfter(text: string): { context: ShellContext; backticks: number } {
  const frames: Frame[] = [{ kind: "top", depth: 0 }];
  let inSingle = false;
  let inComment = false;
  let wordStart = true;
  const pending: Heredoc[] = [];
  let heredoc: Heredoc | undefined;
  let i = 0;
  while (i < text.length) {
    if (heredoc) {
      const end = text.indexOf("\n", i);
      if (end === -1) break; // the text ends inside the here-document body
      let line = text.slice(i, end);
      if (heredoc.stripTabs) line = line.replace(/^\t+/, "");
      if (line === heredoc.delimiter) heredoc = pending.shift();
      i = end + 1;
      continue;
    }
    const ch = text[i]!;
    if (inComment) {
      if (ch === "\n") {
        inComment = false;
        heredoc = pending.shift();
        wordStart = true;
      }
      i += 1;
      continue;
    }
    if (inSingle) {
      if (ch === "'") inSingle = false;
      i += 1;
      continue;
    }
    const frame = frames[frames.length - 1]!;
    if (frame.kind === "double") {
      if (ch === "\\") i += 1;
      else if (ch === '"') frames.pop();
      else if (ch === "`") frames.push({ kind: "backtick", depth: 0 });
      else if (ch === "$" && text[i + 1] === "(") {
        frames.push({ kind: "subst", depth: 0 });
        i += 1;
      }
      i += 1;
      continue;
    }
    let nextWordStart = false;
    if (ch === "\\") {
      i += 1;
    } else if (ch === "'") {
      inSingle = true;
    } else if (ch === '"') {
      frames.push({ kind: "double", depth: 0 });
    } else if (ch === "`") {
      if (frame.kind === "backtick") frames.pop();
      else frames.push({ kind: "backtick", depth: 0 });
    } else if (ch === "$" && text[i + 1] === "(") {
      frames.push({ kind: "subst", depth: 0 });
      i += 1;
      nextWordStart = true;
    } else if (ch === "(") {
      frame.depth += 1;
      nextWordStart = true;
    } else if (ch === ")") {
      if (frame.depth > 0) frame.depth -= 1;
      else if (frame.kind === "subst") frames.pop();
      nextWordStart = true;
    } else if (ch === "#" && wordStart) {
      inComment = true;
    } else if (ch === "<" && text[i + 1] === "<" && text[i + 2] !== "<") {
      const parsed = readHeredocOperator(text, i + 2);
      if (parsed) {
        pending.push(parsed.heredoc);
        i = parsed.end - 1;
      } else i += 1;
      nextWordStart = true;
    } else if (ch === "\n") {
      if (pending.length) heredoc = pending.shift();
      nextWordStart = true;
    } else if (" \t;&|<>".includes(ch)) {
      nextWordStart = true;
    }
    wordStart = nextWordStart;
    i += 1;
  }
  const backticks = frames.filter((frame) => frame.kind === "backtick").length;
  const context: ShellContext = heredoc
    ? heredoc.quoted
      ? "quoted-heredoc"
      : "heredoc"
    : inComment
      ? "comment"
      : inSingle
        ? "single"
        : frames[frames.length - 1]!.kind === "double"
          ? "double"
          : "unquoted";
  return { context, backticks };
}

/** Parses `[-] WORD` after `<<`; the delimiter is quoted when any part of WORD is. */
function readHeredocOperator(text: string, start: number): { heredoc: Heredoc; end: number } | undefined {
  let i = start;
  const stripTabs = text[i] === "-";
  if (stripTabs) i += 1;
  while (text[i] === " " || text[i] === "\t") i += 1;
  let word = "";
  let quoted = false;
  while (i < text.length && !" \t\n;&|<>()".includes(text[i]!)) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      const close = text.indexOf(ch, i + 1);
      if (close === -1) return undefined;
      word += text.slice(i + 1, close);
      quoted = true;
      i = close + 1;
      continue;
    }
    if (ch === "\\") {
      word += text[i + 1] ?? "";
      quoted = true;
      i += 2;
      continue;
    }
    word += ch;
    i += 1;
  }
  if (word === "") return undefined;
  return { heredoc: { delimiter: word, quoted, stripTabs }, end: i };
}

/** A value that cannot be placed safely where its template stands. */
export class ShellQuoteError extends Error {}

/**
 * Quotes `value` for the place it lands in a shell script whose text so far is
 * `before`, so that in every context it stays data:
 *
 * - unquoted: one single-quoted word ({@link shellQuote});
 * - inside `'…'`: each `'` becomes `'\''`;
 * - inside `"…"` and in a here-document that expands: `\`, `$`, `` ` `` (and `"`) get a backslash;
 * - in a comment: line breaks become spaces, since a line break would end the comment.
 *
 * Inside backticks the result is escaped once more per level, because the shell
 * removes one level of `\` before it runs the inner command. A line break
 * inside a here-document could end it early, so it is refused.
 */
export function quoteForShell(value: string, before: string): string {
  const { context, backticks } = shellContextAfter(before);
  let quoted = quoteIn(context, value);
  for (let level = 0; level < backticks; level++) quoted = quoted.replace(/[\\$`]/g, "\\$&");
  return quoted;
}

function quoteIn(context: ShellContext, value: string): string {
  switch (context) {
    case "unquoted":
      return shellQuote(value);
    case "single":
      return value.replaceAll("'", `'\\''`);
    case "double":
      return value.replace(/[\\$`"]/g, "\\$&");
    case "comment":
      return value.replace(/[\r\n]/g, " ");
    case "heredoc":
      if (/[\r\n]/.test(value)) throw new ShellQuoteError("a value with a line break cannot be placed inside a here-document");
      return value.replace(/[\\$`]/g, "\\$&");
    case "quoted-heredoc":
      if (/[\r\n]/.test(value)) throw new ShellQuoteError("a value with a line break cannot be placed inside a here-document");
      return value;
  }
}
