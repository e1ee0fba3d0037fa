// Shared pieces of the session end-to-end tests (sessions, session-commands,
// session-faults): a git repository initialised with `prj init`, its own
// private tmux server that the compiled binary is pointed at through
// PRJ_TMUX_SOCKET, and readers for what tmux and the state database say.
import { Database } from "bun:sqlite";
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { PrivateTmux, run, tempGitRepo, type RunResult } from "../helpers/world.ts";
import { expectExit, perTest, prjBinary } from "./support.ts";

export { ensureBinary, expectExit, prjBinary } from "./support.ts";


/** Parses stdout as the one JSON document `--json` promises, showing the output when it is not. */
export function jsonOf<T = any>(result: RunResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${result.exitCode}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

export interface SessionRowView {
  id: number;
  name: string;
  project_path: string;
  worktree: string;
  task: string;
  command: string | null;
  socket: string | null;
  ended_at: string | null;
  end_reason: string | null;
}

export interface EventRowView {
  id: number;
  kind: string;
  status: string;
  command: string | null;
  session_name: string | null;
  error: string | null;
  ended_at: string | null;
}

/** A repository with `.prj/` and a tmux server of its own (shared with other worlds through `tmux`). */
export class SessionWorld {
  private constructor(
    readonly root: string,
    readonly tmux: PrivateTmux,
  ) {}

  /** A fresh repository named `name`, initialised with `prj init`, driving `tmux` (a new private server by default). */
  static async create(name = "myproject", tmux: PrivateTmux = new PrivateTmux("ses")): Promise<SessionWorld> {
    const root = realpathSync(await tempGitRepo(name));
    const world = new SessionWorld(root, tmux);
    expectExit(await world.prj(["init"]), 0);
    return world;
  }

  get socket(): string {
    return this.tmux.socket;
  }

  get database(): string {
    return join(this.root, ".prj", "prunejuice.db");
  }

  /** The environment a prj of this world runs with; `env` adds to it (undefined removes). */
  env(env: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return { PRJ_TMUX_SOCKET: this.socket, ...env };
  }

  /** Runs dist/prj in the repository (or `cwd`) against this world's tmux server. */
  prj(args: string[], env: Record<string, string | undefined> = {}, cwd = this.root): Promise<RunResult> {
    return run([prjBinary, ...args], { cwd, env: this.env(env) });
  }

  /** Writes `.prj/commands/NAME.yaml`. */
  writeCommand(name: string, yaml: string): void {
    writeFileSync(join(this.root, ".prj", "commands", `${name}.yaml`), yaml);
  }

  /** Writes a file relative to the repository, creating its directory. */
  writeFile(relative: string, text: string, mode = 0o644): string {
    const path = join(this.root, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text, { mode });
    return path;
  }

  /** Replaces `.prj/configs/project.yaml`. */
  writeProjectConfig(yaml: string): void {
    this.writeFile(".prj/configs/project.yaml", yaml);
  }

  /** tmux stdout with the trailing newline removed; throws when tmux fails. */
  async tmuxOut(...args: string[]): Promise<string> {
    return (await this.tmux.ok(...args)).replace(/\n$/, "");
  }

  /** One format expanded against an exact target (`=session:`, a window or a pane id). */
  display(target: string, format: string): Promise<string> {
    return this.tmuxOut("display-message", "-p", "-t", target, format);
  }

  /** A session's user option, read with an exact target. */
  option(session: string, option: string): Promise<string> {
    return this.tmuxOut("show-options", "-t", `=${session}:`, "-v", option);
  }

  /** `KEY=value` as `show-environment` prints it, or undefined when tmux does not know the key. */
  async sessionEnvironment(session: string, key: string): Promise<string | undefined> {
    const result = await this.tmux.tmux("show-environment", "-t", `=${session}:`, key);
    if (result.exitCode !== 0) return undefined;
    return result.stdout.replace(/\n$/, "");
  }

  /** `#{session_id}` of a live session (exact name), or undefined when there is none. */
  async sessionId(name: string): Promise<string | undefined> {
    const result = await this.tmux.tmux("display-message", "-p", "-t", `=${name}:`, "#{session_id}");
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  }

  /** Every pane of a session: id, pid, current command, path, dead flag. */
  async panes(session: string): Promise<{ id: string; pid: number; command: string; path: string; dead: boolean; window: string }[]> {
    const out = await this.tmuxOut(
      "list-panes", "-s", "-t", `=${session}:`, "-F", "#{pane_id}\t#{pane_pid}\t#{pane_current_command}\t#{pane_current_path}\t#{pane_dead}\t#{window_name}",
    );
    return out.split("\n").filter(Boolean).map((line) => {
      const [id, pid, command, path, dead, window] = line.split("\t");
      return { id: id!, pid: Number(pid), command: command!, path: path!, dead: dead === "1", window: window! };
    });
  }

  /** Opens the state database; the caller closes it. */
  openDatabase(readonly = true): Database {
    return readonly ? new Database(this.database, { readonly: true }) : new Database(this.database);
  }

  /** Reads from the database with a short-lived connection. */
  query<T>(sql: string, ...params: (string | number | null)[]): T[] {
    const db = this.openDatabase();
    try {
      return db.query(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }

  sessionRows(name?: string): SessionRowView[] {
    const sql = `SELECT id, name, project_path, worktree, task, command, socket, ended_at, end_reason FROM sessions`;
    return name === undefined
      ? this.query<SessionRowView>(`${sql} ORDER BY id`)
      : this.query<SessionRowView>(`${sql} WHERE name = ? ORDER BY id`, name);
  }

  event(id: number): EventRowView | undefined {
    return this.query<EventRowView>(
      `SELECT id, kind, status, command, session_name, error, ended_at FROM events WHERE id = ?`,
      id,
    )[0];
  }

  runEvents(): EventRowView[] {
    return this.query<EventRowView>(
      `SELECT id, kind, status, command, session_name, error, ended_at FROM events WHERE kind = 'run' ORDER BY id`,
    );
  }

  /** Kills the server; fine when none runs. */
  async dispose(): Promise<void> {
    await this.tmux.dispose();
  }
}

/** The world factory of the session test files, with its hooks registered (see perTest). */
export function sessionWorlds(): (name?: string, tmux?: PrivateTmux) => Promise<SessionWorld> {
  return perTest((name = "myproject", tmux?: PrivateTmux) => SessionWorld.create(name, tmux));
}
