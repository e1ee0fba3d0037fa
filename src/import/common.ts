/**
 * What the tmuxinator and tmuxp importers share: the context they convert in,
 * path handling, `cd` folding, and the windows they both build. Everything
 * here is pure: data in, data out, no file or process touched.
 */
import { isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import type { CommandConfig, EnvMap, Pane, Window } from "../config/schema.ts";
import { ENV_NAME_PATTERN } from "../config/schema.ts";
import { LAYOUT_PRESETS, layoutProblem, MIRRORED_LAYOUT_PRESETS } from "../tmux/layout.ts";
import { firstWord, topLevelSegments } from "./shell.ts";
import { PeerFloat, PeerObject } from "./yaml11.ts";

/** Where a file is being imported, so paths come out as the peer tool would see them. */
export interface ImportContext {
  /** Absolute directory of the imported file (tmuxp resolves `./` paths against it). */
  fileDir: string;
  /** What `~` expands to. */
  home: string;
  /** The file's name without extension: the command name when the file names no session. */
  fileStem: string;
  /** The prj project root: absolute paths inside it are written relative, so the command keeps working in worktrees. */
  projectRoot?: string;
  /** Environment for tmuxp's `$VAR` expansion, which tmuxp does when it loads a file. */
  env?: Record<string, string | undefined>;
  /** Whether a directory exists now; without it, directories are not checked. */
  exists?: (path: string) => boolean;
}

/** A comment put after one value of the written command, at its key path (why a value looks as it does). */
export interface ValueComment {
  path: (string | number)[];
  text: string;
}

/**
 * A converted command, one line per thing that could not be converted exactly
 * (each starting with its key path in the peer file), and comments for values
 * that are exact but would puzzle a reader.
 */
export interface ImportResult {
  command: CommandConfig;
  warnings: string[];
  comments: ValueComment[];
  /** Preset layouts the peer shapes with tmux options prj does not set: tmux works them out at import (import.ts). */
  pendingLayouts?: PendingLayout[];
}

/**
 * A preset layout as the peer leaves it: `preset` applied to `panes` panes in
 * a window of `size` with tmux `options` set (tmuxp's `main-pane-height: 30`).
 * prj sets no tmux options on its windows, so tmux itself computes the layout
 * once, on a throw-away server, and the exact layout string is written instead.
 */
export interface PendingLayout {
  /** Where the layout is in the written command. */
  path: (string | number)[];
  preset: string;
  panes: number;
  options: Record<string, string>;
  size: { columns: number; rows: number };
  /** Key path in the peer file, for the note when tmux cannot tell. */
  notePath: string;
}

/**
 * The peer itself refuses this file: `peerSays` is its own message (the
 * exception it stops with), `why` says what in the file causes it, and `path`
 * is where, as a key path in the peer file.
 */
export class PeerRejection extends Error {
  constructor(
    readonly path: (string | number)[],
    readonly peerSays: string,
    readonly why: string,
  ) {
    super(peerSays);
  }
}

/** Collects warnings as `key.path: message` lines. */
export class Warnings {
  readonly lines: string[] = [];
  add(path: string, message: string): void {
    const line = path ? `${path}: ${message}` : message;
    if (!this.lines.includes(line)) this.lines.push(line);
  }
}

/** Command names end up as file names: everything outside `[A-Za-z0-9._-]` becomes `-`. */
export function sanitizeCommandName(raw: string): string {
  return raw
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.]+|-+$/g, "");
}

/** prj templates every string it runs; a literal `{{` from a peer file must stay literal. */
export function literal(text: string): string {
  return text.replaceAll("{{", "\\{{");
}

/**
 * A YAML scalar as the peer tool turns it into text (Ruby's `to_s`, which is
 * what tmuxinator applies to names). Both tools read YAML 1.1, so `222_333` is
 * the number 222333 and `4e5` is a string; big integers keep every digit, and
 * floats keep the text their language prints (`1.0`). `null` stays undefined.
 */
export function scalarText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value instanceof PeerFloat) return value.text;
  if (value instanceof PeerObject) return value.text;
  return undefined;
}

/** Python's idea of a true value (tmuxp tests `focus` with a plain `if`): a non-empty string such as "false" counts. */
export function pythonTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === 0n || value === "") return false;
  if (value instanceof PeerFloat) return value.value !== 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.keys(value).length > 0;
  return true;
}

/** The key a YAML `~:` (null) mapping key gets after {@link normalizeParsed}. */
export const NULL_KEY = "~";

/** Mapping keys that were dates, times or symbols (Psych refuses those), by the mapping they were keys of. */
const objectKeys = new WeakMap<object, PeerObject[]>();

/** The keys of `mapping` that the peer's YAML loader read as dates, times or symbols. */
export function peerObjectKeys(mapping: object): PeerObject[] {
  return objectKeys.get(mapping) ?? [];
}

/** Replaces BigInt (from `intAsBigInt` parsing) by numbers where they are safe, by digit strings where not; maps become plain objects. */
export function normalizeParsed(value: unknown): unknown {
  if (value instanceof PeerFloat || value instanceof PeerObject) return value;
  if (typeof value === "bigint") {
    const asNumber = Number(value);
    return Number.isSafeInteger(asNumber) ? asNumber : value.toString();
  }
  if (Array.isArray(value)) return value.map(normalizeParsed);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    const objects: PeerObject[] = [];
    for (const [key, each] of value) {
      if (key instanceof PeerObject) objects.push(key);
      out[scalarText(normalizeParsed(key)) ?? NULL_KEY] = normalizeParsed(each);
    }
    if (objects.length) objectKeys.set(out, objects);
    return out;
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, each]) => [key, normalizeParsed(each)]));
  }
  return value;
}

/** A YAML mapping (after {@link normalizeParsed}), never a float or date from the peer file. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof PeerFloat) && !(value instanceof PeerObject);
}

/** `~` and `~/x` become absolute under `home`; `~user` is left alone (undefined means "not expandable"). */
export function expandHome(path: string, home: string): string | undefined {
  if (path === "~") return home;
  if (path.startsWith("~/")) return join(home, path.slice(2));
  if (path.startsWith("~")) return undefined;
  return path;
}

/** Python's `os.path.expandvars`: `$NAME` and `${NAME}` of set variables are replaced, others left as written. */
export function expandVars(text: string, env: Record<string, string | undefined>): { text: string; expanded: string[] } {
  const expanded: string[] = [];
  const out = text.replace(/\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([^}]*)\})/g, (match, bare: string | undefined, braced: string | undefined) => {
    const name = bare ?? braced ?? "";
    const value = env[name];
    if (value === undefined) return match;
    expanded.push(name);
    return value;
  });
  return { text: out, expanded };
}

/** A directory after `cd target`, starting from `base` (undefined: the parent's directory, which prj resolves). */
export function applyCd(base: string | undefined, target: string): string {
  if (isAbsolute(target) || base === undefined) return normalizeDir(target);
  return normalizeDir(join(base, target));
}

function normalizeDir(path: string): string {
  const out = normalize(path);
  return out.length > 1 && out.endsWith(sep) ? out.slice(0, -1) : out;
}

const PLAIN_WORD = /^[A-Za-z0-9_./~+@%:,=-]+$/;

/**
 * The directory a command that is only `cd DIR` moves to, or undefined when the
 * command is anything else (or too clever to read: variables other than HOME,
 * `cd -`, globs). Peer files use `cd` to pick a pane's directory; prj runs pane
 * commands in a child shell, so such a `cd` becomes the pane's working
 * directory instead.
 */
export function cdTarget(command: string, home: string): string | undefined {
  const match = /^\s*cd(?:\s+--)?(?:\s+('[^']*'|"[^"`\\]*"|[^\s;'"]+))?\s*;?\s*$/.exec(command);
  if (!match) return undefined;
  let word = match[1];
  if (word === undefined) return home;
  // $HOME is what `~` stands for, and `~` is expanded with the importing user's HOME anyway.
  const quoted = /^"(.*)"$/.exec(word);
  if (quoted) word = quoted[1]!.replace(/^(?:\$HOME|\$\{HOME\})(?=\/|$)/, "~");
  else if (/^'[^']*'$/.test(word)) return plainTarget(word.slice(1, -1), home, true);
  else word = word.replace(/^(?:\$HOME|\$\{HOME\})(?=\/|$)/, "~");
  if (quoted && /[$`\\]/.test(word)) return undefined;
  return plainTarget(word, home, Boolean(quoted));
}

function plainTarget(word: string, home: string, quoted: boolean): string | undefined {
  if (word === "" || word === "-") return undefined;
  if (!quoted && !PLAIN_WORD.test(word)) return undefined;
  // A quoted `~` is a directory named `~`, which nobody means.
  if (quoted && word.startsWith("~") && !word.startsWith("~/") && word !== "~") return undefined;
  return expandHome(word, home);
}

/** Why a `cd` in a pane's commands cannot be told at import time, so the pane may end elsewhere than in the peer. */
export type StrandedCd = { command: string; reason: "not-a-plain-path" | "conditional" | "unreadable" };

/**
 * Splits off the leading `cd DIR` commands, also in `cd DIR && cmd` and
 * `cd DIR; cmd`: the directories they visit in order, and the commands after
 * them. Folding `cd DIR &&` is exact whenever DIR exists (the peer's shell is
 * then in DIR for the rest, and so is prj's pane); a `cd` followed by `||`,
 * `|` or `&` is left alone, since those change what runs when it fails.
 */
export function leadingCds(commands: string[], home: string): { cds: string[]; rest: string[] } {
  const cds: string[] = [];
  for (let index = 0; index < commands.length; index++) {
    const line = commands[index]!;
    const segments = topLevelSegments(line);
    if (!segments) return { cds, rest: commands.slice(index) };
    let position = 0;
    for (; position < segments.length; position++) {
      const segment = segments[position]!;
      const target = cdTarget(segment.text, home);
      if (target === undefined || !["&&", ";", "\n", ""].includes(segment.op)) break;
      cds.push(target);
    }
    if (position === segments.length) continue;
    const rest = position === 0 ? line : line.slice(segments[position]!.start).trim();
    return { cds, rest: [rest, ...commands.slice(index + 1)] };
  }
  return { cds, rest: [] };
}

/**
 * Every `cd` in `commands` that moves the shell for good (at the top level,
 * not in `( )` or `$( )`), in order: the directories the peer's shell visits
 * as it types them. A `cd` that runs only when an earlier command succeeds,
 * is followed by `||`, `|` or `&`, names no plain directory, or is a
 * `pushd`/`popd`, cannot be told at import time: the first such one is
 * returned as the problem.
 */
export function cdMoves(commands: string[], home: string): { targets: string[] } | { problem: StrandedCd } {
  const targets: string[] = [];
  for (const line of commands) {
    const segments = topLevelSegments(line);
    if (!segments) {
      if (/(^|[\s;&|(])(?:cd|pushd|popd)(\s|$)/.test(line)) return { problem: { command: line.trim(), reason: "unreadable" } };
      continue;
    }
    let previous: { op: string; cd: boolean } = { op: "", cd: false };
    for (const segment of segments) {
      const word = firstWord(segment.text);
      const isCd = ["cd", "pushd", "popd"].includes(word);
      if (isCd) {
        const target = word === "cd" ? cdTarget(segment.text, home) : undefined;
        if (target === undefined) return { problem: { command: segment.text, reason: "not-a-plain-path" } };
        const unconditional = ["", ";", "\n"].includes(previous.op) || (previous.op === "&&" && previous.cd);
        if (!unconditional || !["&&", ";", "\n", ""].includes(segment.op)) return { problem: { command: segment.text, reason: "conditional" } };
        targets.push(target);
      }
      previous = { op: segment.op, cd: isCd };
    }
  }
  return { targets };
}

/** The environment variables a map can carry into prj; others are reported. */
export function convertEnvironment(
  map: unknown,
  path: string,
  warnings: Warnings,
  transform: (value: string, key: string) => string = (value) => value,
): EnvMap | undefined {
  if (map === undefined || map === null) return undefined;
  if (!isRecord(map)) {
    warnings.add(path, "not a mapping of variables; not converted");
    return undefined;
  }
  const out: EnvMap = {};
  const keyPattern = new RegExp(ENV_NAME_PATTERN);
  for (const [key, value] of Object.entries(map)) {
    const text = scalarText(value);
    if (!keyPattern.test(key)) {
      warnings.add(`${path}.${key}`, "not a valid environment variable name; not converted");
      continue;
    }
    if (text === undefined) {
      warnings.add(`${path}.${key}`, "value is not a string, number or boolean; not converted");
      continue;
    }
    out[key] = literal(transform(text, key));
  }
  return Object.keys(out).length ? out : undefined;
}

/** A pane before `cd` folding: its own start directory (absolute, or relative to its window) and commands. */
export interface DraftPane {
  dir?: string;
  commands: string[];
  environment?: EnvMap;
  focus?: boolean;
  /** Key path of the pane in the peer file, for warnings. */
  path: string;
}

/** A window before `cd` folding. */
export interface DraftWindow {
  name?: string;
  /** Absolute, or relative to the session directory (as prj resolves it). */
  dir?: string;
  /** Commands run first in every pane (tmuxinator `pre_window`/`pre`, tmuxp `shell_command_before`). */
  prefix: string[];
  layout?: string;
  /** Why the layout is what it is, written next to it when it is not the peer file's own. */
  layoutNote?: string;
  /** tmux window options the peer sets before splitting, which shape a preset layout. */
  layoutOptions?: Record<string, string>;
  environment?: EnvMap;
  focus?: boolean;
  /** False when the peer file declared no panes: the window's one pane runs `panes[0].commands`. */
  declaredPanes: boolean;
  panes: DraftPane[];
  path: string;
}

/** What a window's conversion gives: the window, and comments for its values (key paths inside the window). */
export interface FinishedWindow {
  window: Window;
  comments: ValueComment[];
}

/** Where the window's conversion happens: what it needs besides the draft. */
export interface FinishContext {
  home: string;
  warnings: Warnings;
  /** Writes a directory relative to its parent where it can (see {@link directoryWriter}). */
  dirOf: (dir: string | undefined, parentAbsolute: string | undefined) => string | undefined;
  sessionAbsolute: string | undefined;
  projectRoot: string | undefined;
  peer: "tmuxinator" | "tmuxp";
  exists?: (path: string) => boolean;
}

/**
 * Turns a draft into a prj window.
 *
 * prj runs a pane's commands in a child shell and then leaves the pane in a
 * shell in its working_directory, where the peers type the commands into the
 * pane's shell, which stays wherever their `cd`s took it. So every `cd` that
 * moves the peer's shell for good is worked out here:
 *
 * - leading `cd DIR` (also `cd DIR && cmd`, `cd DIR; cmd`) become the window's
 *   or pane's working_directory;
 * - a `cd` after other commands (say `pre_window: nvm use` and then a pane
 *   `cd web && yarn start`) makes the pane start in the directory the peer's
 *   shell ends in, and its commands step back first (`cd ..`), so they run
 *   where they ran under the peer, in the same order;
 * - a `cd` that cannot be told at import time is reported.
 */
export function finishWindow(draft: DraftWindow, context: FinishContext): FinishedWindow {
  const { home, warnings, dirOf, sessionAbsolute } = context;
  const window: Window = {};
  const comments: ValueComment[] = [];
  // "" is a name too: both peers pass it to `-n`, and tmux then keeps the window's name empty.
  if (draft.name !== undefined) window.name = literal(draft.name);
  if (draft.name?.includes("#")) {
    warnings.add(`${draft.path} name`, "tmux reads `#` in a window name the peer hands it as a format (`#h` becomes the host name, `##` a single #); prj names the window exactly as written");
  }

  const singlePane = !draft.declaredPanes;
  const prefixCommands = singlePane ? [...draft.prefix, ...(draft.panes[0]?.commands ?? [])] : draft.prefix;
  const panes = singlePane ? [] : draft.panes;
  let windowDir = singlePane ? (draft.panes[0]?.dir ?? draft.dir) : draft.dir;

  // A relative `cd` in the shared prefix cannot be folded when a pane starts
  // elsewhere with a relative directory: prj would resolve the two the other way round.
  let { cds, rest } = leadingCds(prefixCommands, home);
  let prefixTarget = cds.length ? cds.reduce<string | undefined>(applyCd, undefined) : undefined;
  if (prefixTarget !== undefined && !isAbsolute(prefixTarget) && panes.some((pane) => pane.dir !== undefined && !isAbsolute(pane.dir))) {
    prefixTarget = undefined;
    rest = prefixCommands;
  }
  if (prefixTarget !== undefined) windowDir = applyCd(windowDir, prefixTarget);
  const absoluteOf = (dir: string | undefined, parent: string | undefined): string | undefined =>
    dir === undefined ? parent : parent ? resolve(parent, dir) : isAbsolute(dir) ? dir : undefined;

  if (draft.layout !== undefined && !singlePane) {
    const layout = layoutFor(draft.layout, panes.length, `${draft.path}.layout`, warnings);
    if (layout !== undefined) window.layout = literal(layout);
  }
  if (draft.environment) window.environment = draft.environment;
  if (draft.focus) window.focus = true;

  if (singlePane) {
    const moved = replay(rest, windowDir, sessionAbsolute, draft.path, context);
    const written = dirOf(moved.dir, sessionAbsolute);
    if (written !== undefined) window.working_directory = literal(written);
    checkDirectory(absoluteOf(moved.dir, sessionAbsolute), sessionAbsolute, draft.path, context);
    if (moved.commands.length) window.command = oneOrMany(moved.commands);
    if (moved.comment) comments.push({ path: ["command", ...(moved.commands.length > 1 ? [0] : [])], text: moved.comment });
    return { window: orderWindow(window), comments };
  }

  // A `cd` the shared commands cannot be read from is reported once, for the window.
  const sharedMoves = cdMoves(rest, home);
  if ("problem" in sharedMoves) warnStranded(sharedMoves.problem, `${draft.path} (commands run before each pane)`, warnings);
  // When only the shared commands move the shell, every pane ends where they do: the window starts there.
  const movesShell = (commands: string[]) => {
    const moves = cdMoves(commands, home);
    return "problem" in moves || moves.targets.length > 0;
  };
  const paneOwnCd = panes.some((pane) => pane.dir !== undefined || movesShell(pane.commands));
  const windowReplayed = "targets" in sharedMoves && sharedMoves.targets.length > 0 && !paneOwnCd;
  if (windowReplayed) {
    const moved = replay(rest, windowDir, sessionAbsolute, draft.path, context);
    windowDir = moved.dir;
    rest = moved.commands;
    if (moved.comment) comments.push({ path: ["command", ...(rest.length > 1 ? [0] : [])], text: moved.comment });
  }
  const windowAbsolute = absoluteOf(windowDir, sessionAbsolute);
  const writtenDir = dirOf(windowDir, sessionAbsolute);
  if (writtenDir !== undefined) window.working_directory = literal(writtenDir);
  checkDirectory(windowAbsolute, sessionAbsolute, draft.path, context);

  const converted = panes.map((pane) => {
    let dir = pane.dir;
    if (dir !== undefined && prefixTarget !== undefined) dir = applyCd(dir, prefixTarget);
    let own = pane.commands;
    // A pane's own leading `cd` is its directory when nothing ran before it.
    if (rest.length === 0) {
      const folded = leadingCds(own, home);
      if (folded.cds.length) {
        dir = folded.cds.reduce<string | undefined>(applyCd, dir);
        own = folded.rest;
      }
    }
    if ("problem" in sharedMoves || windowReplayed) return { dir, commands: own, inline: false, comment: undefined };
    const moved = replay([...rest, ...own], dir, windowAbsolute, pane.path, context);
    if (moved.dir === dir) return { dir, commands: own, inline: false, comment: undefined };
    return { dir: moved.dir, commands: moved.commands, inline: true, comment: moved.comment };
  });
  // When a pane replays the shared commands itself, the window's `command` (which runs first in every pane) cannot stay.
  const inlineShared = rest.length > 0 && converted.some((pane) => pane.inline);
  if (rest.length && !inlineShared) window.command = oneOrMany(rest);

  window.panes = converted.map((pane, index) => {
    const commands = inlineShared && !pane.inline ? [...rest, ...pane.commands] : pane.commands;
    if (pane.comment) comments.push({ path: ["panes", index, "command", ...(commands.length > 1 ? [0] : [])], text: pane.comment });
    const source = panes[index]!;
    checkDirectory(absoluteOf(pane.dir, windowAbsolute), windowAbsolute, source.path, context);
    return paneOf({ commands, dir: dirOf(pane.dir, windowAbsolute), environment: source.environment, focus: source.focus });
  });
  return { window: orderWindow(window), comments };
}

/**
 * Reports a directory that is missing now: `prj run` refuses to start a pane
 * in a directory that does not exist, where tmux (and so the peer) quietly
 * starts it in the home directory. Only what differs from the parent's is
 * checked, so one missing directory is reported once.
 */
export function checkDirectory(dir: string | undefined, parent: string | undefined, path: string, context: { exists?: (path: string) => boolean; peer: string; warnings: Warnings }): void {
  if (!context.exists || dir === undefined || dir === parent || context.exists(dir)) return;
  context.warnings.add(path, `directory ${dir} does not exist now: \`prj run\` stops until it does, where ${context.peer} starts the pane in your home directory`);
}

/** Keys in the order people read a window: name, directory, layout, the rest. */
function orderWindow(window: Window): Window {
  const { name, working_directory, layout, focus, environment, command, panes } = window;
  const out: Window = {};
  if (name !== undefined) out.name = name;
  if (working_directory !== undefined) out.working_directory = working_directory;
  if (layout !== undefined) out.layout = layout;
  if (focus !== undefined) out.focus = focus;
  if (environment !== undefined) out.environment = environment;
  if (command !== undefined) out.command = command;
  if (panes !== undefined) out.panes = panes;
  return out;
}

/**
 * The directory a pane ends in after `commands`, typed from `start` as the peer
 * does, and the commands prj runs to get there the same way. When a `cd` moves
 * the shell after other commands, the pane starts in the final directory (where
 * prj leaves its shell) and the commands step back to `start` first.
 */
function replay(
  commands: string[],
  start: string | undefined,
  parentAbsolute: string | undefined,
  path: string,
  context: FinishContext,
): { dir: string | undefined; commands: string[]; comment?: string } {
  const moves = cdMoves(commands, context.home);
  if ("problem" in moves) {
    warnStranded(moves.problem, path, context.warnings);
    return { dir: start, commands };
  }
  if (moves.targets.length === 0) return { dir: start, commands };
  // Non-empty targets always give a directory.
  const end = moves.targets.reduce<string | undefined>(applyCd, start)!;
  if (end === start) return { dir: start, commands };
  const back = stepBack(start, end, parentAbsolute, context.projectRoot);
  if (back === undefined) {
    warnStranded({ command: commands.find((line) => /(^|[\s;&|])cd(\s|$)/.test(line)) ?? "cd", reason: "not-a-plain-path" }, path, context.warnings);
    return { dir: start, commands };
  }
  return {
    dir: end,
    commands: [`cd -- ${quotePath(back)}`, ...commands],
    comment: `back to where ${context.peer} runs these; the pane starts in ${quotePath(end)}, where their cd leaves ${context.peer}'s shell`,
  };
}

/**
 * The `cd` argument from `end` back to `start` (both as written for prj: relative
 * to the parent's directory, or absolute): relative inside the project, so it
 * works in every worktree; absolute when it leads out of the project.
 */
function stepBack(start: string | undefined, end: string, parentAbsolute: string | undefined, projectRoot: string | undefined): string | undefined {
  if (parentAbsolute === undefined) {
    if (start !== undefined && isAbsolute(start)) return start;
    if (isAbsolute(end)) return undefined;
    return relative(resolve("/parent", end), resolve("/parent", start ?? ".")) || ".";
  }
  const from = resolve(parentAbsolute, end);
  const to = resolve(parentAbsolute, start ?? ".");
  if (projectRoot !== undefined && !(isInside(from, projectRoot) && isInside(to, projectRoot))) return to;
  return relative(from, to) || ".";
}

const STRANDED_REASONS: Record<StrandedCd["reason"], string> = {
  "not-a-plain-path": "does not name a plain directory prj can read at import time",
  conditional: "depends on whether a command succeeds (`&&`, `||`, `|` or `&` around it)",
  unreadable: "is in a command prj cannot read (its quotes do not close)",
};

/** Reports a `cd` that stays a command: the commands after it still run there, but the pane's shell does not stay. */
function warnStranded(stranded: StrandedCd, path: string, warnings: Warnings): void {
  warnings.add(
    path,
    `\`${stranded.command}\` ${STRANDED_REASONS[stranded.reason]}; the commands after it still run there, but prj leaves the pane's shell in its working_directory, where the peer's shell stays wherever that \`cd\` took it`,
  );
}

/**
 * A peer's layout value as prj can write it. tmux takes any unambiguous start
 * of a preset name (`main-v`), prj wants it spelt out; anything else tmux would
 * refuse is reported and left out.
 */
function layoutFor(value: string, panes: number, path: string, warnings: Warnings): string | undefined {
  const trimmed = value.trim();
  if (layoutProblem(trimmed, { panes }) === undefined) return trimmed;
  const presets = LAYOUT_PRESETS.filter((preset) => preset.startsWith(trimmed));
  if (trimmed !== "" && presets.length === 1) {
    // tmux 3.5 added the mirrored presets: there `main-v` also starts main-vertical-mirrored, tmux
    // refuses it as ambiguous, and the peer's panes stay as they were split.
    const mirrored = MIRRORED_LAYOUT_PRESETS.filter((preset) => preset.startsWith(trimmed));
    if (mirrored.length) {
      warnings.add(
        path,
        `\`${trimmed}\` is written as ${presets[0]}; on tmux 3.5 and newer it also starts ${mirrored.join(", ")}, so there the peer's tmux refuses it and leaves the panes as they were split`,
      );
    }
    return presets[0];
  }
  const problem = layoutProblem(trimmed, { panes });
  warnings.add(path, `${problem?.problem ?? "not a layout"}; not converted (the panes are tiled)`);
  return undefined;
}

function oneOrMany(commands: string[]): string | string[] {
  const lines = commands.map(literal);
  return lines.length === 1 ? lines[0]! : lines;
}

function paneOf(pane: { commands: string[]; dir?: string; environment?: EnvMap; focus?: boolean }): Pane {
  const hasExtras = pane.dir !== undefined || pane.environment !== undefined || pane.focus;
  if (!hasExtras && pane.commands.length === 1) return literal(pane.commands[0]!);
  const out: Exclude<Pane, string> = {};
  if (pane.commands.length) out.command = oneOrMany(pane.commands);
  if (pane.dir !== undefined) out.working_directory = literal(pane.dir);
  if (pane.environment) out.environment = pane.environment;
  if (pane.focus) out.focus = true;
  return out;
}

/**
 * Writes `dir` for a field prj resolves against `parentAbsolute`: omitted when
 * it is the parent itself, relative when it lies inside `projectRoot` and the
 * parent is known, else as given.
 */
export function directoryWriter(projectRoot: string | undefined) {
  return (dir: string | undefined, parentAbsolute: string | undefined): string | undefined => {
    if (dir === undefined) return undefined;
    if (!isAbsolute(dir)) return dir === "." || dir === "" ? undefined : normalizeDir(dir);
    if (parentAbsolute !== undefined && normalizeDir(dir) === normalizeDir(parentAbsolute)) return undefined;
    if (parentAbsolute === undefined || projectRoot === undefined) return normalizeDir(dir);
    // Relative only between two places in the project: a path climbing out of it would break in a worktree.
    if (!isInside(dir, projectRoot) || !isInside(parentAbsolute, projectRoot)) return normalizeDir(dir);
    const rel = relative(parentAbsolute, dir);
    return rel === "" ? undefined : rel;
  };
}

export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** Focus only the last window (or pane) marked, as both peers do when several are. */
export function keepLastFocus<T extends { focus?: boolean }>(items: T[]): void {
  const last = items.map((item) => Boolean(item.focus)).lastIndexOf(true);
  items.forEach((item, index) => {
    if (index !== last) delete item.focus;
  });
}

/** Shell-quotes a literal path for an inline step's `cd`. */
export function quotePath(path: string): string {
  return /^[A-Za-z0-9_./@%+=:,-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}
