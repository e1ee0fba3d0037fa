/**
 * What the tmuxinator and tmuxp importers share: the context they convert in,
 * path handling, `cd` folding, and the windows they both build. Everything
 * here is pure: data in, data out, no file or process touched.
 */
import { isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import type { CommandConfig, EnvMap, Pane, Window } from "../config/schema.ts";
import { ENV_NAME_PATTERN } from "../config/schema.ts";
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
}

/** A converted command and one line per thing that could not be converted exactly, each starting with its key path. */
export interface ImportResult {
  command: CommandConfig;
  warnings: string[];
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
    for (const [key, each] of value) out[scalarText(normalizeParsed(key)) ?? NULL_KEY] = normalizeParsed(each);
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
 * command is anything else (or too clever to read: variables, `cd -`, globs).
 * Peer files use `cd` to pick a pane's directory; prj runs pane commands in a
 * child shell, so such a `cd` becomes the pane's working directory instead.
 */
export function cdTarget(command: string, home: string): string | undefined {
  const match = /^\s*cd(?:\s+--)?(?:\s+('[^']*'|"[^"$`\\]*"|[^\s;'"]+))?\s*;?\s*$/.exec(command);
  if (!match) return undefined;
  let word = match[1];
  if (word === undefined) return home;
  if (/^'[^']*'$/.test(word)) word = word.slice(1, -1);
  else if (/^"[^"$`\\]*"$/.test(word)) word = word.slice(1, -1);
  else if (!PLAIN_WORD.test(word)) return undefined;
  if (word === "" || word === "-") return undefined;
  return expandHome(word, home);
}

/** Splits off the leading `cd DIR` commands: the directories they visit in order, and the commands after them. */
export function leadingCds(commands: string[], home: string): { cds: string[]; rest: string[] } {
  const cds: string[] = [];
  let index = 0;
  for (; index < commands.length; index++) {
    const target = cdTarget(commands[index]!, home);
    if (target === undefined) break;
    cds.push(target);
  }
  return { cds, rest: commands.slice(index) };
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
  environment?: EnvMap;
  focus?: boolean;
  /** False when the peer file declared no panes: the window's one pane runs `panes[0].commands`. */
  declaredPanes: boolean;
  panes: DraftPane[];
  path: string;
}

/**
 * Turns a draft into a prj window. Leading `cd DIR` commands become working
 * directories: prj leaves each pane in an interactive shell in the pane's
 * directory once its command ends, so a `cd` inside the command would not last.
 * `dirOf` writes a directory relative to the parent where it can.
 */
export function finishWindow(
  draft: DraftWindow,
  home: string,
  warnings: Warnings,
  dirOf: (dir: string | undefined, parentAbsolute: string | undefined) => string | undefined,
  sessionAbsolute: string | undefined,
): Window {
  const window: Window = {};
  if (draft.name !== undefined && draft.name !== "") window.name = literal(draft.name);

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

  const windowAbsolute = windowDir === undefined ? sessionAbsolute : sessionAbsolute ? resolve(sessionAbsolute, windowDir) : isAbsolute(windowDir) ? windowDir : undefined;
  const writtenDir = dirOf(windowDir, sessionAbsolute);
  if (writtenDir !== undefined) window.working_directory = literal(writtenDir);
  if (draft.layout !== undefined && !singlePane) window.layout = literal(draft.layout);
  if (draft.environment) window.environment = draft.environment;
  if (draft.focus) window.focus = true;

  if (rest.length) window.command = oneOrMany(rest);
  warnStrandedCd(rest, singlePane ? draft.path : `${draft.path} (commands run before each pane)`, home, warnings);

  if (!singlePane) {
    window.panes = panes.map((pane) => {
      let dir = pane.dir;
      if (dir !== undefined && prefixTarget !== undefined) dir = applyCd(dir, prefixTarget);
      let commands = pane.commands;
      // Only fold a pane's own `cd` when nothing in the shared prefix ran before it.
      if (rest.length === 0) {
        const own = leadingCds(commands, home);
        if (own.cds.length) {
          dir = own.cds.reduce<string | undefined>(applyCd, dir);
          commands = own.rest;
        }
      }
      warnStrandedCd(commands, pane.path, home, warnings);
      const written = dirOf(dir, windowAbsolute);
      return paneOf({ commands, dir: written, environment: pane.environment, focus: pane.focus });
    });
  }
  return window;
}

function warnStrandedCd(commands: string[], path: string, home: string, warnings: Warnings): void {
  if (commands.some((command) => /^\s*cd(\s|$)/.test(command) && cdTarget(command, home) !== undefined)) {
    warnings.add(path, "a `cd` after other commands only lasts while those commands run: prj leaves the pane in its working_directory afterwards");
  }
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
    if (!isInside(dir, projectRoot)) return normalizeDir(dir);
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
