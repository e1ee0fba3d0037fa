/**
 * Quoting for tmux's own command language (the text `source-file` parses).
 *
 * Double quotes are used because they are the only tmux quoting with escapes:
 * inside them `\\`, `\"`, `\$` and `\n` are understood, so any byte string,
 * newlines included, survives as one argument. `$` must be escaped because
 * tmux expands environment variables inside double quotes.
 */
export function tmuxQuote(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === "\\" || char === '"' || char === "$") out += `\\${char}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\t") out += "\\t";
    else if (char === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(8).padStart(3, "0")}`;
    else out += char;
  }
  return `${out}"`;
}

/**
 * tmux expands `#{…}` formats in some arguments when it runs them (window
 * names, start directories, session names). Doubling `#` keeps user data literal.
 */
export function escapeFormat(value: string): string {
  return value.replaceAll("#", "##");
}

// Words tmux's parser reads literally without quotes: no `$`, `~`, `#`, `;`, braces or quotes.
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,.\/-]+$/;

/** One tmux command as a line of its command language; only words that need it are quoted. */
export function tmuxCommandLine(argv: readonly string[]): string {
  return argv.map((arg, index) => (index === 0 || PLAIN_WORD.test(arg) ? arg : tmuxQuote(arg))).join(" ");
}
