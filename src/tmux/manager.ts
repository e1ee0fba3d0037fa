import { mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { PrjError, TmuxError } from "../errors.ts";
import { runProcess, type ProcessResult } from "../exec/runner.ts";
import { cacheDir, sessionEndsFile } from "../paths.ts";
import { log, logs } from "../ui/log.ts";
import type { SessionSpec } from "../plan/types.ts";
import { formatOf, isNoServer, parseRows } from "./parse.ts";
import { tmuxCommandLine } from "./quote.ts";
import { sessionCreationCommands, sessionTarget } from "./script.ts";

export const MIN_TMUX_VERSION = { major: 3, minor: 2 };

/** A live session as tmux reports it, with prj's identity tags (empty when untagged). */
export interface TmuxSession {
  id: string;
  name: string;
  windows: number;
  attached: number;
  createdAt: Date;
  /**
   * When the session last produced output or received input, whichever is
   * later: tmux's session_activity moves only on client input, each window's
   * window_activity on its panes' output.
   */
  lastActivity: Date;
  /** When any of its windows last printed something. */
  lastOutput: Date;
  path: string;
  project: string;
  worktree: string;
  task: string;
  command: string;
}

export interface TmuxPane {
  windowIndex: number;
  windowName: string;
  windowActive: boolean;
  windowLayout: string;
  index: number;
  id: string;
  pid: number;
  command: string;
  path: string;
  active: boolean;
}

export interface TmuxSessionInfo {
  session: TmuxSession;
  panes: TmuxPane[];
  environment: Record<string, string>;
}

const SESSION_FIELDS = [
  "session_id",
  "session_name",
  "session_windows",
  "session_attached",
  "session_created",
  "session_activity",
  // Every window's last output, space-separated: the session's output activity is their maximum.
  "W:#{window_activity} ",
  "session_path",
  "@prj_project",
  "@prj_worktree",
  "@prj_task",
  "@prj_command",
] as const;

const PANE_FIELDS = [
  "window_index",
  "window_name",
  "window_active",
  "window_layout",
  "pane_index",
  "pane_id",
  "pane_pid",
  "pane_current_command",
  "pane_current_path",
  "pane_active",
] as const;

const SECTION_MARK = "prj:section";

/**
 * Talks to one tmux server. Every query names its fields explicitly and every
 * target is exact (`=name`), so `foo` never matches `foo-bar`.
 */
export class TmuxManager {
  readonly socket: string | undefined;
  private readonly binary: string;

  /** `socket` is a socket name (`-L`) or, when it contains a slash, a socket path (`-S`). */
  constructor(options: { socket?: string; binary?: string } = {}) {
    this.socket = options.socket || undefined;
    this.binary = options.binary ?? findTmux();
  }

  /**
   * The server's socket path as tmux reports it in `#{socket_path}`, worked
   * out without asking tmux (the server may be gone): `-S` paths as given,
   * `-L` names under `$TMUX_TMPDIR/tmux-UID`, which tmux resolves with realpath.
   */
  socketPath(): string {
    if (this.socket?.includes("/")) return resolve(this.socket);
    const base = join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid?.() ?? 0}`);
    let real = base;
    try {
      real = realpathSync(base);
    } catch (error) {
      log.debug(`tmux socket directory ${base} not resolved (${String(error)}); using it as is`);
    }
    return join(real, this.socket ?? "default");
  }

  /**
   * True when this process runs inside a tmux client of this very server
   * (`$TMUX` names its socket first), where `switch-client` is the way to attach.
   */
  isCurrentServer(): boolean {
    const current = process.env.TMUX?.split(",")[0];
    if (!current) return false;
    // Without -L/-S the tmux client itself follows $TMUX, so it is the same server by definition.
    if (this.socket === undefined) return true;
    let resolved = current;
    try {
      resolved = realpathSync(current);
    } catch (error) {
      log.debug(`$TMUX socket ${current} not resolved (${String(error)})`);
    }
    return resolved === this.socketPath();
  }

  /** The argv prefix that selects this manager's server. */
  baseArgv(): string[] {
    if (!this.socket) return [this.binary];
    return [this.binary, this.socket.includes("/") ? "-S" : "-L", this.socket];
  }

  /** Runs one tmux client; `display` replaces the argv in debug logs. */
  async run(args: string[], options: { stdin?: string; display?: string } = {}): Promise<ProcessResult> {
    const argv = [...this.baseArgv(), ...args];
    return runProcess(argv, { stdin: options.stdin, display: options.display });
  }

  /**
   * Fails with install hints unless tmux is at least 3.2. The answer is cached
   * per binary (path, size, mtime) so a run does not pay for `tmux -V` each time.
   */
  async ensureSupported(): Promise<string> {
    const version = await this.version();
    const match = /(\d+)\.(\d+)/.exec(version);
    const major = Number(match?.[1] ?? 0);
    const minor = Number(match?.[2] ?? 0);
    const tooOld = major < MIN_TMUX_VERSION.major || (major === MIN_TMUX_VERSION.major && minor < MIN_TMUX_VERSION.minor);
    if (!match || tooOld) {
      throw new PrjError(`tmux ${version || "(unknown version)"} is too old; prj needs tmux 3.2 or newer`, {
        hint: TMUX_INSTALL_HINT,
      });
    }
    return version;
  }

  private async version(): Promise<string> {
    let key: string;
    try {
      const stat = statSync(this.binary);
      key = `${this.binary}\t${stat.size}\t${stat.mtimeMs}`;
    } catch (error) {
      throw new PrjError(`tmux is not installed (looked for ${this.binary})`, { hint: TMUX_INSTALL_HINT, cause: error });
    }
    const cacheFile = `${cacheDir()}/tmux-version`;
    const cached = readCache(cacheFile);
    if (cached?.startsWith(`${key}\n`)) return cached.slice(key.length + 1).trim();
    const result = await runProcess([this.binary, "-V"]);
    if (result.exitCode !== 0) throw new TmuxError("-V", result.stderr, { hint: TMUX_INSTALL_HINT });
    const version = result.stdout.trim().replace(/^tmux\s+/, "");
    writeCache(cacheFile, `${key}\n${version}\n`);
    return version;
  }

  /** Every session on the server; an absent server has none. */
  async listSessions(): Promise<TmuxSession[]> {
    const result = await this.run(["list-sessions", "-F", formatOf(SESSION_FIELDS)]);
    if (result.exitCode !== 0) {
      if (isNoServer(result.stderr)) return [];
      throw new TmuxError("list-sessions", result.stderr);
    }
    return parseRows(result.stdout, SESSION_FIELDS, "list-sessions").map(toSession);
  }

  async sessionExists(name: string): Promise<boolean> {
    const result = await this.run(["has-session", "-t", sessionTarget(name)]);
    return result.exitCode === 0;
  }

  /**
   * Creates a whole session with one tmux client: the commands travel on stdin
   * to `source-file -`, so environment values never appear in any argv.
   * Returns the new session's id. A name already in use is a
   * {@link SessionNameTakenError}, and then nothing has changed on the server.
   */
  async createSession(spec: SessionSpec, redact: (line: string) => string = (line) => line): Promise<string> {
    const endsFile = spec.serverSetup?.recordEndsTo ?? sessionEndsFile();
    try {
      mkdirSync(dirname(endsFile), { recursive: true, mode: 0o700 });
    } catch (error) {
      log.debug(`session end times will not be recorded by tmux: cannot create ${dirname(endsFile)} (${String(error)})`);
    }
    // The plan says what server setup goes with the batch (the dry run shows it); a spec built elsewhere gets the default.
    const commands = sessionCreationCommands(spec, spec.serverSetup ?? { recordEndsTo: endsFile, parentDeathSignal: parentDeathTool() });
    commands.push(["display-message", "-p", "-t", sessionTarget(spec.name), "#{session_id}"]);
    const script = `${commands.map(tmuxCommandLine).join(" ; ")}\n`;
    const result = await this.run(["start-server", ";", "source-file", "-"], {
      stdin: script,
      display: `${this.baseArgv().join(" ")} start-server ; source-file - <<< ${redact(script)}`,
    });
    const id = result.stdout.trim().split("\n").pop() ?? "";
    if (result.exitCode !== 0 || !id.startsWith("$")) {
      // new-session opens the batch, and the batch is one command list, so when
      // the name is taken tmux runs nothing after it: nothing was made, and the
      // session of that name is someone's, never to be removed here.
      if (result.stderr.startsWith(`duplicate session: ${spec.name}\n`)) throw new SessionNameTakenError(spec.name, result.stderr);
      const said = redact(result.stderr.trim() || result.stdout.trim());
      // A server that exits mid-batch (killed, or crashed) lets the client go quietly, even with status 0:
      // a batch that ends "successfully" without printing the id was cut short. (Asking the server is only
      // the fallback: one that is still shutting down may answer for a moment.)
      if (!said && (result.exitCode === 0 || !(await this.serverRunning()))) {
        throw new TmuxError("new-session", "the tmux server exited while the session was being created");
      }
      // The name was free when the batch began, so a session by that name now is the half-made one.
      if (await this.sessionExists(spec.name)) {
        await this.killSession(spec.name).catch((error: unknown) => log.warn(`could not remove the half-made session ${spec.name}: ${String(error)}`));
      }
      throw new TmuxError("new-session", said || `exit status ${result.exitCode}, and no session id came back`);
    }
    return id;
  }

  /** Whether a server answers on this manager's socket. */
  private async serverRunning(): Promise<boolean> {
    const result = await this.run(["list-sessions", "-F", "#{session_id}"]);
    return result.exitCode === 0 || !isNoServer(result.stderr);
  }

  async killSession(name: string): Promise<void> {
    const result = await this.run(["kill-session", "-t", sessionTarget(name)]);
    if (result.exitCode !== 0) throw new TmuxError("kill-session", result.stderr);
  }

  /**
   * Inside tmux on the same server the client switches; outside, tmux attaches
   * with this process's terminal. Without a terminal there is nothing to attach.
   */
  async attachSession(name: string, options: { insideTmux: boolean }): Promise<void> {
    if (options.insideTmux) {
      const result = await this.run(["switch-client", "-t", sessionTarget(name)]);
      if (result.exitCode !== 0) throw new TmuxError("switch-client", result.stderr);
      return;
    }
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      throw new PrjError(`cannot attach to ${name}: no terminal`, {
        hint: `run \`${this.baseArgv().join(" ")} attach -t '=${name}'\` from a terminal`,
      });
    }
    const argv = [...this.baseArgv(), "attach-session", "-t", sessionTarget(name)];
    if (logs("debug")) log.debug(`exec: ${argv.join(" ")}`);
    const child = Bun.spawn(argv, {
      env: process.env as Record<string, string>,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    });
    const code = await child.exited;
    if (code !== 0) throw new TmuxError("attach-session", `exit status ${code}`);
  }

  /** Windows, panes and environment of one session, read with a single tmux client. */
  async getSessionInfo(name: string): Promise<TmuxSessionInfo | undefined> {
    const target = sessionTarget(name);
    const result = await this.run([
      "list-sessions", "-F", formatOf(SESSION_FIELDS), "-f", `#{==:#{session_name},${escapeFilter(name)}}`, ";",
      "display-message", "-p", SECTION_MARK, ";",
      "list-panes", "-s", "-t", target, "-F", formatOf(PANE_FIELDS), ";",
      "display-message", "-p", SECTION_MARK, ";",
      "show-environment", "-t", target,
    ]);
    if (result.exitCode !== 0) {
      if (isNoServer(result.stderr) || /can't find session|no such session/.test(result.stderr)) return undefined;
      throw new TmuxError("list-panes", result.stderr);
    }
    const [sessionText = "", paneText = "", environmentText = ""] = result.stdout.split(`${SECTION_MARK}\n`);
    const session = parseRows(sessionText, SESSION_FIELDS, "list-sessions").map(toSession)[0];
    if (!session) return undefined;
    const panes = parseRows(paneText, PANE_FIELDS, "list-panes").map(toPane);
    return { session, panes, environment: parseEnvironment(environmentText) };
  }
}

/** `new-session` found the name in use; tmux ran nothing else of the batch. */
export class SessionNameTakenError extends TmuxError {
  readonly sessionName: string;

  constructor(name: string, stderr: string) {
    super("new-session", stderr);
    this.sessionName = name;
  }
}

export const TMUX_INSTALL_HINT =
  "install tmux 3.2 or newer: `sudo apt-get install tmux` (Debian/Ubuntu), `brew install tmux` (macOS), `sudo dnf install tmux` (Fedora)";

/**
 * util-linux's setpriv, which lets the end recorder die with a crashed tmux
 * server; only a path that needs no quoting in sh or fish is used.
 */
export function parentDeathTool(): string | undefined {
  const path = Bun.which("setpriv");
  return path && /^[\w/.-]+$/.test(path) ? path : undefined;
}

function findTmux(): string {
  return Bun.which("tmux") ?? "tmux";
}

/** Filter values are formats themselves; session names from prj are sanitised, but others may hold `#`, `,` or `}`. */
function escapeFilter(name: string): string {
  return name.replace(/[#,}]/g, (char) => `#${char}`);
}

function toSession(row: Record<(typeof SESSION_FIELDS)[number], string>): TmuxSession {
  const input = Number(row.session_activity) * 1000;
  const output = Math.max(0, ...row["W:#{window_activity} "].split(" ").filter(Boolean).map((epoch) => Number(epoch) * 1000));
  return {
    id: row.session_id,
    name: row.session_name,
    windows: Number(row.session_windows),
    attached: Number(row.session_attached),
    createdAt: new Date(Number(row.session_created) * 1000),
    lastActivity: new Date(Math.max(input, output)),
    lastOutput: new Date(output || input),
    path: row.session_path,
    project: row["@prj_project"],
    worktree: row["@prj_worktree"],
    task: row["@prj_task"],
    command: row["@prj_command"],
  };
}

function toPane(row: Record<(typeof PANE_FIELDS)[number], string>): TmuxPane {
  return {
    windowIndex: Number(row.window_index),
    windowName: row.window_name,
    windowActive: row.window_active === "1",
    windowLayout: row.window_layout,
    index: Number(row.pane_index),
    id: row.pane_id,
    pid: Number(row.pane_pid),
    command: row.pane_current_command,
    path: row.pane_current_path,
    active: row.pane_active === "1",
  };
}

/** `show-environment` prints `KEY=value` and `-KEY` for removed variables. */
function parseEnvironment(text: string): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("-")) continue;
    const equals = line.indexOf("=");
    if (equals > 0) environment[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return environment;
}

function readCache(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined; // no cache yet: ask tmux
  }
}

function writeCache(file: string, text: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, text, { mode: 0o600 });
  } catch (error) {
    log.debug(`tmux version cache not written (the next run asks tmux again): ${String(error)}`);
  }
}
