/**
 * The picker's screen: a query line and the matching items, on the alternate
 * screen so that leaving (Enter or Escape) gives the terminal back as it was.
 * Keys: typing filters, Backspace, Up/Down (Ctrl-P/Ctrl-N), Enter chooses,
 * Escape or Ctrl-C leaves without choosing.
 */
import { filterItems } from "./items.ts";

const ENTER_ALT = "\x1b[?1049h\x1b[H\x1b[2J";
const LEAVE_ALT = "\x1b[?25h\x1b[?1049l";

export async function runPicker<T extends { label: string }>(items: readonly T[], options: { header: string }): Promise<T | undefined> {
  const stdin = process.stdin;
  const out = (text: string) => process.stdout.write(text);
  let query = "";
  let selected = 0;
  let shown: T[] = [...items];
  const draw = () => {
    const rows = process.stdout.rows || 24;
    const columns = process.stdout.columns || 80;
    const room = Math.max(1, rows - 2);
    const top = Math.max(0, Math.min(selected - room + 1, shown.length - room));
    const lines = [`\x1b[1m>\x1b[0m ${query}`, `\x1b[2m${options.header}  ${shown.length}/${items.length}\x1b[0m`];
    for (let index = Math.max(0, top); index < Math.min(shown.length, top + room); index++) {
      const text = shown[index]!.label.slice(0, columns - 2);
      lines.push(index === selected ? `\x1b[7m> ${text}\x1b[0m` : `  ${text}`);
    }
    // Cursor hidden while drawing, put back on the query line.
    out(`\x1b[?25l\x1b[H\x1b[2J${lines.join("\r\n")}\x1b[1;${query.length + 3}H\x1b[?25h`);
  };
  out(ENTER_ALT);
  stdin.setRawMode(true);
  stdin.resume();
  draw();
  const chosen = await new Promise<T | undefined>((resolve) => {
    const finish = (value: T | undefined) => {
      stdin.off("data", onData);
      process.stdout.off("resize", draw);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const key of splitKeys(chunk.toString("utf8"))) {
        if (key === "\x1b" || key === "\x03") return finish(undefined);
        if (key === "\r" || key === "\n") return finish(shown[selected]);
        if (key === "\x1b[A" || key === "\x1bOA" || key === "\x10") selected = Math.max(0, selected - 1);
        else if (key === "\x1b[B" || key === "\x1bOB" || key === "\x0e") selected = Math.min(shown.length - 1, selected + 1);
        else if (key.startsWith("\x1b")) continue; // other keys do nothing
        else {
          if (key === "\x7f" || key === "\b") query = query.slice(0, -1);
          else if (key === "\x15") query = "";
          else if (key >= " ") query += key;
          else continue;
          shown = filterItems(items, query);
          selected = 0;
        }
      }
      draw();
    };
    stdin.on("data", onData);
    process.stdout.on("resize", draw);
  });
  stdin.setRawMode(false);
  stdin.pause();
  out(LEAVE_ALT);
  return chosen;
}

/**
 * The keys in what the terminal sent at once: escape sequences (`ESC [ … letter`,
 * `ESC O letter`) whole, a lone ESC as Escape, anything else one character each.
 */
export function splitKeys(text: string): string[] {
  const keys: string[] = [];
  for (let at = 0; at < text.length; ) {
    if (text[at] === "\x1b") {
      const csi = /^\x1b(\[[0-9;]*[~A-Za-z]|O[A-Za-z])/.exec(text.slice(at));
      const key = csi ? csi[0] : "\x1b";
      keys.push(key);
      at += key.length;
      continue;
    }
    const char = String.fromCodePoint(text.codePointAt(at)!);
    keys.push(char);
    at += char.length;
  }
  return keys;
}
