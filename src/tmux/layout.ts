/**
 * Checking a window's `layout:` before tmux ever sees it.
 *
 * tmux 3.3a's `select-layout` crashes the whole server (every session on it)
 * when handed a value that is neither a preset nor starts like a custom layout:
 * `main-vertial`, `vertical`, `m`, an empty string, and the 3.5 presets
 * `main-*-mirrored` on an older server. Its preset lookup also prefix-matches
 * (`t` is `tiled`), so a value that works today can change meaning when a
 * later tmux adds a preset. Hence prj accepts exactly two kinds of value:
 *
 * - a preset name spelt out in full (the mirrored ones only on tmux 3.5 or newer);
 * - a custom layout string as tmux prints it (`#{window_layout}`): a 4-hex-digit
 *   checksum, a comma, and cells that nest, whose sizes add up, and whose
 *   number of panes is the window's.
 *
 * Pure: no tmux is asked. Whether the running server has the mirrored presets
 * is the caller's to tell.
 */

/** The presets every tmux prj supports (3.2 and newer) knows. */
export const LAYOUT_PRESETS = ["even-horizontal", "even-vertical", "main-horizontal", "main-vertical", "tiled"] as const;

/** Presets added in tmux 3.5 ("Add mirrored versions of the main-horizontal and main-vertical layouts"). */
export const MIRRORED_LAYOUT_PRESETS = ["main-horizontal-mirrored", "main-vertical-mirrored"] as const;

/** The first tmux with {@link MIRRORED_LAYOUT_PRESETS}. */
export const MIRRORED_LAYOUTS_SINCE = { major: 3, minor: 5 } as const;

/** tmux's WINDOW_MAXIMUM: no window (and so no cell) is wider or taller. */
export const MAX_LAYOUT_SIZE = 10000;

/** Longest custom layout accepted; tmux itself cannot print one longer than 8 KiB. */
const MAX_LAYOUT_LENGTH = 8192;

/** Nesting deeper than this cannot come from a real window and would only cost recursion. */
const MAX_LAYOUT_DEPTH = 100;

export interface LayoutProblem {
  problem: string;
  hint?: string;
}

export interface LayoutContext {
  /** How many panes the window will have when the layout is applied. */
  panes: number;
  /**
   * Whether the server has the `-mirrored` presets: true or false when its
   * version is known, undefined when the caller checks that later.
   */
  mirroredPresets?: boolean;
}

/** What a layout value is, once it passed {@link layoutProblem}. */
export type LayoutKind = "preset" | "mirrored-preset" | "custom";

/** The kind of a valid value; undefined for anything {@link layoutProblem} refuses. */
export function layoutKind(value: string): LayoutKind | undefined {
  if ((LAYOUT_PRESETS as readonly string[]).includes(value)) return "preset";
  if ((MIRRORED_LAYOUT_PRESETS as readonly string[]).includes(value)) return "mirrored-preset";
  if (CUSTOM_PREFIX.test(value)) return "custom";
  return undefined;
}

const CUSTOM_PREFIX = /^[0-9A-Fa-f]{4},/;

/**
 * Why tmux must not be handed `value` as a window layout, or undefined when it
 * is safe. The problem reads after the value ("…: unknown layout ..."), the
 * hint says what to write instead.
 */
export function layoutProblem(value: string, context: LayoutContext): LayoutProblem | undefined {
  if ((LAYOUT_PRESETS as readonly string[]).includes(value)) return undefined;
  if ((MIRRORED_LAYOUT_PRESETS as readonly string[]).includes(value)) {
    if (context.mirroredPresets === false) {
      return {
        problem: `layout ${JSON.stringify(value)} needs tmux ${MIRRORED_LAYOUTS_SINCE.major}.${MIRRORED_LAYOUTS_SINCE.minor} or newer`,
        hint: `use ${value.replace(/-mirrored$/, "")} (the main pane on the other side), or upgrade tmux and restart its server`,
      };
    }
    return undefined;
  }
  if (CUSTOM_PREFIX.test(value)) return customLayoutProblem(value, context.panes);
  return presetNameProblem(value, context);
}

function presetNameProblem(value: string, context: LayoutContext): LayoutProblem {
  const names: string[] = [...LAYOUT_PRESETS, ...(context.mirroredPresets === false ? [] : MIRRORED_LAYOUT_PRESETS)];
  const trimmed = value.trim().toLowerCase();
  const suggestion =
    names.find((name) => name === trimmed) ??
    // tmux itself would accept an unambiguous abbreviation; prj wants the full name.
    (trimmed !== "" ? onlyPrefixMatch(trimmed, names) : undefined) ??
    closestName(trimmed, names);
  const known = `layouts: ${names.join(", ")}, or a custom layout string as \`tmux list-windows\` prints it`;
  if (value.trim() === "") return { problem: "the layout is empty", hint: known };
  return {
    problem: `unknown layout ${JSON.stringify(value)}`,
    hint: suggestion ? `did you mean ${suggestion}? ${known}` : known,
  };
}

/** The one name `input` abbreviates; `main-h` abbreviates main-horizontal, not also its mirrored twin. */
function onlyPrefixMatch(input: string, names: readonly string[]): string | undefined {
  const matches = names.filter((name) => name.startsWith(input)).sort((a, b) => a.length - b.length);
  const shortest = matches[0];
  return shortest !== undefined && matches.every((name) => name.startsWith(shortest)) ? shortest : undefined;
}

/**
 * Nearest name by edit distance (as errors.ts `closest`, kept here so this
 * module stays free of imports); undefined when nothing is near.
 */
function closestName(input: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of names) {
    const distance = editDistance(input, name);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

// ---------------------------------------------------------------- custom layouts

/** One cell of a custom layout: a pane, or a row (`{…}`, left to right) or column (`[…]`, top to bottom) of cells. */
export interface LayoutCell {
  width: number;
  height: number;
  x: number;
  y: number;
  kind: "pane" | "left-right" | "top-bottom";
  children: LayoutCell[];
}

/**
 * tmux's layout_checksum over the text after `XXXX,`: a 16-bit rotate-right
 * and add over the bytes. Layout strings are ASCII, so UTF-16 units are bytes.
 */
export function layoutChecksum(body: string): number {
  let sum = 0;
  for (let index = 0; index < body.length; index++) {
    sum = ((sum >> 1) | ((sum & 1) << 15)) & 0xffff;
    sum = (sum + body.charCodeAt(index)) & 0xffff;
  }
  return sum;
}

/** `body` with the checksum tmux would print before it: `layoutWithChecksum("80x24,0,0,1")` is `"b25d,80x24,0,0,1"`. */
export function layoutWithChecksum(body: string): string {
  return `${layoutChecksum(body).toString(16).padStart(4, "0")},${body}`;
}

function customLayoutProblem(value: string, panes: number): LayoutProblem | undefined {
  const fromTmux = "copy the layout from `tmux list-windows -F '#{window_layout}'` after arranging the window by hand";
  if (value.length > MAX_LAYOUT_LENGTH) return { problem: `the custom layout is longer than ${MAX_LAYOUT_LENGTH} characters`, hint: fromTmux };
  const body = value.slice(5);
  const written = Number.parseInt(value.slice(0, 4), 16);
  const expected = layoutChecksum(body);
  if (written !== expected) {
    return {
      problem: `custom layout checksum ${value.slice(0, 4)} does not match its cells (expected ${expected.toString(16).padStart(4, "0")})`,
      hint: `a layout string must be used exactly as tmux printed it; ${fromTmux}`,
    };
  }
  const parsed = parseCells(body);
  if ("problem" in parsed) return { problem: `invalid custom layout: ${parsed.problem}`, hint: fromTmux };
  const geometry = geometryProblem(parsed.cell, 0);
  if (geometry) return { problem: `invalid custom layout: ${geometry}`, hint: fromTmux };
  const cells = countPanes(parsed.cell);
  if (cells !== panes) {
    return {
      problem: `the custom layout has ${cells} pane${cells === 1 ? "" : "s"} but the window has ${panes}`,
      hint: `give the window ${cells} pane${cells === 1 ? "" : "s"}, or ${fromTmux}`,
    };
  }
  return undefined;
}

/** Parses the cells of a layout body (after `XXXX,`) strictly: all of it, and nothing tmux would not print. */
export function parseCells(body: string): { cell: LayoutCell } | { problem: string } {
  let at = 0;
  const fail = (what: string) => ({ problem: `${what} at character ${at + 6}` });
  const number = (): number | undefined => {
    const match = /^[0-9]{1,6}/.exec(body.slice(at, at + 7));
    if (!match || /[0-9]/.test(body[at + match[0].length] ?? "")) return undefined;
    at += match[0].length;
    return Number(match[0]);
  };
  const expect = (char: string): boolean => {
    if (body[at] !== char) return false;
    at++;
    return true;
  };
  const cell = (depth: number): LayoutCell | { problem: string } => {
    if (depth > MAX_LAYOUT_DEPTH) return fail(`cells nested more than ${MAX_LAYOUT_DEPTH} deep`);
    const width = number();
    if (width === undefined || !expect("x")) return fail("expected WIDTHxHEIGHT,X,Y");
    const height = number();
    if (height === undefined || !expect(",")) return fail("expected WIDTHxHEIGHT,X,Y");
    const x = number();
    if (x === undefined || !expect(",")) return fail("expected WIDTHxHEIGHT,X,Y");
    const y = number();
    if (y === undefined) return fail("expected WIDTHxHEIGHT,X,Y");
    // A pane cell may carry its pane id, which tmux ignores when applying the layout.
    if (body[at] === "," && /^,[0-9]+(?:[,}\]]|$)/.test(body.slice(at, at + 9))) {
      at++;
      if (number() === undefined) return fail("expected a pane id");
      return { width, height, x, y, kind: "pane", children: [] };
    }
    const open = body[at];
    if (open !== "{" && open !== "[") return { width, height, x, y, kind: "pane", children: [] };
    at++;
    const children: LayoutCell[] = [];
    for (;;) {
      const child = cell(depth + 1);
      if ("problem" in child) return child;
      children.push(child);
      if (expect(",")) continue;
      if (expect(open === "{" ? "}" : "]")) break;
      return fail(`expected ',' or '${open === "{" ? "}" : "]"}'`);
    }
    if (children.length < 2) return fail("a split holds at least two cells");
    return { width, height, x, y, kind: open === "{" ? "left-right" : "top-bottom", children };
  };
  const root = cell(0);
  if ("problem" in root) return root;
  if (at !== body.length) return fail("unexpected text");
  return { cell: root };
}

/**
 * tmux's layout_check, and the offsets tmux prints: children of a left-right
 * cell are as tall as it and their widths plus one border each add up to its
 * width (likewise top-bottom), side by side from the parent's corner.
 */
function geometryProblem(cell: LayoutCell, depth: number): string | undefined {
  const where = `cell ${cell.width}x${cell.height},${cell.x},${cell.y}`;
  if (cell.width < 1 || cell.height < 1) return `${where} has no room`;
  if (cell.width > MAX_LAYOUT_SIZE || cell.height > MAX_LAYOUT_SIZE) return `${where} is larger than tmux allows (${MAX_LAYOUT_SIZE})`;
  if (depth === 0 && (cell.x !== 0 || cell.y !== 0)) return `${where}: the outer cell starts at 0,0`;
  if (cell.kind === "pane") return undefined;
  const across = cell.kind === "left-right";
  let offset = across ? cell.x : cell.y;
  for (const child of cell.children) {
    const childWhere = `cell ${child.width}x${child.height},${child.x},${child.y}`;
    if (across ? child.height !== cell.height : child.width !== cell.width) {
      return `${childWhere} must be as ${across ? "tall" : "wide"} as the cell around it (${across ? cell.height : cell.width})`;
    }
    if ((across ? child.x : child.y) !== offset || (across ? child.y !== cell.y : child.x !== cell.x)) {
      return `${childWhere} should start at ${across ? `${offset},${cell.y}` : `${cell.x},${offset}`}`;
    }
    const inner = geometryProblem(child, depth + 1);
    if (inner) return inner;
    offset += (across ? child.width : child.height) + 1;
  }
  const used = offset - 1 - (across ? cell.x : cell.y);
  if (used !== (across ? cell.width : cell.height)) {
    return `the cells inside ${where} add up to ${across ? "width" : "height"} ${used}, not ${across ? cell.width : cell.height}`;
  }
  return undefined;
}

function countPanes(cell: LayoutCell): number {
  return cell.kind === "pane" ? 1 : cell.children.reduce((sum, child) => sum + countPanes(child), 0);
}

/** Whether a tmux version string (`3.5a`, `next-3.6`, `3.3`) has the mirrored presets; undefined when unreadable. */
export function versionHasMirroredLayouts(version: string): boolean | undefined {
  const match = /(\d+)\.(\d+)/.exec(version);
  if (!match) return undefined;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major > MIRRORED_LAYOUTS_SINCE.major || (major === MIRRORED_LAYOUTS_SINCE.major && minor >= MIRRORED_LAYOUTS_SINCE.minor);
}
