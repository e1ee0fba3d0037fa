/**
 * Window names prj hands to tmux. Control characters are refused before
 * anything runs: tmux 3.7 rejects them (its stricter name rules), which would
 * stop a session half made, and older servers show them as escapes such as
 * `\011` in the status line and in every listing. A lone UTF-16 surrogate
 * cannot be written as UTF-8 at all.
 */

/** Why `name` cannot be a window name, or undefined when it can. */
export function windowNameProblem(name: string): string | undefined {
  for (let index = 0; index < name.length; index++) {
    const code = name.charCodeAt(index);
    if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) {
      return `window name ${JSON.stringify(name)} contains a control character (${describeControl(code)}); tmux cannot show it`;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const pair = code <= 0xdbff && (name.charCodeAt(index + 1) & 0xfc00) === 0xdc00;
      if (!pair) return `window name ${JSON.stringify(name)} contains half of a UTF-16 surrogate pair, which is not text`;
      index++;
    }
  }
  return undefined;
}

function describeControl(code: number): string {
  if (code === 0x09) return "a tab";
  if (code === 0x0a) return "a newline";
  if (code === 0x0d) return "a carriage return";
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}
