/**
 * `prj doctor` (SPEC §10): what prj needs from the machine and the project,
 * each checked on its own so one broken thing never hides the others. Every
 * check ends as ok, warn or fail, with a hint that says what to do; only a
 * fail makes the command exit 1.
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runProcess } from "../exec/runner.ts";
import { displayPath } from "../config/load.ts";
import type { Settings } from "../config/schema.ts";
import { findProjectRoot, globalConfigPath, projectPaths, type ProjectPaths } from "../paths.ts";
import { refuseLinkedDatabase, tmuxSocketOf } from "../project.ts";
import type { LoadedCommand } from "../config/load.ts";
import { log } from "../ui/log.ts";
import { findTmux, MIN_TMUX_VERSION, TMUX_INSTALL_HINT } from "../tmux/manager.ts";
import { localTime } from "../ui/time.ts";

export type CheckStatus = "ok" | "warn" | "fail";

export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  message: string;
  hint?: string;
  /** One line per problem, when a check covers several things (files, sessions, rows). */
  details?: string[];
}

export interface DoctorReport {
  /** False when any check failed. */
  ok: boolean;
  project: string | null;
  checks: DoctorCheck[];
}

/** An interactive shell slower than this makes every new window and pane feel slow. */
export const SHELL_STARTUP_WARN_MS = 500;
/** Past this, the start-up probe is abandoned (an rc file waiting for input, a network mount). */
const SHELL_STARTUP_LIMIT_MS = 5000;
/** `git worktree remove` and `list --porcelain` as prj uses them. */
const MIN_GIT = { major: 2, minor: 17 };

const GIT_INSTALL = "install git 2.17 or newer: `sudo apt-get install git` (Debian/Ubuntu), `brew install git` (macOS)";

/** Runs every check for the project around `cwd` (or only the machine checks outside a project). */
export async function runDoctor(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const root = findProjectRoot(cwd);
  const paths = root ? projectPaths(root) : undefined;

  const { check: tmux, version: tmuxVersion } = await checkTmux();
  checks.push(tmux);
  checks.push(await checkGit(root));
  const logout = checkLogout(env.USER || env.LOGNAME || "");
  if (logout) checks.push(logout);

  let settings: Settings | undefined;
  if (paths) {
    const config = await checkConfig(paths);
    settings = config.settings;
    checks.push(await checkShell(settings?.defaults.shell ?? (env.SHELL || "/bin/sh"), settings?.defaults.shell_configured ? "defaults.shell" : "$SHELL"));
    checks.push(checkWritable(paths));
    checks.push(config.check);
    const socket = tmuxSocketOf(settings?.tmux.socket_name, env);
    checks.push(await checkCommands(paths, await mirroredLayoutsOn(tmuxVersion, socket)));
    const database = await checkDatabase(paths);
    checks.push(database);
    if (database.status !== "fail") {
      try {
        checks.push(...(await checkOrphans(paths, socket, tmux.status !== "fail", settings)));
      } catch (error) {
        checks.push({ id: "orphans", title: "orphans", status: "warn", message: `cannot look for orphans: ${messageOf(error)}`, hint: hintOf(error) });
      }
    }
  } else {
    checks.push(await checkShell(env.SHELL || "/bin/sh", "$SHELL"));
    checks.push({
      id: "project",
      title: "project",
      status: "warn",
      message: `no .prj directory in ${cwd} or any parent; project checks skipped`,
      hint: "run `prj init` in your repository, then `prj doctor` there",
    });
  }
  return { ok: checks.every((check) => check.status !== "fail"), project: root ?? null, checks };
}

/**
 * Whether logging out would kill the tmux server, and every session with it:
 * systemd-logind with `KillUserProcesses=yes` kills a user's processes at the
 * end of their last session unless the user lingers. Undefined (no check shown)
 * where systemd does not run, or where it keeps processes (its usual default).
 */
export function checkLogout(user: string, root = "/"): DoctorCheck | undefined {
  if (!user || !existsSync(join(root, "run/systemd/system"))) return undefined;
  const kill = killUserProcesses(root);
  if (kill !== true) return undefined;
  const title = "logout";
  if (existsSync(join(root, "var/lib/systemd/linger", user))) {
    return { id: "logout", title, status: "ok", message: `KillUserProcesses=yes, but ${user} lingers: tmux survives logout` };
  }
  return {
    id: "logout",
    title,
    status: "warn",
    message: "systemd-logind has KillUserProcesses=yes: logging out kills the tmux server and every session",
    hint: `run \`loginctl enable-linger ${user}\` (sessions then survive logout), or set KillUserProcesses=no in /etc/systemd/logind.conf; \`prj restore\` brings back the sessions after it happened`,
  };
}

/** `KillUserProcesses` as logind reads it: logind.conf, then its drop-ins in name order (later wins); undefined when unset. */
function killUserProcesses(root: string): boolean | undefined {
  const files = [join(root, "etc/systemd/logind.conf")];
  const dropIns = new Map<string, string>();
  // Same-named drop-ins in /etc override /run, which override /usr/lib.
  for (const dir of ["usr/lib/systemd/logind.conf.d", "run/systemd/logind.conf.d", "etc/systemd/logind.conf.d"]) {
    try {
      for (const name of readdirSync(join(root, dir))) if (name.endsWith(".conf")) dropIns.set(name, join(root, dir, name));
    } catch {
      // no such directory: nothing to read there
    }
  }
  files.push(...[...dropIns.keys()].sort().map((name) => dropIns.get(name)!));
  let value: boolean | undefined;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    let inLogin = false;
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (line.startsWith("[")) inLogin = line === "[Login]";
      const match = inLogin ? /^KillUserProcesses\s*=\s*(\S*)/.exec(line) : null;
      if (match) value = /^(1|yes|true|on)$/i.test(match[1]!);
    }
  }
  return value;
}

/** The tmux check, and the client's version when it could be read (the layout check needs it). */
async function checkTmux(): Promise<{ check: DoctorCheck; version?: string }> {
  const title = "tmux";
  const binary = Bun.which(findTmux());
  if (!binary) return { check: { id: "tmux", title, status: "fail", message: process.env.PRJ_TMUX ? `PRJ_TMUX=${process.env.PRJ_TMUX} is not an executable tmux` : "tmux is not on PATH", hint: TMUX_INSTALL_HINT } };
  const result = await runProcess([binary, "-V"]);
  const version = result.stdout.trim().replace(/^tmux\s+/, "");
  const parsed = parseVersion(version);
  if (result.exitCode !== 0 || !parsed) {
    return { check: { id: "tmux", title, status: "warn", message: `cannot tell the version of ${binary} (${version || result.stderr.trim() || "no output"})`, hint: TMUX_INSTALL_HINT } };
  }
  if (olderThan(parsed, MIN_TMUX_VERSION)) {
    return { check: { id: "tmux", title, status: "fail", message: `tmux ${version} is too old; prj needs 3.2 or newer`, hint: TMUX_INSTALL_HINT }, version };
  }
  return { check: { id: "tmux", title, status: "ok", message: `tmux ${version} (${binary})` }, version };
}

/**
 * Whether the server prj would use has the `-mirrored` layouts: the running
 * server's version when one answers, else the client's; undefined when unknown.
 */
async function mirroredLayoutsOn(clientVersion: string | undefined, socket: string | undefined): Promise<boolean | undefined> {
  if (clientVersion === undefined) return undefined;
  const { TmuxManager } = await import("../tmux/manager.ts");
  const { serverTmuxVersion } = await import("../tmux/layout-support.ts");
  const { versionHasMirroredLayouts } = await import("../tmux/layout.ts");
  try {
    return versionHasMirroredLayouts(await serverTmuxVersion(new TmuxManager({ socket }), clientVersion));
  } catch (error) {
    log.debug(`doctor: cannot ask the tmux server its version (${messageOf(error)}); using the client's`);
    return versionHasMirroredLayouts(clientVersion);
  }
}

async function checkGit(root: string | undefined): Promise<DoctorCheck> {
  const title = "git";
  const binary = Bun.which("git");
  if (!binary) return { id: "git", title, status: "fail", message: "git is not on PATH", hint: GIT_INSTALL };
  const result = await runProcess([binary, "--version"]);
  const version = result.stdout.trim().replace(/^git version\s+/, "");
  const parsed = parseVersion(version);
  if (result.exitCode !== 0 || !parsed) {
    return { id: "git", title, status: "warn", message: `cannot tell the version of ${binary} (${version || "no output"})`, hint: GIT_INSTALL };
  }
  if (olderThan(parsed, MIN_GIT)) {
    return { id: "git", title, status: "fail", message: `git ${version} is too old for worktrees as prj uses them; prj needs 2.17 or newer`, hint: GIT_INSTALL };
  }
  if (!root) return { id: "git", title, status: "ok", message: `git ${version} (${binary})` };
  if (!existsSync(`${root}/.git`)) {
    return { id: "git", title, status: "warn", message: `git ${version}; ${root} is not a git repository, so commands with a worktree: block cannot run`, hint: "run `git init` there, or use commands without worktrees" };
  }
  const worktrees = await runProcess([binary, "-C", root, "worktree", "list", "--porcelain"]);
  if (worktrees.exitCode !== 0) {
    return { id: "git", title, status: "fail", message: `git ${version}: \`git worktree list\` failed: ${worktrees.stderr.trim()}`, hint: "run `git worktree list` in the repository to see why" };
  }
  const count = worktrees.stdout.split("\n").filter((line) => line.startsWith("worktree ")).length;
  return { id: "git", title, status: "ok", message: `git ${version} (${binary}); ${count} worktree${count === 1 ? "" : "s"}` };
}

/** The shell new windows start, timed as `SHELL -i -c exit`: every window and pane pays this. `origin` says where it was set. */
async function checkShell(shell: string, origin: string): Promise<DoctorCheck> {
  const title = "shell";
  const { shellProblem } = await import("../config/shell.ts");
  const problem = shellProblem(shell);
  const binary = problem === undefined ? (shell.includes("/") ? shell : Bun.which(shell)) : undefined;
  if (!binary) {
    return {
      id: "shell",
      title,
      status: "fail",
      message: `the shell from ${origin}: ${problem ?? `${shell} is not installed`}; \`prj run\` refuses to make sessions with it`,
      hint: `install it, or set defaults.shell in ${displayPath(globalConfigPath())}`,
    };
  }
  const started = performance.now();
  const child = Bun.spawn([binary, "-i", "-c", "exit"], { env: process.env as Record<string, string>, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const timer = setTimeout(() => child.kill("SIGKILL"), SHELL_STARTUP_LIMIT_MS);
  const exitCode = await child.exited;
  clearTimeout(timer);
  const ms = Math.round(performance.now() - started);
  const profileHint = `profile your shell's start-up files (${shell} -i -c exit should take well under ${SHELL_STARTUP_WARN_MS} ms)`;
  if (ms >= SHELL_STARTUP_LIMIT_MS) {
    return { id: "shell", title, status: "warn", message: `${binary} -i -c exit did not finish within ${SHELL_STARTUP_LIMIT_MS / 1000} s`, hint: profileHint };
  }
  if (exitCode !== 0) {
    return { id: "shell", title, status: "warn", message: `${binary} -i -c exit exited with status ${exitCode} after ${ms} ms`, hint: "an error in the shell's start-up files; run it yourself to see the message" };
  }
  if (ms > SHELL_STARTUP_WARN_MS) {
    return { id: "shell", title, status: "warn", message: `${binary} starts in ${ms} ms (over ${SHELL_STARTUP_WARN_MS} ms); every new window and pane waits for it`, hint: profileHint };
  }
  return { id: "shell", title, status: "ok", message: `${binary} starts in ${ms} ms` };
}

function checkWritable(paths: ProjectPaths): DoctorCheck {
  const title = ".prj writable";
  const blocked = [paths.prj, paths.commands, paths.artifacts].filter((dir) => existsSync(dir) && !isWritable(dir));
  if (blocked.length > 0) {
    return {
      id: "prj-writable",
      title,
      status: "fail",
      message: `cannot write to ${blocked.map((dir) => displayPath(dir)).join(", ")}`,
      hint: `prj records runs and step logs there; fix the permissions (e.g. \`chmod u+w ${displayPath(blocked[0]!)}\`)`,
    };
  }
  return { id: "prj-writable", title, status: "ok", message: `${displayPath(paths.prj)} is writable` };
}

/** The global and project config, each named by the path doctor read (or looked for). */
async function checkConfig(paths: ProjectPaths): Promise<{ check: DoctorCheck; settings?: Settings }> {
  const title = "config files";
  const { loadSettings } = await import("../config/load.ts");
  const files = [globalConfigPath(), paths.projectConfig].map((file) => `${displayPath(file)}${existsSync(file) ? "" : " (none: defaults)"}`);
  try {
    const settings = loadSettings(paths.prj);
    return { check: { id: "config", title, status: "ok", message: `valid: ${files.join(", ")}` }, settings };
  } catch (error) {
    return {
      check: { id: "config", title, status: "fail", message: messageOf(error), hint: hintOf(error) ?? "fix the file at the position shown", details: [`read: ${files.join(", ")}`] },
    };
  }
}

/**
 * What `prj run` would refuse in a command's windows that can be told without
 * running it: layouts and window names written without templates.
 */
async function windowProblems(loaded: LoadedCommand, mirroredPresets: boolean | undefined): Promise<string[]> {
  const { layoutProblem } = await import("../tmux/layout.ts");
  const problems: string[] = [];
  for (const [index, window] of (loaded.config.session?.windows ?? []).entries()) {
    if (window.layout === undefined || window.layout.includes("{{")) continue;
    const panes = Math.max(1, window.panes?.length ?? 0);
    const problem = layoutProblem(window.layout, { panes, mirroredPresets });
    if (!problem) continue;
    const path = ["session", "windows", index, "layout"];
    const { line, col } = loaded.source.positionOf(path);
    problems.push(`${loaded.source.displayPath}:${line}:${col} ${path.join(".")}: ${problem.problem}${problem.hint ? ` (${problem.hint})` : ""}`);
  }
  return problems;
}

async function checkCommands(paths: ProjectPaths, mirroredPresets: boolean | undefined): Promise<DoctorCheck> {
  const title = "command files";
  const { listCommandFiles, loadCommand } = await import("../config/load.ts");
  let files;
  try {
    files = listCommandFiles(paths.prj);
  } catch (error) {
    return { id: "commands", title, status: "fail", message: messageOf(error), hint: hintOf(error) };
  }
  if (files.length === 0) {
    return { id: "commands", title, status: "warn", message: "no command files in .prj/commands", hint: "`prj init` writes the default commands" };
  }
  const problems: string[] = [];
  let invalid = 0;
  for (const file of files) {
    const before = problems.length;
    try {
      problems.push(...(await windowProblems(loadCommand(paths.prj, file.name), mirroredPresets)));
    } catch (error) {
      problems.push(messageOf(error));
    }
    if (problems.length > before) invalid++;
  }
  if (problems.length > 0) {
    return {
      id: "commands",
      title,
      status: "fail",
      message: `${invalid} of ${files.length} command file${files.length === 1 ? " is" : "s are"} invalid`,
      hint: "fix each file at the position shown; `prj run NAME --dry-run` checks one",
      details: problems,
    };
  }
  return { id: "commands", title, status: "ok", message: `${files.length} command file${files.length === 1 ? "" : "s"} valid: ${files.map((file) => file.name).join(", ")}` };
}

async function checkDatabase(paths: ProjectPaths): Promise<DoctorCheck> {
  const title = "database";
  const shown = displayPath(paths.database);
  try {
    refuseLinkedDatabase(paths.database);
  } catch (error) {
    return { id: "database", title, status: "fail", message: messageOf(error), hint: hintOf(error) };
  }
  if (!existsSync(paths.database)) {
    return { id: "database", title, status: "fail", message: `no database at ${shown}`, hint: "run `prj init`; it creates the database and keeps every existing file" };
  }
  const { openStateDatabase } = await import("../state/db.ts");
  try {
    const store = openStateDatabase(paths.database, { create: false });
    try {
      const result = store.integrityCheck();
      if (result === "ok") return { id: "database", title, status: "ok", message: `${shown}: integrity ok` };
      return {
        id: "database",
        title,
        status: "fail",
        message: `${shown} failed PRAGMA integrity_check`,
        hint: `move it aside and run \`prj init\` for a fresh one (history is lost): mv ${shown} ${shown}.broken`,
        details: result.split("\n"),
      };
    } finally {
      store.close();
    }
  } catch (error) {
    return { id: "database", title, status: "fail", message: messageOf(error), hint: hintOf(error) ?? `move ${shown} aside and run \`prj init\`` };
  }
}

/**
 * What the one reconciler would change, reported rather than applied
 * (sessions/reconcile.ts `reportDrift`): prj sessions whose project or
 * worktree directory is gone, rows of sessions tmux no longer has, runs still
 * `running` whose prj is dead, and worktrees git and the database disagree on.
 * None breaks prj; each is a warning with the command that fixes it.
 */
async function checkOrphans(paths: ProjectPaths, socket: string | undefined, tmuxUsable: boolean, settings: Settings | undefined): Promise<DoctorCheck[]> {
  const { openStateDatabase } = await import("../state/db.ts");
  const { reportDrift } = await import("../sessions/reconcile.ts");
  const { TmuxManager } = await import("../tmux/manager.ts");
  const store = openStateDatabase(paths.database, { create: false });
  try {
    const checks: DoctorCheck[] = [];
    const { DEFAULT_PORT_BASE, DEFAULT_SESSION_TIMEOUT, parseDuration } = await import("../config/defaults.ts");
    // A broken project config is reported by its own check; the reconciler then reads with the defaults.
    const project = {
      root: paths.root,
      settings: settings ?? { tmux: { session_timeout_seconds: parseDuration(DEFAULT_SESSION_TIMEOUT) }, worktrees: { port_base: DEFAULT_PORT_BASE } },
    };
    const tmux = tmuxUsable ? new TmuxManager({ socket }) : undefined;
    const { observation, diff } = await reportDrift({ project, store, tmux }, { git: true });
    if (tmux && observation.live === undefined) {
      checks.push({ id: "orphan-sessions", title: "orphan sessions", status: "warn", message: "cannot list tmux sessions" });
    }
    if (observation.live !== undefined) {
      checks.push(
        diff.orphanSessions.length === 0
          ? { id: "orphan-sessions", title: "orphan sessions", status: "ok", message: "every prj session's worktree exists" }
          : {
              id: "orphan-sessions",
              title: "orphan sessions",
              status: "warn",
              message: `${diff.orphanSessions.length} prj session${diff.orphanSessions.length === 1 ? " works" : "s work"} in a directory that is gone`,
              hint: "kill each with `prj kill-session NAME`",
              details: diff.orphanSessions.map((orphan) => `${orphan.name}: ${orphan.reason}`),
            },
      );
      const dead = diff.endedSessions;
      checks.push(
        dead.length === 0
          ? { id: "orphan-rows", title: "session records", status: "ok", message: "every session recorded as live is running" }
          : {
              id: "orphan-rows",
              title: "session records",
              status: "warn",
              message: `${dead.length} session${dead.length === 1 ? " is" : "s are"} recorded as live but gone from tmux`,
              hint: "`prj reset-sessions` records them as ended",
              details: dead.map(({ row }) => `${row.name} (recorded ${localTime(row.createdAt)})`),
            },
      );
    }
    // Runs are `run` events; a kill or clean-up whose prj died is another operation, counted apart.
    const abandoned = diff.interruptedRuns;
    const runs = abandoned.filter((event) => event.kind === "run").length;
    const others = abandoned.length - runs;
    const counted = [
      runs ? `${runs} run${runs === 1 ? "" : "s"}` : "",
      others ? `${others} other operation${others === 1 ? "" : "s"} (kill, clean-up)` : "",
    ].filter(Boolean);
    checks.push(
      abandoned.length === 0
        ? { id: "orphan-runs", title: "runs", status: "ok", message: "no run is left running by a dead prj" }
        : {
            id: "orphan-runs",
            title: "runs",
            status: "warn",
            message: `${counted.join(" and ")} still marked running, but ${abandoned.length === 1 ? "its" : "their"} prj process is gone`,
            hint: "`prj reset-sessions` marks them interrupted",
            details: abandoned.map((event) => `#${event.id} ${event.kind}${event.command ? ` ${event.command}` : ""} started ${localTime(event.startedAt)}${event.pid === null ? "" : ` by pid ${event.pid}`}`),
          },
    );
    const drift = [
      ...diff.missingWorktrees.map((row) => `${row.path} (${row.branch}) is recorded, but git no longer lists it`),
      ...diff.adoptedWorktrees.map((worktree) => `${worktree.path} (${worktree.branch}) is a git worktree prj has not recorded`),
    ];
    checks.push(
      drift.length === 0
        ? { id: "worktree-records", title: "worktree records", status: "ok", message: "the database and git agree on the worktrees" }
        : {
            id: "worktree-records",
            title: "worktree records",
            status: "warn",
            message: `${drift.length} worktree${drift.length === 1 ? "" : "s"} recorded differently from what git lists`,
            hint: "`prj reset-sessions` (or `prj worktree list`) brings the record in line",
            details: drift,
          },
    );
    return checks;
  } finally {
    store.close();
  }
}

function parseVersion(text: string): { major: number; minor: number } | undefined {
  const match = /(\d+)\.(\d+)/.exec(text);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

function olderThan(version: { major: number; minor: number }, minimum: { major: number; minor: number }): boolean {
  return version.major < minimum.major || (version.major === minimum.major && version.minor < minimum.minor);
}

function isWritable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false; // the check reports it
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function hintOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "hint" in error && typeof error.hint === "string" ? error.hint : undefined;
}
