import type { PaneSpec, SessionSpec, WindowSpec } from "../plan/types.ts";
import { escapeFormat, tmuxCommandLine } from "./quote.ts";

/**
 * The pane wrapper that makes commands always arrive. Instead of typing the
 * command into a shell that may still be starting (where a slow or
 * input-reading start-up file swallows the keys), the pane's first process
 * runs it: an interactive shell (`-i`, so the user's rc, aliases and PATH
 * apply) executes the command after its start-up files are done, then the pane
 * becomes a login shell. `set -m` gives the command its own process group and
 * hands the terminal back afterwards, so Ctrl-C stops the command, not the pane.
 *
 * The command's exit status goes to the login shell as `PRJ_PANE_STATUS`: the
 * attention watcher reads it from that process's initial environment
 * (/proc/PID/environ) to tell `done` from `failed`, at no cost (no process,
 * no tmux client), and the user can `echo $PRJ_PANE_STATUS` in the pane.
 */
export const PANE_WRAPPER = 'set -m; trap : INT; "$1" -ic "$2"; export PRJ_PANE_STATUS=$?; exec "$1" -l';

/**
 * Put before the command for plain POSIX shells. dash (and its kin) forks even
 * the last command of `-c`, and when that job dies of Ctrl-C it raises SIGINT
 * on itself, which sends an interactive shell to its prompt: the `-ic` shell
 * would stay behind as a second shell under the pane's. With the trap it exits,
 * and the wrapper's login shell takes over. bash, zsh and fish leave by
 * themselves, and fish has no POSIX `trap`, so they get the command as written.
 */
export const EXIT_ON_INTERRUPT = "trap 'exit 130' INT\n";

const POSIX_SHELLS = new Set(["sh", "dash", "ash", "ksh", "ksh93", "mksh", "oksh", "pdksh", "posh", "yash"]);

/**
 * The argv a pane starts with. A plain pane (no command) gets none, so tmux
 * starts its default-shell, unless `plainShell` asks for `shell` as a login
 * shell (set when `defaults.shell` comes from a config file).
 */
export function paneArgv(shell: string, command: string | undefined, options: { plainShell?: boolean } = {}): string[] {
  if (command === undefined || command.trim() === "") return options.plainShell ? [shell, "-l"] : [];
  const name = shell.slice(shell.lastIndexOf("/") + 1);
  return ["/bin/sh", "-c", PANE_WRAPPER, "prj-pane", shell, POSIX_SHELLS.has(name) ? `${EXIT_ON_INTERRUPT}${command}` : command];
}

/**
 * What a pane's processes get on top of the session environment: the window's and the pane's
 * variables, and the values its command refers to (template/shell-values.ts). They travel in
 * the batch on tmux's stdin, so the values, secrets included, never appear in an argv.
 */
function paneEnvironment(window: WindowSpec, pane: PaneSpec): Record<string, string> {
  return { ...window.environment, ...pane.environment, ...pane.shellValues };
}

/** Exact session target: tmux prefix-matches names unless told `=`, so `foo` would hit `foo-bar`. */
export function sessionTarget(name: string): string {
  return `=${name}:`;
}

/** The index prj's hook takes in the server's global `session-closed` hook array; users' own hooks use low indexes. */
export const SESSION_CLOSED_HOOK = "session-closed[8461]";

/** Server option that says the end recorder (the sentinel job) already runs on this server. */
export const END_RECORDER_OPTION = "@prj_end_recorder";

/**
 * The tmux commands that make tmux itself write down when sessions end, so a
 * session killed behind prj's back (`tmux kill-session`, its last shell
 * exiting, `tmux kill-server`, a crash) still gets an accurate duration. Both
 * append a tab-separated line to `file`; prj reads it when it reconciles.
 *
 * - A global `session-closed` hook records `closed <socket> <session id> <epoch>`.
 *   It must be global: tmux looks a session-closed hook up after the session is
 *   gone, so a hook set on the session itself never fires for it.
 * - Hooks do not get to run when the server exits, so one sentinel job per
 *   server (`run-shell -b`, started once) waits for the server to go and
 *   records `server <socket> <server pid> <epoch>`. tmux sends it SIGTERM on a
 *   clean exit; after a crash or SIGKILL the parent-death signal (`setpriv
 *   --pdeathsig`, where it exists) or its `kill -0` check of the server pid ends
 *   it, so it never outlives its server for long.
 *
 * Shell-neutral: since tmux 3.5, run-shell uses the user's default-shell,
 * which may be fish. Each command is `/bin/sh -c '<script>' prj-end ARGS…`,
 * which sh and fish parse alike because the script holds no `'` and no
 * backslash pair that fish's single quotes would read differently. The socket
 * and server pid come from the job's own `$TMUX`, so no tmux value is ever
 * spliced into shell text; the session id (`$3`) and the file path are plain
 * arguments, single- and double-quoted. A path with a backtick (which the two
 * shells quote differently) gets no recorder: durations then come from
 * reconcile alone.
 */
export function endRecorderCommands(file: string, options: { parentDeathSignal?: string } = {}): string[][] {
  // sh and fish read `\\`, `\"` and `\$` alike inside double quotes; a backtick they do not.
  if (file.includes("`")) return [];
  // run-shell expands formats in its command, so a literal `#` in the path must be doubled.
  const path = escapeFormat(`"${file.replace(/[\\"$]/g, (char) => `\\${char}`)}"`);
  const socket = 's=${TMUX%,*,*}';
  const closed = `${socket}; { printf "closed\\t%s\\t%s\\t%s\\n" "$s" "$1" "$(date -u +%s)" >> "$2"; } 2>/dev/null || :`;
  // `wait` (unlike a foreground `sleep`) returns as soon as a trapped signal arrives.
  const interval = options.parentDeathSignal ? 3600 : 10;
  const sentinel =
    `${socket}; r=\${TMUX%,*}; p=\${r##*,}; f=$1; ` +
    `prj_end() { { printf "server\\t%s\\t%s\\t%s\\n" "$s" "$p" "$(date -u +%s)" >> "$f"; } 2>/dev/null; kill $! 2>/dev/null; exit 0; }; ` +
    `trap prj_end TERM HUP INT; while kill -0 "$p" 2>/dev/null; do sleep ${interval} & wait $!; done; prj_end`;
  const launcher = options.parentDeathSignal ? `exec ${options.parentDeathSignal} --pdeathsig HUP /bin/sh` : "exec /bin/sh";
  return [
    ["set-hook", "-g", SESSION_CLOSED_HOOK, tmuxCommandLine(["run-shell", "-b", `exec /bin/sh -c '${escapeFormat(closed)}' prj-end '#{hook_session}' ${path}`])],
    [
      "if-shell",
      "-F",
      `#{?${END_RECORDER_OPTION},,1}`,
      `${tmuxCommandLine(["set-option", "-g", END_RECORDER_OPTION, "1"])} ; ${tmuxCommandLine(["run-shell", "-b", `${launcher} -c '${escapeFormat(sentinel)}' prj-end ${path}`])}`,
    ],
  ];
}

/** Server option that holds the attention watcher's pid (or `starting`) while one runs on the server. */
export const WATCHER_OPTION = "@prj_watcher";

/**
 * Starts the attention watcher (`prj __watch`, docs/attention.md) once per
 * server, like the end recorder's sentinel: a `run-shell -b` job guarded by a
 * server option, so tmux itself runs it and no prj process has to stay
 * (`condition` replaces the guard: a watcher that is gone is replaced). tmux
 * checks and sets the option within one command list, so two batches never
 * start two watchers. `prj` is the argv of the running binary (absolute);
 * each word is double-quoted the way sh and fish read alike (a word with a
 * backtick gets no watcher). With setpriv the watcher gets SIGHUP when the
 * server dies; it also checks the server's pid every sample.
 */
export function watcherCommands(prj: readonly string[], options: { parentDeathSignal?: string; condition?: string } = {}): string[][] {
  if (prj.length === 0 || prj.some((word) => word.includes("`"))) return [];
  const words = prj.map((word) => `"${word.replace(/[\\"$]/g, (char) => `\\${char}`)}"`).join(" ");
  const launcher = `exec ${options.parentDeathSignal ? `${options.parentDeathSignal} --pdeathsig HUP ` : ""}${words} __watch`;
  return [
    [
      "if-shell",
      "-F",
      options.condition ?? `#{?${WATCHER_OPTION},,1}`,
      `${tmuxCommandLine(["set-option", "-g", WATCHER_OPTION, "starting"])} ; ${tmuxCommandLine(["run-shell", "-b", escapeFormat(launcher)])}`,
    ],
  ];
}

/**
 * Every tmux command, as argv, that creates the session. They run as one
 * batch through a single tmux client; no environment value ever reaches an argv
 * of a process because the batch travels on stdin. With `recordEndsTo`, the
 * batch also installs the end recorder (`endRecorderCommands`); with
 * `watcher`, it starts the attention watcher (`watcherCommands`).
 */
export function sessionCreationCommands(
  spec: SessionSpec,
  options: { recordEndsTo?: string; parentDeathSignal?: string; watcher?: string[] } = {},
): string[][] {
  const target = sessionTarget(spec.name);
  const lastWindow = `${target}{end}`;
  const commands: string[][] = [];
  const [first, ...rest] = spec.windows;
  if (!first) throw new Error("a session needs at least one window");

  const newSession = ["new-session", "-d", "-s", spec.name];
  if (spec.size) newSession.push("-x", String(spec.size.columns), "-y", String(spec.size.rows));
  // A window without a name is left to tmux's automatic-rename, as tmuxinator and tmuxp leave it.
  if (first.name || first.emptyName) newSession.push("-n", escapeFormat(first.name));
  newSession.push("-c", escapeFormat(first.panes[0]!.workingDirectory));
  const firstPaneEnvironment = paneEnvironment(first, first.panes[0]!);
  for (const [key, value] of Object.entries({ ...spec.environment, ...firstPaneEnvironment })) {
    newSession.push("-e", `${key}=${value}`);
  }
  newSession.push(...paneArgv(spec.shell, first.panes[0]!.command, { plainShell: spec.plainPanesUseShell }));
  commands.push(newSession);
  if (spec.size) commands.push(firstWindowSizeOnOldServers(target, spec.size));
  // new-session -e also writes the session environment, which later windows
  // inherit; put back what only the first window was meant to have.
  for (const key of Object.keys(firstPaneEnvironment)) {
    const sessionValue = spec.environment[key];
    commands.push(
      sessionValue === undefined
        ? ["set-environment", "-u", "-t", target, key]
        : ["set-environment", "-t", target, key, sessionValue],
    );
  }

  // Tags first: if anything later fails, the half-made session is still recognisably ours.
  const tags: [string, string][] = [
    ["@prj_project", spec.identity.project],
    ["@prj_worktree", spec.identity.worktree],
    ["@prj_task", spec.identity.task],
    ["@prj_command", spec.identity.command],
  ];
  for (const [option, value] of tags) commands.push(["set-option", "-t", target, option, value]);
  if (spec.tmuxConfig) commands.push(["source-file", "-q", escapeGlob(spec.tmuxConfig)]);

  commands.push(...paneCommands(spec, first, lastWindow));
  let focused = first.focus;
  for (const window of rest) {
    const newWindow = ["new-window", "-d", "-t", target];
    if (window.name || window.emptyName) newWindow.push("-n", escapeFormat(window.name));
    newWindow.push("-c", escapeFormat(window.panes[0]!.workingDirectory));
    for (const [key, value] of Object.entries(paneEnvironment(window, window.panes[0]!))) {
      newWindow.push("-e", `${key}=${value}`);
    }
    newWindow.push(...paneArgv(spec.shell, window.panes[0]!.command, { plainShell: spec.plainPanesUseShell }));
    commands.push(newWindow);
    commands.push(...paneCommands(spec, window, lastWindow));
    // new-window -d leaves the current window alone, so selecting the focused
    // window right after it exists is what later windows cannot undo.
    if (window.focus && !focused) {
      commands.push(["select-window", "-t", lastWindow]);
      focused = true;
    }
  }
  if (options.recordEndsTo) commands.push(...endRecorderCommands(options.recordEndsTo, options));
  if (options.watcher) commands.push(...watcherCommands(options.watcher, options));
  return commands;
}

/**
 * tmux before 3.3 makes the first window of a detached session 80x23 whatever
 * `new-session -x/-y` say (the windows after it do follow them), so its panes
 * and layout would be worked out for the wrong size. This sizes it explicitly
 * when the server is older than 3.3. `resize-window` also pins the window at
 * that size (window-size manual), so the window's option is unset again at
 * once: with no client attached the size stays, and the first client to attach
 * resizes the window to its terminal, as on later servers. tmux itself decides,
 * from the server's `#{version}` (the client's `-V` may be another version),
 * because the batch runs before prj has asked the server anything.
 */
export function firstWindowSizeOnOldServers(target: string, size: { columns: number; rows: number }): string[] {
  const resize = [
    ["resize-window", "-t", target, "-x", String(size.columns), "-y", String(size.rows)],
    ["set-option", "-w", "-u", "-t", target, "window-size"],
  ];
  // String order: "3.2a" < "3.3" < "3.3a"; development builds ("next-3.3") and OpenBSD's own
  // ("openbsd-7.x") sort after every release number and are left alone.
  return ["if-shell", "-F", "#{<:#{version},3.3}", resize.map(tmuxCommandLine).join(" ; ")];
}

/** Windows of up to this many panes are split without re-tiling in between (when at least 80x24). */
const MAX_PANES_WITHOUT_RETILING = 3;

/** Splits for a window's remaining panes, its layout, and which pane is active. */
function paneCommands(spec: SessionSpec, window: WindowSpec, windowTarget: string): string[][] {
  const commands: string[][] = [];
  const panes = window.panes;
  // Re-tiling after a split leaves room for the next one on small terminals.
  // Three panes fit in 80x24 (tmux's size for a session when the terminal's is
  // unknown) without it, so those windows skip the in-between re-tiling.
  const roomy = panes.length <= MAX_PANES_WITHOUT_RETILING && (!spec.size || (spec.size.columns >= 80 && spec.size.rows >= 24));
  for (const [index, pane] of panes.slice(1).entries()) {
    // Splitting the active pane (the newest) keeps panes in declaration order.
    const split = ["split-window", "-t", windowTarget, "-c", escapeFormat(pane.workingDirectory)];
    for (const [key, value] of Object.entries(paneEnvironment(window, pane))) split.push("-e", `${key}=${value}`);
    split.push(...paneArgv(spec.shell, pane.command, { plainShell: spec.plainPanesUseShell }));
    commands.push(split);
    // After the last split the window's own layout follows; without one, tiled is its layout.
    const last = index === panes.length - 2;
    if (last ? !window.layout : !roomy) commands.push(["select-layout", "-t", windowTarget, "tiled"]);
  }
  if (window.layout) commands.push(["select-layout", "-t", windowTarget, window.layout]);
  if (panes.length > 1) {
    const focusIndex = Math.max(0, panes.findIndex((pane) => pane.focus));
    // After the splits the newest pane is active; step back to the wanted one by relative offset,
    // which does not depend on the user's pane-base-index.
    const back = panes.length - 1 - focusIndex;
    if (back > 0) commands.push(["select-pane", "-t", `${windowTarget}.-${back}`]);
  }
  return commands;
}

/** source-file expands glob patterns in its path; a literal path must not. */
function escapeGlob(path: string): string {
  return path.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}
