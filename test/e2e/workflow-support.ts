// Shared pieces of the workflow and worktree end-to-end tests: a git project
// initialised with prj, a private tmux server, and readers for the state
// database and artifacts. Every test runs the compiled binary.
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync, chmodSync } from "node:fs";
import { dirname, join } from "node:path";
import { git, PrivateTmux, run, tempDir, type RunResult } from "../helpers/world.ts";
import { expectExit, prjBinary } from "./support.ts";

export { expectExit } from "./support.ts";

export interface EventRow {
  id: number;
  kind: string;
  status: string;
  command: string | null;
  error: string | null;
  metadata: string | null;
}

/** A git project with `.prj/` and its own tmux server; `dispose()` kills the server. */
export class Project {
  readonly tmux = new PrivateTmux("wf");

  private constructor(
    /** The main checkout (real path, as git reports it). */
    readonly root: string,
    readonly name: string,
  ) {}

  /** A repository with one commit on main, initialised with `prj init`. */
  static async create(name = "proj"): Promise<Project> {
    const parent = realpathSync(tempDir("wf-"));
    const root = join(parent, name);
    mkdirSync(root);
    await git(root, "init", "-q", "-b", "main");
    writeFileSync(join(root, "README.md"), "# test\n");
    // .prj's own files stay out of `git status`, as they would in a real project.
    writeFileSync(join(root, ".gitignore"), ".prj/\n");
    await git(root, "add", ".");
    await git(root, "commit", "-q", "-m", "initial");
    const project = new Project(root, name);
    expectExit(await project.prj(["init"]), 0);
    return project;
  }

  /** Where the default worktree of a branch goes: `../worktrees/<project>-<slug>`. */
  worktreePath(slug: string): string {
    return join(dirname(this.root), "worktrees", `${this.name}-${slug}`);
  }

  prj(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<RunResult> {
    return run([prjBinary, ...args], { cwd: options.cwd ?? this.root, env: { PRJ_TMUX_SOCKET: this.tmux.socket, ...options.env } });
  }

  /** Starts `prj …` without waiting, for signals. */
  spawnPrj(args: string[]) {
    return Bun.spawn([prjBinary, ...args], {
      cwd: this.root,
      env: { ...process.env, PRJ_TMUX_SOCKET: this.tmux.socket } as Record<string, string>,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
  }

  writeCommand(name: string, yaml: string): void {
    writeFileSync(join(this.root, ".prj/commands", `${name}.yaml`), yaml);
  }

  writeStep(file: string, script: string, executable = true): void {
    const path = join(this.root, ".prj/steps", file);
    writeFileSync(path, script);
    chmodSync(path, executable ? 0o755 : 0o644);
  }

  git(...args: string[]): Promise<string> {
    return git(this.root, ...args);
  }

  async branches(): Promise<string[]> {
    return (await this.git("branch", "--format=%(refname:short)")).split("\n").filter(Boolean);
  }

  async worktrees(): Promise<string[]> {
    const text = await this.git("worktree", "list", "--porcelain");
    return text.split("\n").filter((line) => line.startsWith("worktree ")).map((line) => line.slice(9));
  }

  sessions(): Promise<string[]> {
    return this.tmux.sessionNames();
  }

  /** A tmux session's environment variable, as the session has it. */
  async sessionEnv(session: string, key: string): Promise<string | undefined> {
    const result = await this.tmux.tmux("show-environment", "-t", `=${session}`, key);
    return result.exitCode === 0 ? result.stdout.trim().slice(key.length + 1) : undefined;
  }

  query<T>(sql: string, ...params: (string | number)[]): T[] {
    const db = new Database(join(this.root, ".prj/prunejuice.db"), { readonly: true });
    try {
      return db.query(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }

  events(kind?: string): EventRow[] {
    return kind
      ? this.query<EventRow>("SELECT id, kind, status, command, error, metadata FROM events WHERE kind = ? ORDER BY id", kind)
      : this.query<EventRow>("SELECT id, kind, status, command, error, metadata FROM events ORDER BY id");
  }

  lastRun(): EventRow {
    const runs = this.events("run");
    const last = runs[runs.length - 1];
    if (!last) throw new Error("no run event recorded");
    return last;
  }

  /** The step logs of an event: file name → content. */
  artifacts(eventId: number): Record<string, string> {
    const dir = join(this.root, ".prj/artifacts", String(eventId));
    if (!existsSync(dir)) return {};
    return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name), "utf8")]));
  }

  async dispose(): Promise<void> {
    await this.tmux.dispose();
  }
}

/** True while a process with this pid exists and has not ended (a zombie waiting to be reaped has ended). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // "pid (comm) S …": the state follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc (macOS): kill(0) is all we have
  }
}

/** A pid a step wrote to a file, once the file is there and complete. */
export function readPid(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, "utf8");
  return text.endsWith("\n") ? Number(text.trim()) : undefined;
}
