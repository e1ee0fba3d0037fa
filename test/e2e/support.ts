// Shared pieces of the end-to-end tests: they run the compiled binary, each
// against its own temp repository and its own private tmux socket.
import { Database } from "bun:sqlite";
import { afterEach, beforeAll } from "bun:test";
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { PrivateTmux, run, tempDir, type RunResult } from "../helpers/world.ts";

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
