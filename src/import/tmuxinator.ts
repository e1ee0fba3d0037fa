/**
 * tmuxinator project file → prj command (pure). The behaviour mirrored is
 * tmuxinator 3.0's (lib/tmuxinator/project.rb, window.rb, pane.rb and
 * assets/template.erb): what its generated shell script does is what the
 * imported command must do.
 */
import { isAbsolute, join } from "node:path";
import type { CommandConfig, SessionBlock, Step, Window } from "../config/schema.ts";
import { sanitizeName } from "../naming.ts";
import {
  NULL_KEY,
  checkDirectory,
  directoryWriter,
  expandHome,
  finishWindow,
  isRecord,
  literal,
  sanitizeCommandName,
  scalarText,
  Warnings,
  type DraftPane,
  type DraftWindow,
  type ImportContext,
  type ImportResult,
  type ValueComment,
} from "./common.ts";
import { tmuxinatorRejection } from "./rejections.ts";

/** Keys tmuxinator reads at the top level; anything else is reported as unknown. */
const KNOWN_KEYS = new Set([
  "name", "project_name", "root", "project_root", "windows", "tabs", "pre_window", "pre_tab", "rbenv", "rvm",
  "pre", "post", "on_project_start", "on_project_first_start", "on_project_restart", "on_project_exit", "on_project_stop",
  "attach", "startup_window", "startup_pane", "tmux_options", "cli_args", "tmux_command", "socket_name", "socket_path",
  "enable_pane_titles", "pane_title_position", "pane_title_format",
]);

/** tmux plumbing prj sets elsewhere (or not at all): reported, never converted. */
const TMUX_ONLY: Record<string, string> = {
  tmux_options: "extra tmux arguments; set `sessions.tmux_config` in .prj/configs/project.yaml for a config file",
  cli_args: "extra tmux arguments; set `sessions.tmux_config` in .prj/configs/project.yaml for a config file",
  tmux_command: "prj drives tmux itself (wemux and other wrappers are not supported)",
  socket_name: "set `tmux.socket_name` in the global or project config, or PRJ_TMUX_SOCKET",
  socket_path: "set PRJ_TMUX_SOCKET to the socket path",
  enable_pane_titles: "pane titles are not supported",
  pane_title_position: "pane titles are not supported",
  pane_title_format: "pane titles are not supported",
  on_project_restart: "prj has no hook for \"the session already existed\"",
  on_project_exit: "prj has no hook for detaching from a session",
};

/** True when the text uses ERB tags, which only tmuxinator's Ruby can render. */
export function usesErb(text: string): boolean {
  return /<%/.test(text);
}

/**
 * Converts a parsed tmuxinator project (YAML 1.1, integers as numbers or digit
 * strings) into a prj command. Throws nothing for odd values: each becomes a
 * warning with its key path, and the rest is converted.
 */
export function convertTmuxinator(data: unknown, context: ImportContext): ImportResult {
  const rejection = tmuxinatorRejection(data);
  if (rejection) throw rejection;
  const warnings = new Warnings();
  const comments: ValueComment[] = [];
  const doc = isRecord(data) ? data : {};
  const dirOf = directoryWriter(context.projectRoot);

  for (const key of Object.keys(doc)) {
    if (!KNOWN_KEYS.has(key)) warnings.add(key, "unknown tmuxinator key; not converted");
    else if (key === "on_project_exit" && doc.attach === false) continue;
    else if (TMUX_ONLY[key] !== undefined && doc[key] !== undefined && doc[key] !== null) warnings.add(key, `not converted: ${TMUX_ONLY[key]}`);
  }

  // ---- name
  const sessionName = scalarText(doc.project_name ?? doc.name);
  const commandName = sanitizeCommandName(sessionName ?? "") || sanitizeCommandName(context.fileStem);

  // ---- root: File.expand_path, so `~` is HOME and a relative path is relative to where tmuxinator ran
  const rootKey = doc.project_root !== undefined ? "project_root" : "root";
  const rootText = scalarText(doc[rootKey]);
  const sessionDir = rootText ? expandPath(rootText, rootKey, context, warnings) : undefined;
  const sessionAbsolute = sessionDir === undefined ? context.projectRoot : isAbsolute(sessionDir) ? sessionDir : context.projectRoot ? join(context.projectRoot, sessionDir) : undefined;

  // ---- pre_window (and its deprecated spellings): runs first in every window and pane
  const preWindowKey = doc.rbenv !== undefined ? "rbenv" : doc.rvm !== undefined ? "rvm" : doc.pre_tab !== undefined ? "pre_tab" : "pre_window";
  let preWindow = joined(doc[preWindowKey], "; ");
  if (preWindowKey === "rbenv" && preWindow) preWindow = `rbenv shell ${preWindow}`;
  if (preWindowKey === "rvm" && preWindow) preWindow = `rvm use ${preWindow}`;

  // ---- windows
  const windowsKey = doc.tabs !== undefined && doc.tabs !== null ? "tabs" : "windows";
  if (windowsKey === "tabs" && doc.windows !== undefined) warnings.add("windows", "ignored: tmuxinator uses `tabs` when both are present");
  const rawWindows = Array.isArray(doc[windowsKey]) ? (doc[windowsKey] as unknown[]) : [];
  if (doc[windowsKey] !== undefined && !Array.isArray(doc[windowsKey])) warnings.add(windowsKey, "not a list; not converted");
  const drafts: DraftWindow[] = [];
  rawWindows.forEach((raw, index) => {
    const draft = draftWindow(raw, `${windowsKey}[${index}]`, preWindow, sessionDir, context, warnings);
    if (draft) drafts.push(draft);
  });

  // ---- startup_window / startup_pane
  applyStartup(doc, drafts, warnings);

  const finished = drafts.map((draft) =>
    finishWindow(draft, { home: context.home, warnings, dirOf, sessionAbsolute, projectRoot: context.projectRoot, peer: "tmuxinator", exists: context.exists }),
  );
  const windows: Window[] = finished.map((each) => each.window);
  finished.forEach((each, index) => {
    for (const comment of each.comments) comments.push({ path: ["session", "windows", index, ...comment.path], text: comment.text });
  });

  // ---- session
  const session: SessionBlock = {};
  if (sessionName !== undefined) {
    if (sanitizeName(sessionName) !== "") session.name_template = literal(sessionName);
    else warnings.add(doc.project_name !== undefined ? "project_name" : "name", `${JSON.stringify(sessionName)} has no letter or digit prj keeps in session names; the session is named by the project's naming pattern`);
  }
  checkDirectory(sessionAbsolute, context.projectRoot, rootKey, { exists: context.exists, peer: "tmuxinator", warnings });
  const writtenRoot = dirOf(sessionDir, context.projectRoot);
  if (writtenRoot !== undefined) session.working_directory = literal(writtenRoot);
  // Ruby truthiness: anything but nil and false attaches.
  if (doc.attach !== undefined && doc.attach !== null) session.auto_attach = doc.attach !== false;
  if (windows.length) session.windows = windows;

  // ---- hooks: tmuxinator's script does `cd ROOT` first and has no `set -e`, so
  // every hook runs in the root and a failing one does not stop the session.
  const hookDir = dirOf(sessionDir, context.projectRoot);
  const preSteps: Step[] = [];
  const preCreate: Step[] = [];
  const postSteps: Step[] = [];
  const cleanup: Step[] = [];
  const hook = (key: string, into: Step[], where: (string | number)[], note?: string) => {
    const text = joined(doc[key], "\n");
    if (text === undefined) return;
    const step: Step = { name: key, run: literal(text) };
    if (hookDir !== undefined) step.working_directory = literal(hookDir);
    // Cleanup steps never stop a kill, so only the run's steps need it spelt out.
    if (into !== cleanup) {
      step.continue_on_error = true;
      comments.push({ path: [...where, into.length, "continue_on_error"], text: `tmuxinator carries on when ${key} fails` });
    }
    into.push(step);
    if (note) warnings.add(key, note);
  };
  const everyRun = "converted to session.pre_create_steps; unlike tmuxinator, it runs on every `prj run` (also when the session already exists)";
  hook("on_project_start", preSteps, ["pre_steps"]);
  hook("pre", preCreate, ["session", "pre_create_steps"], everyRun);
  hook("on_project_first_start", preCreate, ["session", "pre_create_steps"], everyRun);
  hook("post", postSteps, ["post_steps"], "converted to post_steps; they run before prj attaches, where tmuxinator ran `post` after you detached");
  // Without attaching, tmuxinator's script goes straight on to on_project_exit.
  if (doc.attach === false) hook("on_project_exit", postSteps, ["post_steps"]);
  hook("on_project_stop", cleanup, ["session", "cleanup_steps"]);
  if (preCreate.length) session.pre_create_steps = preCreate;
  if (cleanup.length) session.cleanup_steps = cleanup;
  // tmuxinator's script runs under $SHELL, prj's steps under /bin/sh: only shell-specific syntax tells them apart.
  const userShell = context.env?.SHELL;
  for (const key of ["on_project_start", "pre", "on_project_first_start", "post", "on_project_stop"]) {
    const text = joined(doc[key], "\n");
    const found = text === undefined ? undefined : shellSpecific(text);
    if (found && userShell && !/(^|\/)(?:sh|dash)$/.test(userShell)) {
      warnings.add(key, `uses ${found}, which tmuxinator runs with your shell (${userShell}) but prj's steps run with /bin/sh`);
    }
  }

  const command: CommandConfig = {
    name: commandName,
    description: literal(`Imported from tmuxinator${sessionName ? ` project ${sessionName}` : ""}`),
  };
  if (preSteps.length) command.pre_steps = preSteps;
  command.session = session;
  if (postSteps.length) command.post_steps = postSteps;
  return { command, warnings: warnings.lines, comments };
}

function expandPath(text: string, path: string, context: ImportContext, warnings: Warnings): string | undefined {
  const expanded = expandHome(text, context.home);
  if (expanded === undefined) {
    warnings.add(path, `${JSON.stringify(text)}: only ~ and ~/… are expanded; not converted`);
    return undefined;
  }
  return expanded;
}

/** Strings, or lists joined the way tmuxinator joins them; nil entries dropped. */
function joined(value: unknown, separator: string): string | undefined {
  if (Array.isArray(value)) {
    const parts = value.map(scalarText).filter((part): part is string => part !== undefined && part !== "");
    return parts.length ? parts.join(separator) : undefined;
  }
  const text = scalarText(value);
  return text === "" ? undefined : text;
}

/** Commands a value stands for: a string is one, a list is one per entry, nil is none. */
function commandList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(scalarText).filter((each): each is string => each !== undefined && each !== "");
  const text = scalarText(value);
  return text === undefined || text === "" ? [] : [text];
}

function draftWindow(
  raw: unknown,
  path: string,
  preWindow: string | undefined,
  sessionDir: string | undefined,
  context: ImportContext,
  warnings: Warnings,
): DraftWindow | undefined {
  if (!isRecord(raw) || Object.keys(raw).length === 0) {
    warnings.add(path, "a window must be a one-key mapping (`name: command`); not converted");
    return undefined;
  }
  const [key, value] = Object.entries(raw)[0]!;
  if (Object.keys(raw).length > 1) warnings.add(path, `only the first key (${key}) is read by tmuxinator; the others are not converted`);
  // `~:` is a window without a name (tmux names it after its program).
  const name = key === NULL_KEY ? undefined : key;
  const prefix = preWindow ? [preWindow] : [];
  const draft: DraftWindow = { name, prefix, declaredPanes: false, panes: [], path };

  if (!isRecord(value)) {
    // Only text and lists are commands to tmuxinator; a number or `true` runs nothing.
    draft.panes = [{ commands: typeof value === "string" || Array.isArray(value) ? commandList(value) : [], path }];
    return draft;
  }
  for (const option of Object.keys(value)) {
    if (option === "synchronize") warnings.add(`${path}.synchronize`, "tmux option synchronize-panes; not converted");
    else if (!["layout", "panes", "root", "pre"].includes(option)) warnings.add(`${path}.${option}`, "unknown window key; not converted");
  }
  const layout = scalarText(value.layout);
  if (layout) draft.layout = layout;
  const rootText = scalarText(value.root);
  if (rootText) {
    let dir = expandPath(rootText, `${path}.root`, context, warnings);
    // tmuxinator resolves a relative window root against where it ran (the project root for prj), not against `root`.
    if (dir !== undefined && !isAbsolute(dir) && sessionDir !== undefined) {
      if (context.projectRoot) dir = join(context.projectRoot, dir);
      else warnings.add(`${path}.root`, "relative to the directory tmuxinator ran in; prj resolves it against the session's `root` instead");
    }
    draft.dir = dir;
  }
  const panes = value.panes;
  if (panes === undefined || panes === null || (Array.isArray(panes) && panes.length === 0)) {
    // Without panes tmuxinator runs only `pre_window`: a window's `pre` applies to panes.
    if (value.pre !== undefined && value.pre !== null) warnings.add(`${path}.pre`, "ignored: tmuxinator runs a window's `pre` only in its panes");
    draft.panes = [{ commands: [], path }];
    return draft;
  }
  const windowPre = joined(value.pre, " && ");
  if (windowPre) draft.prefix.push(windowPre);
  draft.declaredPanes = true;
  const list = Array.isArray(panes) ? panes : [panes];
  draft.panes = list.map((pane, index): DraftPane => {
    const panePath = `${path}.panes[${index}]`;
    if (isRecord(pane)) {
      // `- pane_name: [commands]`: the name only titles the pane in newer tmuxinator.
      const entries = Object.entries(pane);
      if (entries.length > 1) warnings.add(panePath, "only the first key is read by tmuxinator; the others are not converted");
      return { commands: commandList(entries[0]?.[1]), path: panePath };
    }
    return { commands: commandList(pane), path: panePath };
  });
  return draft;
}

/** `startup_window` is a name or an index (tmux base-index 0 assumed); `startup_pane` an index in it. */
function applyStartup(doc: Record<string, unknown>, drafts: DraftWindow[], warnings: Warnings): void {
  const windowValue = doc.startup_window;
  let target: DraftWindow | undefined;
  if (windowValue !== undefined && windowValue !== null) {
    const text = scalarText(windowValue) ?? "";
    target = drafts.find((draft) => draft.name === text);
    if (!target && /^[0-9]+$/.test(text)) {
      target = drafts[Number(text)];
      if (target) warnings.add("startup_window", `index ${text} taken as window ${Number(text) + 1} (tmux base-index 0); prj focuses windows by position, not index`);
    }
    if (target) target.focus = true;
    else warnings.add("startup_window", `no window named or numbered ${JSON.stringify(text)}; not converted`);
  }
  const paneValue = doc.startup_pane;
  if (paneValue === undefined || paneValue === null) return;
  const paneText = scalarText(paneValue) ?? "";
  const window = target ?? drafts[0];
  const pane = /^[0-9]+$/.test(paneText) && window?.declaredPanes ? window.panes[Number(paneText)] : undefined;
  if (pane) {
    pane.focus = true;
    if (Number(paneText) > 0) warnings.add("startup_pane", `index ${paneText} taken as pane ${Number(paneText) + 1} (tmux pane-base-index 0)`);
  } else if (!(paneText === "0" && window)) {
    warnings.add("startup_pane", `no pane ${JSON.stringify(paneText)} in the startup window; not converted`);
  }
}

/** The first bash or zsh construct in `text` that a POSIX /bin/sh (dash) does not take, if any. */
function shellSpecific(text: string): string | undefined {
  const constructs: [RegExp, string][] = [
    [/(^|[;&|\s])source\s/, "`source`"],
    [/\[\[/, "`[[ ]]`"],
    [/(^|[;&|\s])(?:shopt|setopt|declare|typeset|pushd|popd)\s/, "a bash or zsh builtin"],
    [/<\(|>\(/, "process substitution"],
    [/&>|\|&/, "`&>` or `|&`"],
    [/\$'/, "`$'…'` quoting"],
    [/\w=\(/, "an array"],
    [/\{[^}\s]*,[^}\s]*\}/, "brace expansion"],
  ];
  return constructs.find(([pattern]) => pattern.test(text))?.[1];
}
