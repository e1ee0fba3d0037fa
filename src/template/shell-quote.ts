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
