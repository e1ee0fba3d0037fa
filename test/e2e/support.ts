// Shared pieces of the end-to-end tests: they run the compiled binary, each
// against its own temp repository and its own private tmux socket.
import { Database } from "bun:sqlite";
import { afterEach, beforeAll } from "bun:test";
import { copyFileSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { PrivateTmux, run, tempDir, type RunResult } from "../helpers/world.ts";

export const repoRoot = resolve(import.meta.dir, "../..");
export const prjBinary = join(repoRoot, "dist/prj");

/**
 * Builds dist/prj when it is missing, so `bun test test/e2e` works on a fresh
 * checkout; nothing to do when PRJ_TEST_BINARY points the tests at another build.
 */
export async function ensureBinary(): Promise<void> {
  if (process.env.PRJ_TEST_BINARY || existsSync(prjBinary)) return;
  const result = await run(["bun", "run", "build"], { cwd: repoRoot });
  if (result.exitCode !== 0 || !existsSync(prjBinary)) {
    throw new Error(`bun run build failed (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** One test's world: a private tmux socket that prj is pointed at through PRJ_TMUX_SOCKET. */
export class E2EWorld {
  readonly tmux = new PrivateTmux("e2e");

  /** Runs dist/prj in `cwd`; `env` adds to (or, with undefined, removes from) the test environment. */
  prj(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<RunResult> {
    return run([prjBinary, ...args], { cwd, env: { PRJ_TMUX_SOCKET: this.tmux.socket, ...env } });
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

  /** Kills the private server; fine when none runs. */
  async dispose(): Promise<void> {
    await this.tmux.dispose();
  }
}

/**
 * Every path under `root` with its type and mode, and for files and links
 * their mtime and content. Directory mtimes are left out on purpose: SQLite
 * creates and deletes `-wal`/`-shm` files beside the database while it is
 * open, which moves the directory's mtime without any lasting change; every
 * lasting change still shows up here as a path, a mode, an mtime or content.
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

/** Throws with the whole output when an exit status is not the expected one, so a failure shows why. */
export function expectExit(result: RunResult, code: number): RunResult {
  if (result.exitCode !== code) {
    throw new Error(`expected exit ${code}, got ${result.exitCode}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return result;
}

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
  beforeAll(ensureBinary, 120_000);
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
