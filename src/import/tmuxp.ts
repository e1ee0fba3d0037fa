/**
 * tmuxp workspace file → prj command (pure). The behaviour mirrored is tmuxp
 * 1.27's (workspace/loader.py `expand` and `trickle`, workspace/builder.py):
 * what `tmuxp load` builds is what the imported command must build.
 */
import { isAbsolute, join, normalize, resolve } from "node:path";
import type { CommandConfig, EnvMap, SessionBlock, Step, Window } from "../config/schema.ts";
import { sanitizeName } from "../naming.ts";
import {
  checkDirectory,
  convertEnvironment,
  directoryWriter,
  expandHome,
  expandVars,
  finishWindow,
  isRecord,
  keepLastFocus,
  pythonTruthy,
  literal,
  quotePath,
  sanitizeCommandName,
  scalarText,
  Warnings,
  type DraftPane,
  type DraftWindow,
  type ImportContext,
  type ImportResult,
  type PendingLayout,
  type ValueComment,
} from "./common.ts";
import { tmuxpRejection } from "./rejections.ts";
import { LAYOUT_PRESETS, layoutWithChecksum } from "../tmux/layout.ts";

const SESSION_KEYS = new Set([
  "session_name", "start_directory", "shell_command_before", "before_script", "environment", "options",
  "global_options", "windows", "suppress_history", "plugins",
]);
const WINDOW_KEYS = new Set([
  "window_name", "start_directory", "layout", "options", "options_after", "panes", "shell_command_before", "focus",
  "environment", "window_index", "window_shell", "suppress_history",
]);
const PANE_KEYS = new Set([
  "shell_command", "start_directory", "focus", "environment", "shell", "enter", "sleep_before", "sleep_after",
  "suppress_history", "shell_command_before",
]);

const HISTORY_NOTE = "not needed: prj runs commands instead of typing them, so they never enter shell history";
const SLEEP_NOTE = "not converted: prj starts a pane's commands once its shell is ready, so no pause is needed";

/** One entry of a tmuxp command list, after tmuxp's shorthand expansion. */
interface TmuxpCommand {
  cmd: string;
  enter?: boolean;
  sleep?: boolean;
  path: string;
}

/** tmuxp's session size: it creates every session detached at 800x600 (tmux 2.6 and newer) and builds the windows there. */
const TMUXP_SESSION = { columns: 800, rows: 600 } as const;

/**
 * The layout tmuxp leaves in a window with `panes:` and no `layout:`. libtmux
 * splits the newest pane with tmux's default (`split-window -v`: the new pane
 * below, taking half), and no layout is applied, so the panes stack, each
 * half the height of the one above, the last two alike: 300, 149 and 149
 * rows of 600 for three panes. Written as tmux's own layout string at tmuxp's
 * size, so tmux scales it to the real window exactly as it scales tmuxp's.
 * Undefined when tmux could not make that many splits.
 */
export function tmuxpStackedLayout(panes: number, size: { columns: number; rows: number } = TMUXP_SESSION): string | undefined {
  const heights = [size.rows];
  for (let split = 1; split < panes; split++) {
    const last = heights.pop()!;
    // tmux's layout_split_pane: each side needs a row, plus one for the border.
    if (last < 3) return undefined;
    const newer = Math.floor((last + 1) / 2) - 1;
    heights.push(last - 1 - newer, newer);
  }
  let top = 0;
  const cells = heights.map((height, index) => {
    const cell = `${size.columns}x${height},0,${top},${index}`;
    top += height + 1;
    return cell;
  });
  return layoutWithChecksum(`${size.columns}x${size.rows},0,0[${cells.join(",")}]`);
}

/**
 * Converts a parsed tmuxp workspace (YAML 1.1) into a prj command. Odd values
 * become warnings with their key path; the rest is converted.
 */
export function convertTmuxp(data: unknown, context: ImportContext): ImportResult {
  const env = context.env ?? {};
  const rejection = tmuxpRejection(data, (name) => expandVars(name.startsWith("~") ? (expandHome(name, context.home) ?? name) : name, env).text);
  if (rejection) throw rejection;
  const warnings = new Warnings();
  const comments: ValueComment[] = [];
  const doc = isRecord(data) ? data : {};
  const dirOf = directoryWriter(context.projectRoot);

  for (const key of Object.keys(doc)) if (!SESSION_KEYS.has(key)) warnings.add(key, "unknown tmuxp key; not converted");
  tmuxOptions(doc, "options", warnings);
  tmuxOptions(doc, "global_options", warnings);
  if (doc.suppress_history !== undefined) warnings.add("suppress_history", HISTORY_NOTE);
  if (doc.plugins !== undefined) warnings.add("plugins", "tmuxp plugins (Python code) are not supported; not converted");

  /** tmuxp's expandshell: `~` and `$VAR`, done when it loads the file; prj does it at import. */
  const expand = (text: string, path: string): string => {
    const home = text.startsWith("~") ? (expandHome(text, context.home) ?? text) : text;
    const vars = expandVars(home, env);
    if (vars.expanded.length) warnings.add(path, `expanded ${vars.expanded.map((name) => `$${name}`).join(", ")} at import time (tmuxp expands them each time it loads)`);
    return vars.text;
  };
  /**
   * The same for a command, which tmuxp types as expanded: a leading `~` is
   * the home directory (os.path.expanduser, with no path clean-up), and set
   * variables are replaced even inside quotes. Unset ones stay for the shell.
   */
  const expandCommand = (text: string, path: string): string => {
    const home = text === "~" || text.startsWith("~/") ? `${context.home.replace(/\/+$/, "")}${text.slice(1)}` : text;
    const vars = expandVars(home, env);
    if (vars.expanded.length) {
      warnings.add(path, `expanded ${vars.expanded.map((name) => `$${name}`).join(", ")} at import time, as tmuxp does each time it loads (the written command holds today's value)`);
    }
    return vars.text;
  };

  // ---- session
  const rawName = scalarText(doc.session_name);
  const sessionName = rawName === undefined ? undefined : expand(rawName, "session_name");
  const commandName = sanitizeCommandName(sessionName ?? "") || sanitizeCommandName(context.fileStem);

  let sessionDir: string | undefined;
  const sessionDirText = scalarText(doc.start_directory);
  if (sessionDirText !== undefined) {
    sessionDir = expand(sessionDirText, "start_directory");
    // tmuxp: a path starting with "." is relative to the workspace file.
    if (sessionDir.startsWith(".")) sessionDir = resolve(context.fileDir, sessionDir);
  }
  const sessionAbsolute = sessionDir === undefined ? context.projectRoot : isAbsolute(sessionDir) ? sessionDir : context.projectRoot ? join(context.projectRoot, sessionDir) : undefined;

  const sessionBefore = commandsOf(doc.shell_command_before, "shell_command_before", warnings, expandCommand);
  const sessionEnvironment = convertEnvironment(doc.environment, "environment", warnings, (value, key) => {
    const out = expand(value, `environment.${key}`);
    return out.startsWith(".") ? normalize(join(context.fileDir, out)) : out;
  });

  // ---- windows
  const rawWindows = Array.isArray(doc.windows) ? doc.windows : [];
  if (doc.windows !== undefined && !Array.isArray(doc.windows)) warnings.add("windows", "not a list; not converted");
  const drafts: (DraftWindow & { index: number })[] = [];
  const taken = new Set<number>();
  rawWindows.forEach((raw, index) => {
    const path = `windows[${index}]`;
    if (!isRecord(raw)) {
      warnings.add(path, "not a mapping; not converted");
      return;
    }
    const draft = draftWindow(raw, path, sessionDir, sessionBefore, doc.global_options, context, expand, expandCommand, warnings);
    // tmux gives a window without window_index the lowest free index.
    let windowIndex = Number(scalarText(raw.window_index) ?? Number.NaN);
    if (Number.isInteger(windowIndex) && windowIndex >= 0) {
      warnings.add(`${path}.window_index`, "prj numbers windows in order; the window is placed where this index puts it among the others");
    } else {
      windowIndex = 0;
      while (taken.has(windowIndex)) windowIndex++;
    }
    taken.add(windowIndex);
    drafts.push({ ...draft, index: windowIndex });
  });
  // Without `focus`, the window tmuxp made first stays active, even when window_index puts it elsewhere.
  if (drafts.length && !drafts.some((draft) => draft.focus)) drafts[0]!.focus = true;
  drafts.sort((a, b) => a.index - b.index);
  keepLastFocus(drafts);
  if (drafts[0]?.focus && drafts.filter((draft) => draft.focus).length === 1) delete drafts[0].focus;

  const finished = drafts.map((draft) =>
    finishWindow(draft, { home: context.home, warnings, dirOf, sessionAbsolute, projectRoot: context.projectRoot, peer: "tmuxp", exists: context.exists }),
  );
  const windows: Window[] = finished.map((each) => each.window);
  const pendingLayouts: PendingLayout[] = [];
  drafts.forEach((draft, index) => {
    const window = windows[index]!;
    const preset = LAYOUT_PRESETS.find((name) => name === window.layout);
    if (preset && draft.layoutOptions && (window.panes?.length ?? 0) > 1) {
      pendingLayouts.push({ path: ["session", "windows", index, "layout"], preset, panes: window.panes!.length, options: draft.layoutOptions, size: TMUXP_SESSION, notePath: `${draft.path}.layout` });
    }
  });
  finished.forEach((each, index) => {
    for (const comment of each.comments) comments.push({ path: ["session", "windows", index, ...comment.path], text: comment.text });
  });
  drafts.forEach((draft, index) => {
    if (draft.layoutNote && windows[index]!.layout !== undefined) comments.push({ path: ["session", "windows", index, "layout"], text: draft.layoutNote });
  });
  // A workspace with `windows: []` still gets tmux's one window, a plain shell named after it.
  if (windows.length === 0) windows.push({});

  const session: SessionBlock = {};
  if (sessionName !== undefined) {
    if (sanitizeName(sessionName) !== "") session.name_template = literal(sessionName);
    else warnings.add("session_name", `${JSON.stringify(sessionName)} has no letter or digit prj keeps in session names; the session is named by the project's naming pattern`);
  }
  checkDirectory(sessionAbsolute, context.projectRoot, "start_directory", { exists: context.exists, peer: "tmuxp", warnings });
  const writtenDir = dirOf(sessionDir, context.projectRoot);
  if (writtenDir !== undefined) session.working_directory = literal(writtenDir);
  if (sessionEnvironment) session.additional_env = sessionEnvironment;
  if (windows.length) session.windows = windows;

  // ---- before_script: run (without a shell) in the session's start directory, before the windows
  const scriptText = scalarText(doc.before_script);
  if (scriptText !== undefined) {
    let script = expand(scriptText, "before_script");
    if (script.startsWith(".")) script = normalize(join(context.fileDir, script));
    const cd = sessionDir === undefined ? "" : `cd -- ${quotePath(sessionDir)} && `;
    const step: Step = { name: "before_script", run: literal(`${cd}${script}`) };
    session.pre_create_steps = [step];
    warnings.add("before_script", "converted to session.pre_create_steps; unlike tmuxp, it runs on every `prj run` (also when the session already exists)");
  }

  const command: CommandConfig = {
    name: commandName,
    description: literal(`Imported from tmuxp${sessionName ? ` workspace ${sessionName}` : ""}`),
    session,
  };
  return { command, warnings: warnings.lines, comments, pendingLayouts };
}

function tmuxOptions(block: Record<string, unknown>, key: string, warnings: Warnings, prefix = "", converted: string[] = []): void {
  const options = block[key];
  if (options === undefined || options === null) return;
  if (!isRecord(options)) {
    warnings.add(`${prefix}${key}`, "tmux options; not converted");
    return;
  }
  for (const [name, value] of Object.entries(options)) {
    if (converted.includes(name) && (value === true || value === "on")) continue;
    const shapesLayout = key !== "options_after" && (LAYOUT_OPTIONS as readonly string[]).includes(name);
    warnings.add(`${prefix}${key}.${name}`, shapesLayout ? "tmux option; not set on prj's windows (the layouts it shapes are worked out with it, so they come out the same)" : "tmux option; not converted");
  }
}

/** Window options that change what a preset layout looks like. */
const LAYOUT_OPTIONS = ["main-pane-width", "main-pane-height", "other-pane-width", "other-pane-height", "pane-border-status"] as const;

/** The layout options a block sets, as the text libtmux hands tmux (`on`/`off` for booleans). */
function layoutOptionsOf(options: unknown): Record<string, string> {
  if (!isRecord(options)) return {};
  const out: Record<string, string> = {};
  for (const name of LAYOUT_OPTIONS) {
    const value = options[name];
    if (value === undefined || value === null) continue;
    out[name] = typeof value === "boolean" ? (value ? "on" : "off") : (scalarText(value) ?? "");
  }
  return out;
}

/** tmuxp's `expand_cmd`: a string, a list, a `{shell_command: …}` mapping, or nothing. */
function commandsOf(value: unknown, path: string, warnings: Warnings, expandCommand: (text: string, path: string) => string): TmuxpCommand[] {
  let list: unknown = value;
  let listPath = path;
  if (isRecord(value)) {
    list = value.shell_command;
    listPath = `${path}.shell_command`;
  }
  if (list === undefined || list === null || list === "blank" || list === "pane") return [];
  if (!Array.isArray(list)) list = [list];
  const items = list as unknown[];
  if (items.length === 1 && (items[0] === null || items[0] === "blank" || items[0] === "pane")) return [];
  const out: TmuxpCommand[] = [];
  items.forEach((item, index) => {
    const itemPath = `${listPath}[${index}]`;
    if (isRecord(item)) {
      const cmd = scalarText(item.cmd);
      if (cmd === undefined) {
        warnings.add(itemPath, "a command mapping needs `cmd:`; not converted");
        return;
      }
      const entry: TmuxpCommand = { cmd: expandCommand(cmd, itemPath), path: itemPath };
      if (typeof item.enter === "boolean") entry.enter = item.enter;
      if (item.sleep_before !== undefined || item.sleep_after !== undefined) entry.sleep = true;
      out.push(entry);
      return;
    }
    const cmd = scalarText(item);
    if (cmd === undefined) return;
    out.push({ cmd: expandCommand(cmd, itemPath), path: itemPath });
  });
  return out;
}

/**
 * The commands a pane really runs: tmuxp carries `enter` over from one command
 * to the next, and one typed without Enter never runs, so it is left out.
 */
function executed(commands: TmuxpCommand[], paneEnter: boolean, warnings: Warnings): string[] {
  let enter = paneEnter;
  const out: string[] = [];
  for (const command of commands) {
    if (command.enter !== undefined) enter = command.enter;
    if (command.sleep) warnings.add(command.path, `sleep_before/sleep_after ${SLEEP_NOTE}`);
    if (!enter) {
      warnings.add(command.path, "`enter: false` (typed but not run) has no prj equivalent; left out");
      continue;
    }
    if (command.cmd.trim() === "") continue;
    out.push(command.cmd);
  }
  return out;
}

function draftWindow(
  raw: Record<string, unknown>,
  path: string,
  sessionDir: string | undefined,
  sessionBefore: TmuxpCommand[],
  globalOptions: unknown,
  context: ImportContext,
  expand: (text: string, path: string) => string,
  expandCommand: (text: string, path: string) => string,
  warnings: Warnings,
): DraftWindow {
  for (const key of Object.keys(raw)) if (!WINDOW_KEYS.has(key)) warnings.add(`${path}.${key}`, "unknown window key; not converted");
  // automatic-rename on: tmux names the window after its program, whatever window_name said.
  const autoRename = [raw.options, raw.options_after].some((options) => isRecord(options) && (options["automatic-rename"] === true || options["automatic-rename"] === "on"));
  tmuxOptions(raw, "options", warnings, `${path}.`, ["automatic-rename"]);
  tmuxOptions(raw, "options_after", warnings, `${path}.`, ["automatic-rename"]);
  // tmuxp sets a window's `options` before it splits, so they shape its layout (global ones too).
  const layoutOptions = { ...layoutOptionsOf(globalOptions), ...layoutOptionsOf(raw.options) };
  if (raw.suppress_history !== undefined) warnings.add(`${path}.suppress_history`, HISTORY_NOTE);

  const nameText = scalarText(raw.window_name);
  if (autoRename && nameText !== undefined) warnings.add(`${path}.window_name`, "left out: with automatic-rename on, tmux names the window after its program, and so does prj for a window without a name");
  const draft: DraftWindow = {
    layoutOptions: Object.keys(layoutOptions).length ? layoutOptions : undefined,
    name: nameText === undefined || autoRename ? undefined : expand(nameText, `${path}.window_name`),
    prefix: [],
    declaredPanes: raw.panes !== undefined && raw.panes !== null && !(Array.isArray(raw.panes) && raw.panes.length === 0),
    panes: [],
    path,
  };
  const dirText = scalarText(raw.start_directory);
  if (dirText !== undefined) {
    let dir = expand(dirText, `${path}.start_directory`);
    // "./x" is relative to the session's start_directory (the file's directory when there is none).
    // (tmuxp stops on a "./x" window without a session start_directory: rejections.ts.)
    if (dir.startsWith(".") && sessionDir !== undefined) dir = normalize(join(sessionDir, dir));
    draft.dir = dir;
  }
  const layout = scalarText(raw.layout);
  if (layout) draft.layout = layout;
  if (pythonTruthy(raw.focus)) draft.focus = true;
  const windowEnvironment = convertEnvironment(raw.environment, `${path}.environment`, warnings, (value, key) => expand(value, `${path}.environment.${key}`));
  if (windowEnvironment) draft.environment = windowEnvironment;
  const windowShell = scalarText(raw.window_shell);

  const windowBefore = [...sessionBefore, ...commandsOf(raw.shell_command_before, `${path}.shell_command_before`, warnings, expandCommand)];
  const rawPanes: unknown[] = draft.declaredPanes ? (Array.isArray(raw.panes) ? raw.panes : [raw.panes]) : [null];
  const perPane = rawPanes.map((pane, index) => {
    const panePath = draft.declaredPanes ? `${path}.panes[${index}]` : path;
    return draftPane(pane, panePath, windowBefore, windowShell, windowEnvironment, { window: draft.dir, projectRoot: context.projectRoot }, expand, expandCommand, warnings);
  });

  // The commands every pane runs first become the window's `command`, when all panes agree on them.
  const prefixes = perPane.map((pane) => pane.commands.slice(0, Math.max(0, pane.sharedCount)));
  const agree = perPane.every((pane) => pane.sharedCount >= 0) && prefixes.every((prefix) => prefix.join("\n") === prefixes[0]!.join("\n"));
  if (agree && prefixes[0]) {
    draft.prefix = prefixes[0];
    draft.panes = perPane.map((pane) => ({ ...pane.pane, commands: pane.commands.slice(pane.sharedCount) }));
  } else {
    draft.panes = perPane.map((pane) => ({ ...pane.pane, commands: pane.commands }));
  }
  keepLastFocus(draft.panes);
  if (draft.declaredPanes && draft.panes.length > 1 && draft.layout === undefined) {
    const stacked = tmuxpStackedLayout(draft.panes.length);
    if (stacked) {
      draft.layout = stacked;
      draft.layoutNote = "tmuxp's stacking without a layout: each pane takes half of the one above (at tmuxp's 800x600)";
    } else {
      draft.layout = "even-vertical";
      warnings.add(`${path}.panes`, `tmuxp cannot split a window into ${draft.panes.length} panes without a layout (each split halves the newest pane until none is tall enough); prj stacks them evenly (even-vertical)`);
    }
  }
  // tmuxp splits with the new pane selected and selects no other unless told, so the last pane is active.
  if (draft.declaredPanes && draft.panes.length > 1 && !draft.panes.some((pane) => pane.focus)) draft.panes[draft.panes.length - 1]!.focus = true;
  return draft;
}

function draftPane(
  raw: unknown,
  path: string,
  windowBefore: TmuxpCommand[],
  windowShell: string | undefined,
  windowEnvironment: EnvMap | undefined,
  dirs: { window: string | undefined; projectRoot: string | undefined },
  expand: (text: string, path: string) => string,
  expandCommand: (text: string, path: string) => string,
  warnings: Warnings,
): { pane: DraftPane; commands: string[]; sharedCount: number } {
  const config: Record<string, unknown> = isRecord(raw) ? raw : { shell_command: raw };
  if (isRecord(raw)) for (const key of Object.keys(raw)) if (!PANE_KEYS.has(key)) warnings.add(`${path}.${key}`, "unknown pane key; not converted");
  if (isRecord(raw) && raw.suppress_history !== undefined) warnings.add(`${path}.suppress_history`, HISTORY_NOTE);
  if (config.sleep_before !== undefined || config.sleep_after !== undefined) warnings.add(path, `sleep_before/sleep_after ${SLEEP_NOTE}`);

  const pane: DraftPane = { commands: [], path };
  const dirText = scalarText(config.start_directory);
  if (dirText !== undefined) {
    let dir = expand(dirText, `${path}.start_directory`);
    // "./x" is joined to the window's own start_directory as the file gives it (before tmuxp
    // joins that to the session's); a path left relative is then resolved by tmux against the
    // directory tmuxp was started in, which prj takes to be the project root.
    if (dir.startsWith(".") && dirs.window !== undefined) dir = normalize(join(dirs.window, dir));
    if (!isAbsolute(dir) && dirs.projectRoot !== undefined) dir = join(dirs.projectRoot, dir);
    pane.dir = isAbsolute(dir) ? dir : normalize(dir);
  }
  if (pythonTruthy(config.focus)) pane.focus = true;
  const environment = convertEnvironment(config.environment, `${path}.environment`, warnings, (value, key) => expand(value, `${path}.environment.${key}`));
  if (environment) {
    pane.environment = environment;
    const dropped = Object.keys(windowEnvironment ?? {}).filter((key) => !(key in environment));
    // tmuxp gives such a pane only its own environment; prj layers it over the window's.
    if (dropped.length) warnings.add(`${path}.environment`, `replaces the window's environment in tmuxp; in prj the pane also gets ${dropped.join(", ")} from the window`);
  }

  const paneEnter = config.enter !== false;
  const before = [...windowBefore, ...commandsOf(config.shell_command_before, `${path}.shell_command_before`, warnings, expandCommand)];
  const own = commandsOf(config.shell_command, `${path}.shell_command`, warnings, expandCommand);
  const shell = scalarText(config.shell) ?? windowShell;
  if (shell !== undefined && shell !== "") {
    // The pane runs this program instead of a shell; tmuxp types the commands into it.
    const typed = [...before, ...own];
    warnings.add(
      config.shell !== undefined ? `${path}.shell` : path,
      `runs ${shell} as the pane's command (a shell follows when it exits)${typed.length ? "; the lines tmuxp would type into it are not converted" : ""}`,
    );
    return { pane, commands: [shell], sharedCount: 0 };
  }
  const sharedRun = executed(windowBefore, paneEnter, new Warnings());
  const all = executed([...before, ...own], paneEnter, warnings);
  // The window-level part counts as shared only when this pane ran all of it.
  const sharedCount = sharedRun.length === windowBefore.filter((command) => command.cmd.trim() !== "").length ? sharedRun.length : -1;
  return { pane, commands: all, sharedCount };
}
