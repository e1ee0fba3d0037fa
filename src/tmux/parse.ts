import { TmuxError } from "../errors.ts";

/**
 * Field and row markers for `-F` output. Any byte but NUL can be in a value
 * tmux prints (paths, option values, the names of sessions prj did not make:
 * tabs and newlines included, printed raw by every tmux from 3.2a to 3.8), and
 * no fixed byte survives every version (3.4 and 3.5 print control bytes such as
 * \x1f as the text `\037`; without `-u`, a non-UTF-8 locale turns them and
 * every non-ASCII byte into `_`). So the markers are printable ASCII, which
 * every version prints as is, around a token drawn at random for each prj
 * process: no value can hold them by accident, and nobody can plant them.
 */
const TOKEN = Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => byte.toString(16).padStart(2, "0")).join("");
export const FIELD_SEPARATOR = `<${TOKEN}>`;
/** Ends every row, so a newline inside a value does not end it. */
export const ROW_END = `<${TOKEN}.>`;

/**
 * The format field every query asks for first: the escaping tmux applies to
 * what it prints is the server's, so each answer carries the server version
 * it needs to be read (and asking costs no extra tmux client).
 */
const VERSION_FIELD = "version";

/**
 * Parses `-F` output made with {@link formatOf} strictly: a row with the wrong
 * number of fields, or text outside the rows, is an error, never a guess.
 * Values come back as the server had them (see {@link undoOutputEscaping}).
 */
export function parseRows<const F extends readonly string[]>(
  text: string,
  fields: F,
  subcommand: string,
): Record<F[number], string>[] {
  const rows: Record<F[number], string>[] = [];
  const chunks = text.split(`${ROW_END}\n`);
  const rest = chunks.pop()!;
  if (rest !== "") throw new TmuxError(subcommand, `unexpected output (not a row): ${JSON.stringify(rest.slice(0, 200))}`);
  for (const chunk of chunks) {
    const [version = "", ...values] = chunk.split(FIELD_SEPARATOR);
    if (values.length !== fields.length) {
      throw new TmuxError(subcommand, `unexpected output row (${values.length} fields, wanted ${fields.length}): ${JSON.stringify(chunk.slice(0, 200))}`);
    }
    const row = {} as Record<F[number], string>;
    fields.forEach((field, index) => {
      row[field as F[number]] = undoOutputEscaping(values[index]!, version);
    });
    rows.push(row);
  }
  return rows;
}

/**
 * The server version a {@link formatOf} answer was made by (the first field of
 * its first row), or undefined when it has no rows.
 */
export function versionOfRows(text: string): string | undefined {
  const end = text.indexOf(FIELD_SEPARATOR);
  return end > 0 ? text.slice(0, end) : undefined;
}

/** A `-F` format asking for `fields` (after the server version), as {@link parseRows} reads them. */
export function formatOf(fields: readonly string[]): string {
  return `${[VERSION_FIELD, ...fields].map((field) => `#{${field}}`).join(FIELD_SEPARATOR)}${ROW_END}`;
}

/** tmux's stderr when no server runs on the socket: not an error for a query, just nothing there. */
export function isNoServer(stderr: string): boolean {
  return /no server running|error connecting to|No such file or directory/.test(stderr);
}

/**
 * Undoes the escaping a server of `version` adds to every value it prints.
 *
 * tmux 3.4 prints a `$` that is followed by a letter, `_` or `{` as `\$`
 * (its vis pass treats output as if it were double-quoted), and it does not
 * double backslashes, so removing the one backslash before each such `$` gives
 * back exactly the stored value, including one that had `\$` in it. 3.4 and
 * 3.5 also print control bytes and invalid UTF-8 as `\ooo` or `\r`-style text;
 * that is not undone, because a value may hold that text literally and nothing
 * in the output tells the two apart. Values prj itself stores (paths, names,
 * branches) hold no control bytes.
 */
export function undoOutputEscaping(value: string, version: string): string {
  if (!escapesDollar(version) || !value.includes("\\$")) return value;
  return value.replace(/\\(\$[A-Za-z_{])/g, "$1");
}

/** Whether a server of `version` prints `$x` as `\$x` (tmux 3.4 only). */
export function escapesDollar(version: string): boolean {
  return /^3\.4(?![0-9])/.test(version);
}

/**
 * Whether a server of `version` stores window names vis-encoded whatever set
 * them (3.7 and later: a backslash is kept as `\\`, a tab as `\t`, other control
 * bytes are refused). Before 3.7 only names set by `rename-window` or by a
 * program were encoded, and `new-window -n` kept them raw, so there is no
 * telling which a name is and it is left as it is.
 */
export function encodesWindowNames(version: string): boolean {
  const parsed = parseTmuxVersion(version);
  return parsed !== undefined && (parsed.major > 3 || (parsed.major === 3 && parsed.minor >= 7));
}

/** `3.2a` → {major: 3, minor: 2}; `next-3.6` counts as 3.6; undefined when there are no numbers. */
export function parseTmuxVersion(version: string): { major: number; minor: number } | undefined {
  const match = /(\d+)\.(\d+)/.exec(version);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

const CSTYLE: Record<string, number> = { n: 0x0a, t: 0x09, r: 0x0d, a: 0x07, b: 0x08, v: 0x0b, f: 0x0c, s: 0x20, "0": 0x00 };

/**
 * Decodes tmux's vis encoding of a stored name (`\\`, `\t`, `\n`, `\ooo`,
 * `\$`, `\"`), the form 3.7 and later keep window names in, so `a\b` named
 * in a command reads back as `a\b` and not `a\\b`. Octal escapes are bytes and
 * may together make one UTF-8 character. An escape tmux does not write is left
 * as it is.
 */
export function decodeVis(text: string): string {
  if (!text.includes("\\")) return text;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let index = 0; index < text.length; ) {
    const char = text[index]!;
    if (char === "\\" && index + 1 < text.length) {
      const next = text[index + 1]!;
      const octal = /^[0-3][0-7]{2}/.exec(text.slice(index + 1, index + 4));
      if (octal) {
        bytes.push(parseInt(octal[0], 8));
        index += 4;
        continue;
      }
      if (next in CSTYLE && !(next === "0" && /[0-7]/.test(text[index + 2] ?? ""))) {
        bytes.push(CSTYLE[next]!);
        index += 2;
        continue;
      }
      if (next === "\\" || next === "$" || next === '"') {
        bytes.push(next.charCodeAt(0));
        index += 2;
        continue;
      }
    }
    const codePoint = text.codePointAt(index)!;
    const width = codePoint > 0xffff ? 2 : 1;
    bytes.push(...encoder.encode(text.slice(index, index + width)));
    index += width;
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

interface JsonLayoutCell {
  t?: string;
  w?: number;
  h?: number;
  x?: number;
  y?: number;
  I?: string;
  c?: JsonLayoutCell[];
}

/**
 * A window layout in the form every tmux reads: `checksum,WxH,X,Y{…}` with
 * `{}` for cells side by side, `[]` for cells stacked, and a pane's id at each
 * leaf. tmux 3.8 prints layouts as JSON (`{"V":2,"L":{…}}`) and still accepts
 * the old form, so converting keeps what prj shows and writes (session-info,
 * freeze) the same and usable on every version. A layout already in the old
 * form, or JSON with something the old form cannot hold (floating panes),
 * comes back as it is.
 */
export function classicLayout(layout: string): string {
  if (!layout.startsWith("{")) return layout;
  let parsed: { V?: number; L?: JsonLayoutCell };
  try {
    parsed = JSON.parse(layout);
  } catch {
    return layout; // not JSON after all: shown as tmux gave it
  }
  const body = parsed.L ? classicCell(parsed.L) : undefined;
  return body === undefined ? layout : `${layoutChecksum(body).toString(16).padStart(4, "0")},${body}`;
}

function classicCell(cell: JsonLayoutCell): string | undefined {
  const { w, h, x, y } = cell;
  if (![w, h, x, y].every((value) => Number.isInteger(value))) return undefined;
  const geometry = `${w}x${h},${x},${y}`;
  if (cell.t === "p") {
    const id = /^%(\d+)$/.exec(cell.I ?? "")?.[1];
    return id === undefined ? undefined : `${geometry},${id}`;
  }
  const open = cell.t === "h" ? "{" : cell.t === "v" ? "[" : undefined;
  if (!open || !cell.c?.length) return undefined;
  const children = cell.c.map(classicCell);
  if (children.some((child) => child === undefined)) return undefined;
  return `${geometry}${open}${children.join(",")}${open === "{" ? "}" : "]"}`;
}

/** tmux's layout checksum (layout.c): a 16-bit rotate-and-add over the layout text. */
function layoutChecksum(body: string): number {
  let sum = 0;
  for (const char of body) {
    sum = ((sum >> 1) | ((sum & 1) << 15)) & 0xffff;
    sum = (sum + char.charCodeAt(0)) & 0xffff;
  }
  return sum;
}
