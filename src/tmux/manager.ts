import { mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { PrjError, TmuxError } from "../errors.ts";
import { runProcess, type ProcessResult } from "../exec/runner.ts";
import { cacheDir, sessionEndsFile } from "../paths.ts";
import { log, logs } from "../ui/log.ts";
import type { SessionSpec } from "../plan/types.ts";
import { classicLayout, decodeVis, encodesWindowNames, FIELD_SEPARATOR, formatOf, isNoServer, parseRows, ROW_END, undoOutputEscaping, versionOfRows } from "./parse.ts";
import { tmuxCommandLine } from "./quote.ts";
import { sessionCreationCommands, sessionTarget } from "./script.ts";

export const MIN_TMUX_VERSION = { major: 3, minor: 2 };

/** How long a server that is shutting down gets to be gone before prj's second try. */
const SERVER_EXIT_WAIT_MS = 1500;

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
  /** The attention state the watcher published (`@prj_session_state`: `STATE SINCE_MS`), "" when none. */
  attention: string;
  /** The server's `@prj_watcher` (the watcher's pid), "" when none runs. */
  watcher: string;
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
  "@prj_session_state",
  "@prj_watcher",
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

/** A line between the parts of one batched answer; made of the same random token, so no value can hold it. */
const SECTION_MARK = `${FIELD_SEPARATOR}section${ROW_END}`;

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

  /**
   * The argv prefix of every client that reads or changes state. `-u` makes
   * what tmux prints byte-exact in any locale: without it a client in `LANG=C`,
   * `LC_ALL=C` or no locale at all gets every tab, control byte and non-ASCII
   * byte of the output replaced by `_`. (What a client sends is never changed.)
   */
  baseArgv(): string[] {
    return [this.binary, "-u", ...this.serverArgs()];
  }

  /**
   * A tmux command line for a hint, as the user would type it for this server:
   * `tmux -L work kill-session -t '=name'`, words quoted for a POSIX shell.
   */
  userCommand(args: readonly string[]): string {
    // A leading `=` is quoted too: zsh would expand `=name` to a command's path.
    const quote = (word: string) => (/^[A-Za-z0-9_@%+:,.\/-][A-Za-z0-9_@%+=:,.\/-]*$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);
    return ["tmux", ...this.serverArgs(), ...args].map(quote).join(" ");
  }

  /** The flags that select this manager's server (none for the default server). */
  private serverArgs(): string[] {
    if (!this.socket) return [];
    return [this.socket.includes("/") ? "-S" : "-L", this.socket];
  }

  /**
   * Runs one tmux client; `display` replaces the argv in debug logs.
   *
   * A client that loses its server before any answer is tried once more: a
   * server whose last session was just killed is still shutting down for a
   * moment, and it drops new clients ("server exited unexpectedly") until it
   * is gone and a new one can start. When the second try fails the same way
   * while a server still answers on the socket, the client and the server are
   * different tmux versions that cannot talk (a {@link TmuxVersionMismatchError}).
   */
  async run(args: string[], options: { stdin?: string; display?: string } = {}): Promise<ProcessResult> {
    const argv = [...this.baseArgv(), ...args];
    const first = await runProcess(argv, { stdin: options.stdin, display: options.display });
    if (!lostServer(first)) return first;
    log.debug(`tmux lost its server (${first.stderr.trim() || `exit ${first.exitCode}, nothing said`}); trying once more`);
    // A server still shutting down keeps accepting clients until it is gone. A server of another
    // version never goes: when /proc already tells it apart, the wait is short.
    const mismatch = await this.versionMismatch();
    const deadline = Date.now() + (mismatch?.serverKnown ? SERVER_EXIT_WAIT_MS / 10 : SERVER_EXIT_WAIT_MS);
    while (Date.now() < deadline && (await socketAnswers(this.socketPath()))) await Bun.sleep(10);
    const second = await runProcess(argv, { stdin: options.stdin, display: options.display });
    if (lostServer(second) && (await socketAnswers(this.socketPath()))) {
      const confirmed = mismatch ?? (await this.versionMismatch());
      if (confirmed) throw confirmed;
    }
    return second;
  }

  /**
   * The error for a server this client cannot talk to, naming both versions,
   * or undefined when the server turns out to be of the client's own version.
   */
  private async versionMismatch(): Promise<TmuxVersionMismatchError | undefined> {
    const clientVersion = await this.version().catch(() => "");
    const server = await serverProcess(this.socketPath());
    if (server?.version && server.version === clientVersion) return undefined;
    return new TmuxVersionMismatchError({
      clientVersion,
      clientBinary: this.binary,
      serverVersion: server?.version,
      serverBinary: server?.binary,
      serverReplaced: server?.replaced ?? false,
      socket: this.socketPath(),
      serverArgs: this.serverArgs(),
    });
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
      if (process.env.PRJ_TMUX) {
        throw new PrjError(`PRJ_TMUX=${process.env.PRJ_TMUX} is not a tmux binary (${this.binary} does not exist)`, {
          hint: "point PRJ_TMUX at a tmux 3.2 or newer, or unset it to use the tmux on PATH",
          cause: error,
        });
      }
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

  /** Every session on the server; an absent server has none. Names with any characters in them are read whole. */
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
   * Inside tmux on another server it refuses: tmux only notices nesting within
   * one server, so the attach would silently run one tmux inside the other.
   */
  async attachSession(name: string, options: { insideTmux: boolean }): Promise<void> {
    if (options.insideTmux) {
      const result = await this.run(["switch-client", "-t", sessionTarget(name)]);
      if (result.exitCode !== 0) throw new TmuxError("switch-client", result.stderr);
      return;
    }
    const current = process.env.TMUX?.split(",")[0];
    if (current) {
      throw new PrjError(
        `cannot attach to ${name} here: you are inside tmux on another server (${current}) than the session's (${this.socketPath()}), and attaching would nest one tmux inside the other`,
        {
          hint:
            `detach first (prefix + d, Ctrl-b d by default) and run \`prj attach ${name}\` from the terminal outside tmux, ` +
            `or attach from another terminal with \`${[this.binary, ...this.serverArgs()].join(" ")} attach -t '=${name}'\`; ` +
            `to nest on purpose, run \`TMUX= prj attach ${name}\``,
          exitCode: 2,
        },
      );
    }
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      throw new PrjError(`cannot attach to ${name}: no terminal`, {
        hint: `run \`${[this.binary, ...this.serverArgs()].join(" ")} attach -t '=${name}'\` from a terminal`,
        exitCode: 2,
      });
    }
    // No -u here: whether the terminal takes UTF-8 is for tmux to tell from the user's locale.
    const argv = [this.binary, ...this.serverArgs(), "attach-session", "-t", sessionTarget(name)];
    if (logs("debug")) log.debug(`exec: ${argv.join(" ")}`);
    const child = Bun.spawn(argv, {
      env: process.env as Record<string, string>,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    });
    const code = await child.exited;
    if (code !== 0) {
      // attach-session says nothing when the server is of another version; tell why.
      if (await socketAnswers(this.socketPath())) {
        const mismatch = await this.versionMismatch().catch(() => undefined);
        if (mismatch && !(await this.sessionExists(name).catch(() => false))) throw mismatch;
      }
      throw new TmuxError("attach-session", `exit status ${code}`);
    }
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
    const version = versionOfRows(sessionText) ?? "";
    const decodeName = encodesWindowNames(version) ? decodeVis : (name: string) => name;
    const panes = parseRows(paneText, PANE_FIELDS, "list-panes").map((row) => toPane(row, decodeName));
    return { session, panes, environment: parseEnvironment(environmentText, version) };
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

/**
 * The tmux prj runs: `$PRJ_TMUX` when set (a path, or a name looked up on
 * PATH), else `tmux` on PATH. Tests and CI point it at another version.
 */
export function findTmux(env: Record<string, string | undefined> = process.env): string {
  const wanted = env.PRJ_TMUX || "tmux";
  if (wanted.includes("/")) return resolve(wanted);
  return Bun.which(wanted) ?? wanted;
}

/**
 * A tmux client that cannot talk to the running server: they are different
 * versions (tmux was upgraded, or another tmux comes first on PATH), and the
 * client just exits. Only restarting the server, or using its own tmux, helps.
 */
export class TmuxVersionMismatchError extends PrjError {
  /** Whether the server's own version (or its replaced binary) was found, not just guessed. */
  readonly serverKnown: boolean;

  constructor(details: {
    clientVersion: string;
    clientBinary: string;
    serverVersion?: string;
    serverBinary?: string;
    serverReplaced: boolean;
    socket: string;
    serverArgs: string[];
  }) {
    const client = `tmux ${details.clientVersion || "(unknown version)"} (${details.clientBinary})`;
    const server = details.serverVersion
      ? `tmux ${details.serverVersion}${details.serverBinary ? ` (${details.serverBinary})` : ""}`
      : details.serverReplaced
        ? "a tmux whose binary has been replaced since it started (an upgrade)"
        : "a tmux of another version";
    const killServer = ["tmux", ...details.serverArgs, "kill-server"].join(" ");
    const useServers = details.serverBinary && !details.serverReplaced ? `, or run prj with the server's own tmux: PRJ_TMUX=${details.serverBinary}` : "";
    super(`${client} cannot talk to the tmux server on ${details.socket}, which runs ${server}: restart that server, or run prj with its tmux`, {
      hint: `restart the server so it runs your tmux (\`${killServer}\` ends every session on it)${useServers}`,
    });
    this.serverKnown = Boolean(details.serverVersion) || details.serverReplaced;
  }
}

/** A client that lost its server before it printed anything: exit status 1 with nothing said, or tmux's own words for it. */
function lostServer(result: ProcessResult): boolean {
  if (result.exitCode === 0 || result.stdout !== "") return false;
  const said = result.stderr.trim();
  return said === "" || said === "server exited unexpectedly" || said === "lost server";
}

/** Whether something accepts connections on the unix socket `path`: a live tmux server. */
async function socketAnswers(path: string): Promise<boolean> {
  try {
    const socket = await Bun.connect({ unix: path, socket: { data() {} } });
    socket.end();
    return true;
  } catch (error) {
    log.debug(`nothing answers on ${path} (${String(error)})`);
    return false;
  }
}

/**
 * The process listening on the tmux socket `path`, found through /proc (Linux;
 * elsewhere undefined): its binary, that binary's version, and whether the
 * binary was replaced after the server started.
 */
async function serverProcess(path: string): Promise<{ binary?: string; version?: string; replaced: boolean } | undefined> {
  let inode: string | undefined;
  try {
    for (const line of readFileSync("/proc/net/unix", "utf8").split("\n")) {
      const fields = line.trim().split(/\s+/);
      // The listening socket (flags __SO_ACCEPTCON); the server's accepted connections carry the path too.
      if (fields.length >= 8 && fields[3] === "00010000" && fields.slice(7).join(" ") === path) inode = fields[6];
    }
  } catch (error) {
    log.debug(`cannot read /proc/net/unix (${String(error)}); the server's version stays unknown`);
    return undefined;
  }
  if (!inode) return undefined;
  const wanted = `socket:[${inode}]`;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or one that just ended: not our server
    }
    const listens = fds.some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === wanted;
      } catch {
        return false; // the descriptor closed while we looked
      }
    });
    if (!listens) continue;
    let binary: string;
    try {
      binary = readlinkSync(`/proc/${pid}/exe`);
    } catch (error) {
      log.debug(`cannot read the tmux server's binary (pid ${pid}): ${String(error)}`);
      return { replaced: false };
    }
    if (binary.endsWith(" (deleted)")) return { binary: binary.slice(0, -" (deleted)".length), replaced: true };
    const result = await runProcess([binary, "-V"]).catch(() => undefined);
    const version = result?.exitCode === 0 ? result.stdout.trim().replace(/^tmux\s+/, "") : undefined;
    return { binary, version, replaced: false };
  }
  return undefined;
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
    attention: row["@prj_session_state"],
    watcher: row["@prj_watcher"],
  };
}

function toPane(row: Record<(typeof PANE_FIELDS)[number], string>, decodeName: (name: string) => string): TmuxPane {
  return {
    windowIndex: Number(row.window_index),
    windowName: decodeName(row.window_name),
    windowActive: row.window_active === "1",
    windowLayout: classicLayout(row.window_layout),
    index: Number(row.pane_index),
    id: row.pane_id,
    pid: Number(row.pane_pid),
    command: row.pane_current_command,
    path: row.pane_current_path,
    active: row.pane_active === "1",
  };
}

/**
 * `show-environment` prints `KEY=value` and `-KEY` for removed variables, each
 * value raw: a line that starts no variable continues the value before it (a
 * value with a newline in it).
 */
export function parseEnvironment(text: string, serverVersion = ""): Record<string, string> {
  const environment: Record<string, string> = {};
  let last: string | undefined;
  for (const line of text.replace(/\n$/, "").split("\n")) {
    const variable = /^(-?)([A-Za-z_][A-Za-z0-9_]*)(=|$)/.exec(line);
    if (variable?.[1] === "-") {
      last = undefined;
      continue;
    }
    if (variable?.[3] === "=") {
      last = variable[2]!;
      environment[last] = line.slice(last.length + 1);
    } else if (last !== undefined) {
      environment[last] += `\n${line}`;
    }
  }
  for (const key of Object.keys(environment)) environment[key] = undoOutputEscaping(environment[key]!, serverVersion);
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
