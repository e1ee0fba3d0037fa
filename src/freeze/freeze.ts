/**
 * `prj freeze SESSION`: a command YAML that reproduces a running session's
 * windows, panes, directories, layouts and focus. Reading tmux is one small
 * function; turning what was read into a command is pure.
 */
import { basename, isAbsolute, resolve } from "node:path";
import type { CommandConfig, Pane, SessionBlock, Window } from "../config/schema.ts";
import { PrjError } from "../errors.ts";
import { sanitizeName } from "../naming.ts";
import { directoryWriter, isInside, literal, sanitizeCommandName, Warnings } from "../import/common.ts";
import type { TmuxManager } from "../tmux/manager.ts";
import { classicLayout, formatOf, parseRows } from "../tmux/parse.ts";
import { sessionTarget } from "../tmux/script.ts";

export interface FrozenPane {
  index: number;
  path: string;
  active: boolean;
  command: string;
}

export interface FrozenWindow {
  index: number;
  name: string;
  /** tmux names the window after its program; freezing the current name would pin it. */
  automaticRename: boolean;
  layout: string;
  /** The preset (`main-vertical`, …) that gives exactly `layout` at this size, when one does. */
  preset?: string;
  /** The window's layout options (`main-pane-width`, …), which presets depend on. */
  layoutOptions: Record<string, string>;
  active: boolean;
  panes: FrozenPane[];
}

export interface FrozenSession {
  name: string;
  path: string;
  windows: FrozenWindow[];
}

/** Programs that are a pane's plain shell, not something it was started to run. */
const SHELLS = new Set(["sh", "bash", "zsh", "fish", "dash", "ksh", "mksh", "tcsh", "csh", "ash", "nu", "elvish", "xonsh", "login"]);

/** Window options the preset layouts depend on. */
const LAYOUT_OPTIONS = ["main-pane-width", "main-pane-height", "other-pane-width", "other-pane-height", "pane-border-status"] as const;

/** In the order tried: the first preset that reproduces a layout names it. */
const PRESETS = ["even-horizontal", "even-vertical", "main-horizontal", "main-vertical", "tiled"] as const;

/** Layout geometry without the checksum and pane ids, so two equal arrangements compare equal. */
export function layoutGeometry(layout: string): string {
  return layout.replace(/^[0-9a-f]{4},/, "").replace(/(\d+x\d+,\d+,\d+),\d+/g, "$1");
}

/**
 * Sets `preset` on each multi-pane window whose layout a preset reproduces
 * exactly. tmux's own arithmetic decides (it differs between tmux versions),
 * on a throw-away private server with the window's size, pane count and
 * layout options; nothing touches the session being frozen. Any failure just
 * leaves the exact layout string in place.
 */
export async function matchPresets(tmuxBinary: string, session: FrozenSession): Promise<void> {
  const { runProcess } = await import("../exec/runner.ts");
  const { log } = await import("../ui/log.ts");
  const { withScratchServer } = await import("../tmux/scratch.ts");
  if (!session.windows.some((window) => window.panes.length >= 2)) return;
  // The scratch server's argv has -u: the answers are read back byte for byte in any locale.
  await withScratchServer(tmuxBinary, async (scratch) => {
    for (const window of session.windows) {
      const size = /^[0-9a-f]{4},(\d+)x(\d+),/.exec(window.layout);
      if (window.panes.length < 2 || !size) continue;
      const target = `=w${window.index}:`;
      const argv = ["new-session", "-d", "-s", `w${window.index}`, "-x", size[1]!, "-y", size[2]!];
      // tmux before 3.3 gives a detached session's first window 80x23 whatever -x/-y say; the
      // scratch window must have the frozen window's size for the layouts to compare.
      argv.push(";", "resize-window", "-t", target, "-x", size[1]!, "-y", size[2]!);
      for (const [option, value] of Object.entries(window.layoutOptions)) argv.push(";", "set-option", "-w", "-t", target, option, value);
      for (let pane = 1; pane < window.panes.length; pane++) argv.push(";", "split-window", "-d", "-t", target, ";", "select-layout", "-t", target, "tiled");
      for (const preset of PRESETS) argv.push(";", "select-layout", "-t", target, preset, ";", "display-message", "-p", "-t", target, `${preset}\t#{window_layout}`);
      const result = await runProcess([...scratch, ...argv]);
      if (result.exitCode !== 0) {
        log.debug(`freeze: no preset check for window ${window.index} (the exact layout is kept): ${result.stderr.trim()}`);
        continue;
      }
      const wanted = layoutGeometry(window.layout);
      for (const line of result.stdout.split("\n")) {
        const [preset, layout] = line.split("\t");
        if (preset && layout && layoutGeometry(classicLayout(layout)) === wanted) {
          window.preset = preset;
          break;
        }
      }
    }
  });
}

/** Reads a session's windows and panes; undefined when there is no such session. */
export async function readSession(tmux: TmuxManager, name: string): Promise<FrozenSession | undefined> {
  const info = await tmux.getSessionInfo(name);
  if (!info) return undefined;
  const fields = ["window_index", "automatic-rename", ...LAYOUT_OPTIONS] as const;
  const result = await tmux.run(["list-windows", "-t", sessionTarget(name), "-F", formatOf(fields)]);
  if (result.exitCode !== 0) throw new PrjError(`cannot list the windows of ${name}: ${result.stderr.trim()}`);
  const rows = new Map(parseRows(result.stdout, fields, "list-windows").map((row) => [Number(row.window_index), row]));
  const windows = new Map<number, FrozenWindow>();
  for (const pane of info.panes) {
    let window = windows.get(pane.windowIndex);
    if (!window) {
      window = {
        index: pane.windowIndex,
        name: pane.windowName,
        automaticRename: rows.get(pane.windowIndex)?.["automatic-rename"] === "1",
        layout: pane.windowLayout,
        layoutOptions: Object.fromEntries(LAYOUT_OPTIONS.map((option) => [option, rows.get(pane.windowIndex)?.[option] ?? ""]).filter(([, value]) => value !== "")),
        active: pane.windowActive,
        panes: [],
      };
      windows.set(pane.windowIndex, window);
    }
    window.panes.push({ index: pane.index, path: pane.path, active: pane.active, command: pane.command });
  }
  const sorted = [...windows.values()].sort((a, b) => a.index - b.index);
  for (const window of sorted) window.panes.sort((a, b) => a.index - b.index);
  return { name: info.session.name, path: info.session.path, windows: sorted };
}

/**
 * The command that recreates `session`. Directories inside `projectRoot` are
 * written relative (so the command works from any checkout); others stay
 * absolute. A multi-pane window gets its preset's name when the preset gives
 * exactly its layout, else tmux's own layout string, so pane sizes come back exactly. Notes say what a command file cannot hold (running programs).
 */
export function buildFrozenCommand(
  session: FrozenSession,
  options: { name?: string; projectRoot: string; sessionPrefix?: string },
): { command: CommandConfig; notes: string[] } {
  const notes = new Warnings();
  const dirOf = directoryWriter(options.projectRoot);
  // prj puts the configured session prefix in front of every name it makes; written into the
  // template too, a run of the frozen command would name its session `prefix-prefix-…`.
  const prefix = options.sessionPrefix ? sanitizeName(options.sessionPrefix) : "";
  const unprefixed = prefix && session.name.startsWith(`${prefix}-`) && sanitizeName(session.name.slice(prefix.length + 1)) !== "" ? session.name.slice(prefix.length + 1) : session.name;
  const name = options.name ?? (sanitizeCommandName(unprefixed) || "frozen");

  const block: SessionBlock = {};
  if (sanitizeName(unprefixed) !== "") block.name_template = literal(unprefixed);
  else notes.add("session", `${JSON.stringify(session.name)} has no letter or digit prj keeps in session names; the session is named by the project's naming pattern`);
  const sessionDir = dirOf(session.path, options.projectRoot);
  if (sessionDir !== undefined) block.working_directory = literal(sessionDir);
  const sessionAbsolute = isAbsolute(session.path) ? session.path : options.projectRoot;

  const firstActive = session.windows[0]?.active ?? true;
  block.windows = session.windows.map((frozen, position): Window => {
    const path = `windows[${position}]`;
    const window: Window = {};
    if (!frozen.automaticRename) window.name = literal(frozen.name);
    const [first] = frozen.panes;
    // The window sits in its first pane's directory when the other panes are below it; otherwise
    // each pane names its own directory relative to the session's, so no path climbs out with "..".
    const nested = Boolean(first?.path) && frozen.panes.every((pane) => !pane.path || isInside(pane.path, first!.path));
    const windowAbsolute = nested ? first!.path : sessionAbsolute;
    const windowDir = nested ? dirOf(first!.path, sessionAbsolute) : undefined;
    if (windowDir !== undefined) window.working_directory = literal(windowDir);
    if (frozen.active && !firstActive) window.focus = true;
    frozen.panes.forEach((pane, index) => {
      if (!pane.path) notes.add(`${path}.panes[${index}]`, "tmux reports no directory (the pane's program has exited); it starts in the window's directory");
      const program = basename(pane.command.replace(/^-/, ""));
      if (program && !SHELLS.has(program)) notes.add(`${path}.panes[${index}]`, `was running ${program}; add it as the pane's \`command:\` to start it again`);
    });
    if (frozen.panes.length > 1) {
      window.layout = literal(frozen.preset ?? frozen.layout);
      const firstPaneActive = frozen.panes[0]!.active;
      window.panes = frozen.panes.map((pane, index): Pane => {
        const out: Exclude<Pane, string> = {};
        const dir = (index === 0 && nested) || !pane.path ? undefined : dirOf(resolve(pane.path), windowAbsolute);
        if (dir !== undefined) out.working_directory = literal(dir);
        if (pane.active && !firstPaneActive) out.focus = true;
        return out;
      });
    }
    return window;
  });

  const command: CommandConfig = {
    name,
    description: literal(`Frozen from tmux session ${session.name}`),
    session: block,
  };
  return { command, notes: notes.lines };
}
