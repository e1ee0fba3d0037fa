// Shared pieces of the end-to-end tests: the binary under test (built when its
// sources changed), and the one World every test gets: its own repository or
// directory and its own private tmux server, with readers for what tmux, git
// and the state database say.
import { Database } from "bun:sqlite";
import { afterEach, beforeAll } from "bun:test";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { expectExit, git, PrivateTmux, run, tempDir, tempGitRepo, type RunResult } from "../helpers/world.ts";

export { expectExit } from "../helpers/world.ts";

export const repoRoot = resolve(import.meta.dir, "../..");

/**
 * The prj under test: `PRJ_TEST_BINARY` (a path, relative to the current
 * directory) points every end-to-end suite at another build; dist/prj by default.
 */
const binaryOverride = process.env.PRJ_TEST_BINARY || undefined;
export const prjBinary = binaryOverride === undefined ? join(repoRoot, "dist/prj") : resolve(binaryOverride);

/** Records which sources dist/prj was built from, so a stale binary is rebuilt. */
const builtFromFile = join(repoRoot, "dist/.prj-built-from");
const buildLock = join(repoRoot, "dist/.prj-build-lock");
const BUILD_TIMEOUT_MS = 180_000;

/**
 * Makes sure the binary under test is the current sources: dist/prj is
 * (re)built when it is missing, or when src/, package.json, bun.lock or
 * scripts/build.ts changed since it was built, or when it was built by
 * something else since. With PRJ_TEST_BINARY nothing is built; that binary must exist.
 */
export async function ensureBinary(): Promise<void> {
  if (binaryOverride !== undefined) {
    if (!existsSync(prjBinary)) throw new Error(`PRJ_TEST_BINARY names ${prjBinary}, which does not exist`);
    return;
  }
  if (isBuiltFrom(sourcesHash())) return;
  await withBuildLock(async () => {
    // Hashed before building: a source saved during the build makes the next check rebuild.
    const hash = sourcesHash();
    // Another test process may have built it while this one waited for the lock.
    if (isBuiltFrom(hash)) return;
    // Built beside it and renamed over it, so a prj that another test is running keeps its file.
    const fresh = `${prjBinary}.build-${process.pid}`;
    const result = await run(["bun", "scripts/build.ts", "--outfile", fresh], { cwd: repoRoot });
    if (result.exitCode !== 0 || !existsSync(fresh)) {
      rmSync(fresh, { force: true });
      throw new Error(`building dist/prj failed (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
    }
    renameSync(fresh, prjBinary);
    writeFileSync(builtFromFile, hash);
  });
}

function isBuiltFrom(hash: string): boolean {
  if (!existsSync(prjBinary) || !existsSync(builtFromFile)) return false;
  // A binary newer than the record was built by hand, from sources unknown.
  if (statSync(prjBinary).mtimeMs > statSync(builtFromFile).mtimeMs) return false;
  return readFileSync(builtFromFile, "utf8") === hash;
}

/** A hash of what a build is made from, in a stable order. */
function sourcesHash(): string {
  const files = [...new Bun.Glob("src/**/*").scanSync({ cwd: repoRoot, onlyFiles: true }), "package.json", "bun.lock", "scripts/build.ts"];
  const hasher = new Bun.CryptoHasher("sha256");
  for (const file of files.sort()) {
    const path = join(repoRoot, file);
    hasher.update(`${file}\0`);
    if (existsSync(path)) hasher.update(readFileSync(path));
  }
  return hasher.digest("hex");
}

/** Runs `build` while holding a lock directory, so test processes running at once build one at a time. */
async function withBuildLock(build: () => Promise<void>): Promise<void> {
  mkdirSync(dirname(buildLock), { recursive: true });
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(buildLock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const takenAt = statSync(buildLock, { throwIfNoEntry: false })?.mtimeMs;
      if (takenAt === undefined) continue; // released just now
      // A lock older than any build was left by a test process that died.
      if (Date.now() - takenAt > BUILD_TIMEOUT_MS) {
        rmSync(buildLock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for another test process to build dist/prj (${buildLock})`);
      await Bun.sleep(100);
    }
  }
  try {
    await build();
  } finally {
    rmSync(buildLock, { recursive: true, force: true });
  }
}

export type Env = Record<string, string | undefined>;

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
  /** JSON text. */
  metadata: string | null;
}

export interface PaneView {
  id: string;
  pid: number;
  command: string;
  path: string;
  dead: boolean;
  window: string;
}

const EVENT_VIEW = "SELECT id, kind, status, command, session_name, error, ended_at, metadata FROM events";

/**
 * One test's world: a private tmux server that prj is pointed at through
 * PRJ_TMUX_SOCKET, and a directory to run prj in: a git project initialised
 * with `prj init` (`World.create`) or an empty directory (`World.bare`).
 * It reads back what tmux, git and the state database say.
 */
export class World {
  /**
   * This world's `XDG_DATA_HOME`: the machine-wide port registry lives there, so
   * one test's projects never hold the blocks the next test expects.
   */
  readonly dataHome = tempDir("data-");

  private constructor(
    /** The project's main checkout (its real path, as git reports it), or the empty directory. */
    readonly root: string,
    readonly tmux: PrivateTmux,
  ) {}

  /** An empty directory (not a repository) and a new private tmux server. */
  static bare(tmux: PrivateTmux = new PrivateTmux("e2e")): World {
    return new World(realpathSync(tempDir("world-")), tmux);
  }

  /**
   * A repository named `name` with one commit on main, initialised with
   * `prj init`, driving `tmux` (a new private server by default). With
   * `ignorePrj`, the first commit has a `.gitignore` of `.prj/`, so the main
   * checkout stays clean as a real project's would.
   */
  static async create(name = "myproject", options: { tmux?: PrivateTmux; ignorePrj?: boolean } = {}): Promise<World> {
    const files: Record<string, string> = options.ignorePrj ? { ".gitignore": ".prj/\n" } : {};
    const root = realpathSync(await tempGitRepo(name, files));
    const world = new World(root, options.tmux ?? new PrivateTmux("ses"));
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
  env(env: Env = {}): Env {
    return { PRJ_TMUX_SOCKET: this.socket, XDG_DATA_HOME: this.dataHome, ...env };
  }

  /** Runs the prj under test in `cwd` (the world's directory by default) against this world's tmux server. */
  prj(args: string[], options: { cwd?: string; env?: Env } = {}): Promise<RunResult> {
    return run([prjBinary, ...args], { cwd: options.cwd ?? this.root, env: this.env(options.env) });
  }

  /** Starts prj without waiting for it, to signal it. */
  spawnPrj(args: string[], options: { cwd?: string; env?: Env } = {}) {
    const env = { ...process.env, ...this.env(options.env) };
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
    return Bun.spawn([prjBinary, ...args], {
      cwd: options.cwd ?? this.root,
      env: env as Record<string, string>,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
  }

  // ---- files ----

  /** Writes a file relative to the world's directory, creating its directory. */
  writeFile(relative: string, text: string, mode = 0o644): string {
    const path = join(this.root, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text, { mode });
    return path;
  }

  /** Writes `.prj/commands/NAME.yaml`. */
  writeCommand(name: string, yaml: string): void {
    this.writeFile(`.prj/commands/${name}.yaml`, yaml);
  }

  /** Writes `.prj/steps/FILE`, executable unless told otherwise. */
  writeStep(file: string, script: string, executable = true): void {
    const path = this.writeFile(`.prj/steps/${file}`, script);
    chmodSync(path, executable ? 0o755 : 0o644);
  }

  /** Replaces `.prj/configs/project.yaml`. */
  writeProjectConfig(yaml: string): void {
    this.writeFile(".prj/configs/project.yaml", yaml);
  }

  // ---- git ----

  git(...args: string[]): Promise<string> {
    return git(this.root, ...args);
  }

  async branches(): Promise<string[]> {
    return (await this.git("branch", "--format=%(refname:short)")).split("\n").filter(Boolean);
  }

  /** The paths of the repository's worktrees, the main checkout first. */
  async worktrees(): Promise<string[]> {
    const text = await this.git("worktree", "list", "--porcelain");
    return text.split("\n").filter((line) => line.startsWith("worktree ")).map((line) => line.slice(9));
  }

  /** Where the default worktree of a branch goes: `../worktrees/<project>-<slug>`. */
  worktreePath(slug: string): string {
    return join(dirname(this.root), "worktrees", `${basename(this.root)}-${slug}`);
  }

  // ---- tmux ----

  /** The names of the sessions on this world's server. */
  sessions(): Promise<string[]> {
    return this.tmux.sessionNames();
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

  /** The value a session's environment has for `key`, or undefined when it has none. */
  async sessionEnv(session: string, key: string): Promise<string | undefined> {
    const result = await this.tmux.tmux("show-environment", "-t", `=${session}:`, key);
    const line = result.stdout.replace(/\n$/, "");
    // tmux prints `-KEY` for a variable removed from the session's environment.
    if (result.exitCode !== 0 || !line.startsWith(`${key}=`)) return undefined;
    return line.slice(key.length + 1);
  }

  /** `#{session_id}` of a live session (exact name), or undefined when there is none. */
  async sessionId(name: string): Promise<string | undefined> {
    const result = await this.tmux.tmux("display-message", "-p", "-t", `=${name}:`, "#{session_id}");
    // A server that is exiting (its last session just went) may answer 0 with nothing: no session either way.
    const id = result.stdout.trim();
    return result.exitCode === 0 && id.startsWith("$") ? id : undefined;
  }

  /** Every pane of a session: id, pid, current command, path, dead flag, window name. */
  async panes(session: string): Promise<PaneView[]> {
    const out = await this.tmuxOut(
      "list-panes", "-s", "-t", `=${session}:`, "-F", "#{pane_id}\t#{pane_pid}\t#{pane_current_command}\t#{pane_current_path}\t#{pane_dead}\t#{window_name}",
    );
    return out.split("\n").filter(Boolean).map((line) => {
      const [id, pid, command, path, dead, window] = line.split("\t");
      return { id: id!, pid: Number(pid), command: command!, path: path!, dead: dead === "1", window: window! };
    });
  }

  /** The socket file tmux would create for this server (under the test's private TMUX_TMPDIR). */
  socketPath(): string {
    return join(process.env.TMUX_TMPDIR!, `tmux-${process.getuid!()}`, this.tmux.socket);
  }

  /** No server answers on the socket, and no socket file was left behind. */
  async expectNoTmuxServer(): Promise<void> {
    const listed = await this.tmux.tmux("list-sessions");
    if (listed.exitCode === 0 && listed.stdout.trim() !== "") {
      throw new Error(`expected no tmux sessions, found:\n${listed.stdout}`);
    }
    if (existsSync(this.socketPath())) throw new Error(`tmux socket ${this.socketPath()} exists`);
  }

  // ---- the state database ----

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

  /** Events in the order they were recorded, all or of one kind. */
  events(kind?: string): EventRowView[] {
    return kind === undefined
      ? this.query<EventRowView>(`${EVENT_VIEW} ORDER BY id`)
      : this.query<EventRowView>(`${EVENT_VIEW} WHERE kind = ? ORDER BY id`, kind);
  }

  event(id: number): EventRowView | undefined {
    return this.query<EventRowView>(`${EVENT_VIEW} WHERE id = ?`, id)[0];
  }

  runEvents(): EventRowView[] {
    return this.events("run");
  }

  lastRun(): EventRowView {
    const last = this.runEvents().at(-1);
    if (!last) throw new Error("no run event recorded");
    return last;
  }

  /** The step logs of an event: file name → content. */
  artifacts(eventId: number): Record<string, string> {
    const dir = join(this.root, ".prj/artifacts", String(eventId));
    if (!existsSync(dir)) return {};
    return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name), "utf8")]));
  }

  /** Kills the private server; fine when none runs. */
  async dispose(): Promise<void> {
    await this.tmux.dispose();
  }
}

/** The world factory of an e2e file, with its hooks registered (see perTest). */
export function worlds(options: { ignorePrj?: boolean } = {}): (name?: string, tmux?: PrivateTmux) => Promise<World> {
  return perTest((name?: string, tmux?: PrivateTmux) => World.create(name, { ...options, tmux }));
}

/** Parses stdout as the one JSON document `--json` promises, showing the output when it is not. */
export function jsonOf<T = any>(result: RunResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${result.exitCode}):\n${result.stdout}\nstderr:\n${result.stderr}`);
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

/**
 * Every path under `root` with its type and mode, and for files and links
 * their mtime and content. Directory mtimes are left out on purpose: SQLite
 * creates and deletes `-wal`/`-shm` files beside the database while it is
 * open, which moves the directory's mtime without any lasting change; every
 * lasting change still shows up here as a path, a mode, an mtime or content.
 * A `-shm` file is SQLite's shared-memory index of the log, which every
 * reader updates and the first opener rebuilds: only its presence and mode count.
 */
export function snapshotTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const key = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(path);
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isSymbolicLink()) out[key] = `link ${mode} -> ${readlinkSync(path)}`;
      else if (stat.isDirectory()) {
        out[key] = `dir ${mode}`;
        walk(path, key);
      } else if (name.endsWith("-shm")) {
        out[key] = `file ${mode}`;
      } else {
        const hash = new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");
        out[key] = `file ${mode} ${stat.size} ${stat.mtimeMs} ${hash}`;
      }
    }
  };
  walk(root, "");
  return out;
}

export interface RowCounts {
  events: number;
  sessions: number;
  worktrees: number;
}

/**
 * Row counts of the state database, read from a copy so that opening it
 * (SQLite leaves `-shm`/`-wal` behind even for a read-only connection) never
 * changes the project being observed.
 */
export function countRows(database: string): RowCounts {
  const copyDir = tempDir("dbcopy-");
  const copy = join(copyDir, "copy.db");
  copyFileSync(database, copy);
  if (existsSync(`${database}-wal`)) copyFileSync(`${database}-wal`, `${copy}-wal`);
  const db = new Database(copy, { readonly: true });
  try {
    const count = (table: string) => (db.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { events: count("events"), sessions: count("sessions"), worktrees: count("worktrees") };
  } finally {
    db.close();
  }
}

/** A stack trace line, as Bun and V8 print them. */
export const STACK_LINE = /^\s{4}at /m;

interface Disposable {
  dispose(): unknown;
}

/**
 * Registers the hooks every end-to-end file needs (the binary is built once;
 * whatever a test made is disposed after it) and returns the factory to make
 * those things with.
 */
export function perTest<A extends unknown[], T extends Disposable | Promise<Disposable>>(
  create: (...args: A) => T,
): (...args: A) => T {
  const made: Promise<Disposable>[] = [];
  beforeAll(ensureBinary, BUILD_TIMEOUT_MS);
  afterEach(async () => {
    const worlds = await Promise.all(made.splice(0));
    await Promise.all(worlds.map((world) => world.dispose()));
  });
  return (...args: A) => {
    const value = create(...args);
    made.push(Promise.resolve(value));
    return value;
  };
}
