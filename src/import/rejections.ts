/**
 * Files the peers themselves refuse. `prj import` of such a file says what the
 * peer would say (its own exception text) and where in the file the cause is,
 * and exits 2 instead of converting something the peer never ran.
 *
 * Each check follows the peer's own code in the order it runs: tmuxinator
 * 3.0's `Project.load`, `validate!`, `deprecations` and `template.erb`;
 * tmuxp 1.27's `loader.expand`, `loader.trickle`, `load_workspace` and
 * libtmux's session name check. Only refusals that depend on the file are
 * mirrored; a missing plugin module or a failing `before_script` depend on the
 * machine and are not.
 */
import { isRecord, PeerRejection, peerObjectKeys } from "./common.ts";
import { PeerFloat, PeerObject } from "./yaml11.ts";

type KeyPath = (string | number)[];

// ---------------------------------------------------------------- Ruby

/** Ruby's `inspect`, for the values a file can hold (what NoMethodError messages show). */
function rubyInspect(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value instanceof PeerFloat) return value.text;
  if (Array.isArray(value)) return `[${value.map(rubyInspect).join(", ")}]`;
  if (isRecord(value)) return `{${Object.entries(value).map(([key, each]) => `${JSON.stringify(key)}=>${rubyInspect(each)}`).join(", ")}}`;
  return String(value);
}

function rubyClass(value: unknown): string {
  if (value === null || value === undefined) return "NilClass";
  if (value === true) return "TrueClass";
  if (value === false) return "FalseClass";
  if (typeof value === "string") return "String";
  if (typeof value === "number" || typeof value === "bigint") return "Integer";
  if (value instanceof PeerFloat) return "Float";
  if (Array.isArray(value)) return "Array";
  return "Hash";
}

function noMethod(method: string, value: unknown): string {
  return `undefined method \`${method}' for ${rubyInspect(value)}:${rubyClass(value)} (NoMethodError)`;
}

/** Ruby truthiness: only nil and false are false. */
function rubyTruthy(value: unknown): boolean {
  return value !== null && value !== undefined && value !== false;
}

/** Psych's safe_load refuses dates, times and symbols: the first one, in document order. */
function firstPeerObject(value: unknown, path: KeyPath = []): { path: KeyPath; object: PeerObject } | undefined {
  if (value instanceof PeerObject) return { path, object: value };
  if (Array.isArray(value)) {
    for (const [index, each] of value.entries()) {
      const found = firstPeerObject(each, [...path, index]);
      if (found) return found;
    }
  } else if (isRecord(value)) {
    const keys = peerObjectKeys(value);
    for (const [key, each] of Object.entries(value)) {
      const asKey = keys.find((object) => object.text === key);
      if (asKey) return { path: [...path, key], object: asKey };
      const found = firstPeerObject(each, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** Why tmuxinator 3.0 would refuse `data` (a loaded project file), or undefined when it loads it. */
export function tmuxinatorRejection(data: unknown): PeerRejection | undefined {
  const object = firstPeerObject(data);
  if (object) {
    return new PeerRejection(
      object.path,
      `Failed to parse config file: Tried to load unspecified class: ${object.object.kind}`,
      `${JSON.stringify(object.object.text)} reads as a Ruby ${object.object.kind}, which tmuxinator does not load; quote it`,
    );
  }
  if (data === null || data === undefined) return new PeerRejection([], noMethod("[]", data), "the file is empty");
  if (!isRecord(data)) return new PeerRejection([], "no implicit conversion of String into Integer (TypeError)", "the file is not a mapping of settings");

  // validate!: windows first, then the name.
  const windowsKey = rubyTruthy(data.tabs) ? "tabs" : "windows";
  const windows = rubyTruthy(data.tabs) ? data.tabs : data.windows;
  if (rubyTruthy(windows)) {
    if (isRecord(windows)) {
      const [first] = Object.entries(windows);
      if (first) return new PeerRejection([windowsKey], noMethod("keys", first), `\`${windowsKey}:\` must be a list (each entry \`- name: command\`), not a mapping`);
    } else if (!Array.isArray(windows)) {
      return new PeerRejection([windowsKey], noMethod("map", windows), `\`${windowsKey}:\` must be a list of windows`);
    } else {
      for (const [index, window] of windows.entries()) {
        if (!isRecord(window)) {
          return new PeerRejection([windowsKey, index], noMethod("keys", window), "each window must be a mapping such as `- editor: vim`");
        }
        const value = Object.values(window)[0];
        if (Array.isArray(value)) {
          const bad = value.findIndex((command) => rubyTruthy(command) && typeof command !== "string");
          if (bad >= 0) return new PeerRejection([windowsKey, index, Object.keys(window)[0]!, bad], noMethod("shellescape", value[bad]), "commands must be text; quote it");
        }
      }
    }
  }
  const windowList = Array.isArray(windows) ? windows : [];
  if (windowList.length === 0) return new PeerRejection([windowsKey], "Your project file should include some windows.", "add a `windows:` list");
  const nameKey = rubyTruthy(data.project_name) ? "project_name" : "name";
  const name = rubyTruthy(data.project_name) ? data.project_name : data.name;
  if (!rubyTruthy(name) || name === "" || (Array.isArray(name) && name.length === 0) || (isRecord(name) && Object.keys(name).length === 0)) {
    return new PeerRejection([nameKey], "Your project file didn't specify a 'project_name'", "add `name: PROJECT`");
  }

  // deprecations: reads `windows` even when the project uses `tabs`.
  if (windowsKey === "tabs") {
    if (data.windows === null || data.windows === undefined) {
      return new PeerRejection(["tabs"], noMethod("map", data.windows), "tmuxinator 3.0 still reads `windows:` when a file uses the old `tabs:`: rename `tabs:` to `windows:`");
    }
    if (Array.isArray(data.windows)) {
      const bad = data.windows.findIndex((window) => !isRecord(window));
      if (bad >= 0) return new PeerRejection(["windows", bad], noMethod("values", data.windows[bad]), "each window must be a mapping such as `- editor: vim`");
    }
  }

  // template.erb, in the order it evaluates.
  const rootKey = rubyTruthy(data.project_root) ? "project_root" : "root";
  const root = data[rootKey];
  if (rubyTruthy(root) && typeof root !== "string") return new PeerRejection([rootKey], `no implicit conversion of ${rubyInspectClass(root)} into String (TypeError)`, "a root must be a path; quote it");
  const preWindowKey = rubyTruthy(data.rbenv) ? "rbenv" : rubyTruthy(data.rvm) ? "rvm" : rubyTruthy(data.pre_tab) ? "pre_tab" : "pre_window";
  const preWindow = data[preWindowKey];
  const preWindowBad = rubyTruthy(preWindow) && typeof preWindow !== "string" && !Array.isArray(preWindow) && preWindowKey !== "rbenv" && preWindowKey !== "rvm";
  for (const [index, window] of windowList.entries()) {
    const [key, value] = Object.entries(window as Record<string, unknown>)[0] ?? [];
    if (!isRecord(value)) {
      if (preWindowBad) return new PeerRejection([preWindowKey], noMethod("shellescape", preWindow), "pre_window must be a command; quote it");
      continue;
    }
    const windowRoot = value.root;
    if (rubyTruthy(windowRoot) && typeof windowRoot !== "string") {
      return new PeerRejection([windowsKey, index, key!, "root"], `no implicit conversion of ${rubyInspectClass(windowRoot)} into String (TypeError)`, "a root must be a path; quote it");
    }
    const panes = value.panes;
    const paneList = panes === null || panes === undefined ? [] : Array.isArray(panes) ? panes : [panes];
    if (paneList.length === 0 && preWindowBad) return new PeerRejection([preWindowKey], noMethod("shellescape", preWindow), "pre_window must be a command; quote it");
    for (const [paneIndex, pane] of paneList.entries()) {
      if (preWindowBad) return new PeerRejection([preWindowKey], noMethod("shellescape", preWindow), "pre_window must be a command; quote it");
      const commands = isRecord(pane) ? Object.values(pane)[0] : pane;
      const list = Array.isArray(commands) ? commands : [commands];
      const bad = list.findIndex((command) => rubyTruthy(command) && typeof command !== "string");
      if (bad >= 0) return new PeerRejection([windowsKey, index, key!, "panes", paneIndex], noMethod("shellescape", list[bad]), "pane commands must be text; quote them");
    }
    if (paneList.length && rubyTruthy(value.layout) && typeof value.layout !== "string") {
      return new PeerRejection([windowsKey, index, key!, "layout"], noMethod("shellescape", value.layout), "a layout must be a layout name or string; quote it");
    }
  }
  return undefined;
}

function rubyInspectClass(value: unknown): string {
  if (value === true || value === false) return String(value);
  return rubyClass(value);
}

// ---------------------------------------------------------------- Python

function pythonType(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number" || typeof value === "bigint") return "int";
  if (typeof value === "string") return "str";
  if (value instanceof PeerFloat) return "float";
  if (value instanceof PeerObject) return value.kind === "Date" ? "date" : "datetime";
  if (Array.isArray(value)) return "list";
  return "dict";
}

const NOT_TEXT = (value: unknown) => `TypeError: expected str, bytes or os.PathLike object, not ${pythonType(value)}`;

/** tmuxp's `expandshell` takes text only. */
function expandShellRejection(value: unknown, path: KeyPath, what: string): PeerRejection | undefined {
  if (typeof value === "string") return undefined;
  return new PeerRejection(path, NOT_TEXT(value), `${what} must be text in tmuxp; quote it`);
}

/** tmuxp's `expand_cmd` on a `shell_command_before`, a pane, or a pane's `shell_command`. */
function expandCmdRejection(value: unknown, path: KeyPath): PeerRejection | undefined {
  let commands: unknown = value;
  let listPath = path;
  if (isRecord(value)) {
    if (!("shell_command" in value)) return undefined;
    commands = value.shell_command;
    listPath = [...path, "shell_command"];
  } else if (typeof value !== "string" && !Array.isArray(value) && pythonTruthyValue(value)) {
    return new PeerRejection(path, "AssertionError", "a command must be text, a list of commands, or a mapping with shell_command");
  }
  if (typeof commands === "string") return undefined;
  if (!Array.isArray(commands)) return undefined;
  if (commands.length === 1 && (commands[0] === null || commands[0] === "blank" || commands[0] === "pane")) return undefined;
  for (const [index, command] of commands.entries()) {
    if (typeof command === "string") continue;
    if (isRecord(command)) {
      if (!("cmd" in command)) return new PeerRejection([...listPath, index], "KeyError: 'cmd'", "a command mapping needs `cmd:`");
      const bad = expandShellRejection(command.cmd, [...listPath, index, "cmd"], "a command");
      if (bad) return bad;
      continue;
    }
    return new PeerRejection([...listPath, index], `TypeError: '${pythonType(command)}' object is not subscriptable`, "each command must be text; quote it");
  }
  return undefined;
}

function pythonTruthyValue(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") return false;
  if (value instanceof PeerFloat) return value.value !== 0;
  return true;
}

/** The keys `loader.expand` turns into text at one level (session, window or pane); `parent` is the level above. */
function expandLevelRejection(level: Record<string, unknown>, path: KeyPath, parent?: Record<string, unknown>): PeerRejection | undefined {
  for (const key of ["session_name", "window_name"]) {
    if (key in level) {
      const bad = expandShellRejection(level[key], [...path, key], key === "session_name" ? "session_name" : "a window name");
      if (bad) return bad;
    }
  }
  if ("environment" in level) {
    const environment = level.environment;
    if (!isRecord(environment)) {
      return new PeerRejection([...path, "environment"], environment === null || environment === undefined ? "TypeError: 'NoneType' object is not iterable" : `TypeError: ${pythonType(environment)} indices must be integers or slices, not str`, "environment must be a mapping of variables");
    }
    for (const [key, value] of Object.entries(environment)) {
      const bad = expandShellRejection(value, [...path, "environment", key], `environment value ${key}`);
      if (bad) return bad;
    }
  }
  for (const key of ["start_directory", "before_script"]) {
    if (key in level) {
      const bad = expandShellRejection(level[key], [...path, key], key);
      if (bad) return bad;
    }
  }
  // A "./x" directory is joined to the level above's start_directory, which must then be there.
  const dir = level.start_directory;
  if (parent && typeof dir === "string" && dir.startsWith(".") && !("start_directory" in parent)) {
    return new PeerRejection([...path, "start_directory"], "KeyError: 'start_directory'", `${JSON.stringify(dir)} is relative to the ${path.length > 2 ? "window's" : "session's"} start_directory, which is not set`);
  }
  if ("shell_command_before" in level) {
    const bad = expandCmdRejection(level.shell_command_before, [...path, "shell_command_before"]);
    if (bad) return bad;
  }
  return undefined;
}

/** Why tmuxp 1.27 would refuse `data` (a loaded workspace file), or undefined when it loads it. */
export function tmuxpRejection(data: unknown, expandName: (name: string) => string = (name) => name): PeerRejection | undefined {
  // `raw_workspace or {}`: an empty file is an empty workspace.
  const workspace = pythonTruthyValue(data) ? data : {};
  if (!isRecord(workspace)) {
    return new PeerRejection([], `TypeError: ${pythonType(workspace)} indices must be integers or slices, not str`, "the file is not a mapping of settings");
  }
  const session = expandLevelRejection(workspace, []);
  if (session) return session;
  if ("windows" in workspace) {
    const windows = workspace.windows;
    if (!Array.isArray(windows)) {
      if (windows === null || windows === undefined) return new PeerRejection(["windows"], "TypeError: 'NoneType' object is not iterable", "`windows:` must be a list of windows");
      return new PeerRejection(["windows"], `TypeError: '${pythonType(windows)}' object does not support item assignment`, "`windows:` must be a list of windows, each a mapping");
    }
    for (const [index, window] of windows.entries()) {
      if (!isRecord(window)) {
        const peerSays = window === null || window === undefined ? "TypeError: argument of type 'NoneType' is not iterable" : typeof window === "string" ? "TypeError: 'str' object does not support item assignment" : `TypeError: argument of type '${pythonType(window)}' is not iterable`;
        return new PeerRejection(["windows", index], peerSays, "each window must be a mapping such as `- window_name: editor`");
      }
      const level = expandLevelRejection(window, ["windows", index], workspace);
      if (level) return level;
      if ("panes" in window) {
        const panes = window.panes;
        if (panes === null || panes === undefined) return new PeerRejection(["windows", index, "panes"], "TypeError: 'NoneType' object is not iterable", "`panes:` must be a list; leave it out for one plain pane");
        if (!Array.isArray(panes)) continue;
        for (const [paneIndex, pane] of panes.entries()) {
          const panePath = ["windows", index, "panes", paneIndex];
          const bad = expandCmdRejection(pane, panePath) ?? (isRecord(pane) ? expandLevelRejection(pane, panePath, window) : undefined);
          if (bad) return bad;
        }
      }
    }
  } else {
    return new PeerRejection([], "KeyError: 'windows'", "a workspace needs a `windows:` list");
  }
  if (!("session_name" in workspace)) return new PeerRejection([], "KeyError: 'session_name'", "a workspace needs `session_name:`");
  const name = expandName(workspace.session_name as string);
  if (name.length === 0) return new PeerRejection(["session_name"], "libtmux.exc.BadSessionName: tmux session names may not be empty.", "give the session a name");
  for (const [char, word] of [[".", "periods"], [":", "colons"]] as const) {
    if (name.includes(char)) {
      // libtmux passes its message and the name as two arguments, so Python prints them as a tuple.
      return new PeerRejection(
        ["session_name"],
        `libtmux.exc.BadSessionName: ('tmux session name "%s" may not contain ${word}.', ${pythonRepr(name)})`,
        `tmux reserves '${char}' in targets, so libtmux refuses such a session name`,
      );
    }
  }
  return undefined;
}

/** Python's repr of a string, as a message shows it. */
function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const body = text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll("\t", "\\t");
  return `${quote}${quote === "'" ? body.replaceAll("'", "\\'") : body}${quote}`;
}
