// The state database: what prj has created, run and removed, shared by every
// prj process of the user. Callers import this module lazily, so commands that
// never touch state do not pay for bun:sqlite.
import { Database, SQLiteError, type SQLQueryBindings } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname, isAbsolute } from "node:path";
import { PrjError, StateError } from "../errors.ts";
import { lowestFree } from "../worktrees/ports.ts";
import { migrations } from "./migrations.ts";

export type EventKind =
  | "run"
  | "session.created"
  | "session.reused"
  | "session.killed"
  | "session.ended"
  | "session.adopted"
  | "worktree.created"
  | "worktree.removed"
  | "cleanup"
  | "error";

export type EventStatus = "running" | "succeeded" | "failed" | "cancelled" | "interrupted";

/** How a session ended: killed by the user, by a cleanup, found gone from tmux, or undone after a failed run. */
export type SessionEndReason = "killed" | "cleanup" | "gone" | "rollback";

export interface EventRow {
  id: number;
  kind: EventKind;
  status: EventStatus;
  command: string | null;
  sessionName: string | null;
  worktree: string | null;
  projectPath: string;
  startedAt: string;
  endedAt: string | null;
  exitCode: number | null;
  error: string | null;
  metadata: Record<string, unknown> | null;
  pid: number | null;
}

export interface SessionRow {
  id: number;
  name: string;
  tmuxId: string | null;
  projectPath: string;
  worktree: string;
  worktreePath: string | null;
  task: string;
  command: string | null;
  workingDirectory: string;
  /** null is tmux's default server. */
  socket: string | null;
  createdAt: string;
  endedAt: string | null;
  endReason: SessionEndReason | null;
  eventId: number | null;
}

export interface WorktreeRow {
  id: number;
  projectPath: string;
  path: string;
  branch: string;
  port: number;
  createdAt: string;
  removedAt: string | null;
}

export interface StartEventInput {
  kind: EventKind;
  command?: string | null;
  sessionName?: string | null;
  worktree?: string | null;
  projectPath: string;
  /** Stored as JSON. Redact secrets before passing it in. */
  metadata?: object | null;
  /** Defaults to `running`. */
  status?: EventStatus;
  /** The prj process that will finish the event; defaults to this process. */
  pid?: number | null;
  startedAt?: string;
}

export interface FinishEventInput {
  status: Exclude<EventStatus, "running">;
  exitCode?: number | null;
  error?: string | null;
  endedAt?: string;
}

export interface RecordEventInput extends Omit<StartEventInput, "status"> {
  status: EventStatus;
  endedAt?: string | null;
  exitCode?: number | null;
  error?: string | null;
}

export interface ListEventsInput {
  projectPath: string;
  limit?: number;
  status?: EventStatus;
  command?: string;
}

export interface InsertSessionInput {
  name: string;
  tmuxId?: string | null;
  projectPath: string;
  worktree: string;
  worktreePath?: string | null;
  task: string;
  command?: string | null;
  workingDirectory: string;
  /** The tmux socket name or path; null, undefined or "" mean tmux's default server. */
  socket?: string | null;
  createdAt?: string;
  eventId?: number | null;
}

export interface UpsertWorktreeInput {
  projectPath: string;
  path: string;
  branch: string;
  /** First port of the project's blocks; a worktree gets `portBase + 10 * n`. */
  portBase: number;
}

export interface InsertSampleInput {
  sessionName: string;
  processes: number | null;
  cpuPercent: number | null;
  rssBytes: number | null;
  takenAt?: string;
}

const BUSY_TIMEOUT_MS = 10_000;
const MAX_PORT = 65_535;

// Selecting with camelCase aliases lets rows come back in their exported
// shape without a mapping pass (events still need their JSON parsed).
const EVENT_COLUMNS = `id, kind, status, command, session_name AS sessionName, worktree,
  project_path AS projectPath, started_at AS startedAt, ended_at AS endedAt,
  exit_code AS exitCode, error, metadata, pid`;
const SESSION_COLUMNS = `id, name, tmux_id AS tmuxId, project_path AS projectPath, worktree,
  worktree_path AS worktreePath, task, command, working_directory AS workingDirectory, socket,
  created_at AS createdAt, ended_at AS endedAt, end_reason AS endReason, event_id AS eventId`;
const WORKTREE_COLUMNS = `id, project_path AS projectPath, path, branch, port,
  created_at AS createdAt, removed_at AS removedAt`;

type RawEventRow = Omit<EventRow, "metadata"> & { metadata: string | null };

/**
 * Opens (and, with `create`, creates) the state database at an absolute path,
 * brings its schema up to date, and returns the store.
 *
 * Without `create`, a missing file is a StateError telling the user to run
 * `prj init`, so read-only commands never leave an empty database behind.
 */
export function openStateDatabase(path: string, options: { create: boolean }): StateStore {
  // A relative path would follow the cwd, and prj runs from anywhere inside a project.
  if (!isAbsolute(path)) throw new StateError(`state database path must be absolute, got "${path}"`);
  if (!existsSync(path)) {
    if (!options.create) {
      throw new StateError(`no state database at ${path}`, { hint: "run `prj init`" });
    }
    createPrivateFile(path);
  }

  let db: Database;
  try {
    db = new Database(path, { readwrite: true, create: false, strict: true });
  } catch (error) {
    throw toStateError(`open the state database at ${path}`, error);
  }
  try {
    configure(db, path);
    migrate(db, path);
    // SQLite creates -wal and -shm with the database file's mode, but only on
    // first use, and a file someone else created may be looser; fix both now
    // that the migration check has made them exist.
    for (const suffix of ["-wal", "-shm"]) {
      if (existsSync(path + suffix)) chmodSync(path + suffix, 0o600);
    }
  } catch (error) {
    db.close();
    throw toStateError(`prepare the state database at ${path}`, error);
  }
  return new StateStore(db, path);
}

/** Whether a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The state database behind one connection. Every method wraps SQLite failures
 * in a StateError; statements are cached by `Database.query`.
 */
export class StateStore {
  readonly path: string;
  private readonly db: Database;
  private savepointDepth = 0;
  private asyncTail: Promise<void> = Promise.resolve();

  constructor(db: Database, path: string) {
    this.db = db;
    this.path = path;
  }

  /** Closes the connection; safe to call twice. */
  close(): void {
    this.db.close();
  }

  /** The schema version (`PRAGMA user_version`). */
  schemaVersion(): number {
    return this.guard("read the schema version", () => readUserVersion(this.db));
  }

  /**
   * Runs `fn` inside `BEGIN IMMEDIATE … COMMIT`, rolling back if it throws.
   * IMMEDIATE takes the write lock up front, so a second prj waits here (up to
   * the busy timeout) instead of failing later with SQLITE_BUSY; that is what
   * makes "check tmux → create session → record" atomic across processes.
   * Nested calls become savepoints. `fn` must be synchronous.
   */
  immediate<T>(fn: () => T): T {
    if (this.db.inTransaction) return this.savepoint(fn);
    this.begin();
    let result: T;
    try {
      result = fn();
      assertSynchronous(result);
    } catch (error) {
      this.rollbackAfter(error);
      throw error;
    }
    this.commit();
    return result;
  }

  /**
   * Like `immediate`, for work that must await (spawning tmux). The write lock
   * is held across the awaits, so other prj processes wait, up to the busy
   * timeout; keep the work short. Async transactions of this store run one at
   * a time, and a store call made while one is open joins it.
   */
  async immediateAsync<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.asyncTail;
    let release!: () => void;
    this.asyncTail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      if (this.db.inTransaction) {
        throw new TypeError("immediateAsync cannot run inside a synchronous transaction");
      }
      this.begin();
      let result: T;
      try {
        result = await fn();
      } catch (error) {
        this.rollbackAfter(error);
        throw error;
      }
      this.commit();
      return result;
    } finally {
      release();
    }
  }

  // ---- events ----

  /** Records the start of an event (status `running` unless given) and returns its id. */
  startEvent(input: StartEventInput): number {
    const status = input.status ?? "running";
    return this.insertEvent("start an event", {
      ...input,
      status,
      pid: input.pid === undefined ? process.pid : input.pid,
    });
  }

  /** Records how an event ended. */
  finishEvent(id: number, input: FinishEventInput): void {
    this.guard(`finish event #${id}`, () => {
      const changes = this.db
        .query<never, SQLQueryBindings>(
          `UPDATE events SET status = $status, exit_code = $exitCode, error = $error, ended_at = $endedAt
           WHERE id = $id`,
        )
        .run({
          id,
          status: input.status,
          exitCode: input.exitCode ?? null,
          error: input.error ?? null,
          endedAt: input.endedAt ?? nowIso(),
        }).changes;
      if (changes === 0) throw new StateError(`cannot finish event #${id}: no such event`);
    });
  }

  /** Records an event in one go (usually one that has already finished) and returns its id. */
  recordEvent(input: RecordEventInput): number {
    // Only a running event needs an owner to tell whether it was abandoned.
    const pid = input.pid !== undefined ? input.pid : input.status === "running" ? process.pid : null;
    return this.insertEvent("record an event", { ...input, pid });
  }

  /** A project's events, newest first, optionally filtered by status and command. */
  listEvents(input: ListEventsInput): EventRow[] {
    return this.guard("list events", () =>
      this.db
        .query<RawEventRow, SQLQueryBindings>(
          `SELECT ${EVENT_COLUMNS} FROM events
           WHERE project_path = $projectPath
             AND ($status IS NULL OR status = $status)
             AND ($command IS NULL OR command = $command)
           ORDER BY started_at DESC, id DESC
           LIMIT $limit`,
        )
        .all({
          projectPath: input.projectPath,
          status: input.status ?? null,
          command: input.command ?? null,
          // A negative LIMIT is SQLite for "no limit".
          limit: input.limit ?? -1,
        })
        .map(parseEvent),
    );
  }

  /**
   * Marks a project's running events as `interrupted` when the prj process that
   * owns them is gone (or was never recorded), and returns how many it marked.
   * A pid the system has since reused keeps its event running until that
   * process ends too; that is the price of not guessing from timestamps.
   */
  markInterruptedEvents(projectPath: string, isAlive: (pid: number) => boolean, endedAt = nowIso()): number {
    const running = this.guard("read running events", () =>
      this.db
        .query<{ id: number; pid: number | null }, SQLQueryBindings>(
          `SELECT id, pid FROM events WHERE project_path = $projectPath AND status = 'running'`,
        )
        .all({ projectPath }),
    );
    const abandoned = running.filter((event) => event.pid === null || !isAlive(event.pid));
    if (abandoned.length === 0) return 0;
    return this.guard("mark interrupted events", () =>
      this.immediate(() => {
        let marked = 0;
        for (const event of abandoned) {
          // The status check keeps an event its owner finished in the meantime.
          marked += this.db
            .query<never, SQLQueryBindings>(
              `UPDATE events SET status = 'interrupted', ended_at = $endedAt, error = $error
               WHERE id = $id AND status = 'running'`,
            )
            .run({
              id: event.id,
              endedAt,
              error:
                event.pid === null
                  ? "no prj process owned this event"
                  : `prj process ${event.pid} ended before finishing this event`,
            }).changes;
        }
        return marked;
      }),
    );
  }

  // ---- sessions ----

  /**
   * Records a live session and returns its id. A second live session with the
   * same name on the same tmux server is a StateError: tmux itself would have
   * refused it, so the database must be out of date.
   */
  insertSession(input: InsertSessionInput): number {
    const socket = input.socket || null;
    try {
      return Number(
        this.db
          .query<never, SQLQueryBindings>(
            `INSERT INTO sessions (name, tmux_id, project_path, worktree, worktree_path, task, command,
               working_directory, socket, created_at, event_id)
             VALUES ($name, $tmuxId, $projectPath, $worktree, $worktreePath, $task, $command,
               $workingDirectory, $socket, $createdAt, $eventId)`,
          )
          .run({
            name: input.name,
            tmuxId: input.tmuxId ?? null,
            projectPath: input.projectPath,
            worktree: input.worktree,
            worktreePath: input.worktreePath ?? null,
            task: input.task,
            command: input.command ?? null,
            workingDirectory: input.workingDirectory,
            socket,
            createdAt: input.createdAt ?? nowIso(),
            eventId: input.eventId ?? null,
          }).lastInsertRowid,
      );
    } catch (error) {
      if (error instanceof SQLiteError && error.code === "SQLITE_CONSTRAINT_UNIQUE") {
        const where = socket === null ? "" : ` on tmux socket ${socket}`;
        throw new StateError(`a live session named "${input.name}"${where} is already recorded`, {
          hint: "run `prj reset-sessions` if it no longer exists in tmux",
          cause: error,
        });
      }
      throw toStateError(`record session "${input.name}"`, error);
    }
  }

  /** Sessions not recorded as ended, oldest first; all projects when `projectPath` is omitted. */
  liveSessions(projectPath?: string): SessionRow[] {
    return this.guard("list live sessions", () =>
      this.db
        .query<SessionRow, SQLQueryBindings>(
          `SELECT ${SESSION_COLUMNS} FROM sessions
           WHERE ended_at IS NULL AND ($projectPath IS NULL OR project_path = $projectPath)
           ORDER BY created_at, id`,
        )
        .all({ projectPath: projectPath ?? null }),
    );
  }

  /** The live session with this exact name on this tmux server (null/undefined: the default server). */
  findLiveSession(name: string, socket?: string | null): SessionRow | undefined {
    return this.guard(`look up session "${name}"`, () => {
      // Same expression as the sessions_live_name index, so the index answers it.
      const row = this.db
        .query<SessionRow, SQLQueryBindings>(
          `SELECT ${SESSION_COLUMNS} FROM sessions
           WHERE name = $name AND COALESCE(socket, '') = $socketKey AND ended_at IS NULL`,
        )
        .get({ name, socketKey: socket ?? "" });
      return row ?? undefined;
    });
  }

  /**
   * Records that a session ended. Ending an already-ended session keeps the
   * first record, so a kill racing a `reset-sessions` is harmless.
   */
  endSession(id: number, input: { reason: SessionEndReason; endedAt?: string }): void {
    this.guard(`end session #${id}`, () => {
      const changes = this.db
        .query<never, SQLQueryBindings>(
          `UPDATE sessions SET ended_at = $endedAt, end_reason = $reason WHERE id = $id AND ended_at IS NULL`,
        )
        .run({ id, reason: input.reason, endedAt: input.endedAt ?? nowIso() }).changes;
      if (changes > 0) return;
      const exists = this.db.query<{ id: number }, SQLQueryBindings>(`SELECT id FROM sessions WHERE id = $id`).get({ id });
      if (!exists) throw new StateError(`cannot end session #${id}: no such session`);
    });
  }

  /** Every recorded session of this name in this project, newest first. */
  sessionHistory(name: string, projectPath: string): SessionRow[] {
    return this.guard(`read the history of session "${name}"`, () =>
      this.db
        .query<SessionRow, SQLQueryBindings>(
          `SELECT ${SESSION_COLUMNS} FROM sessions WHERE name = $name AND project_path = $projectPath
           ORDER BY created_at DESC, id DESC`,
        )
        .all({ name, projectPath }),
    );
  }

  // ---- worktrees ----

  /**
   * Records a worktree, or updates its branch, and returns it. A new worktree
   * (or one recorded as removed) gets the lowest port block of its project
   * that no live worktree holds; a live one keeps its port, so `{{port}}`
   * stays stable for as long as the worktree exists.
   */
  upsertWorktree(input: UpsertWorktreeInput): WorktreeRow {
    if (!Number.isInteger(input.portBase) || input.portBase < 1 || input.portBase > MAX_PORT) {
      throw new StateError(`port base must be an integer from 1 to ${MAX_PORT}, got ${input.portBase}`, {
        exitCode: 2,
      });
    }
    return this.guard(`record worktree ${input.path}`, () =>
      this.immediate(() => {
        const existing = this.findWorktree(input.path);
        if (existing && existing.removedAt === null && existing.projectPath === input.projectPath) {
          if (existing.branch !== input.branch) {
            this.db
              .query<never, SQLQueryBindings>(`UPDATE worktrees SET branch = $branch WHERE id = $id`)
              .run({ id: existing.id, branch: input.branch });
          }
          return { ...existing, branch: input.branch };
        }

        const taken = new Set(
          this.db
            .query<{ port: number }, SQLQueryBindings>(
              `SELECT port FROM worktrees WHERE project_path = $projectPath AND removed_at IS NULL AND path != $path`,
            )
            .all({ projectPath: input.projectPath, path: input.path })
            .map((row) => row.port),
        );
        const port =
          existing && existing.projectPath === input.projectPath && !taken.has(existing.port)
            ? existing.port
            : lowestFreePort(input.portBase, taken);
        const createdAt = nowIso();
        if (existing) {
          this.db
            .query<never, SQLQueryBindings>(
              `UPDATE worktrees SET project_path = $projectPath, branch = $branch, port = $port,
                 created_at = $createdAt, removed_at = NULL
               WHERE id = $id`,
            )
            .run({ id: existing.id, projectPath: input.projectPath, branch: input.branch, port, createdAt });
        } else {
          this.db
            .query<never, SQLQueryBindings>(
              `INSERT INTO worktrees (project_path, path, branch, port, created_at)
               VALUES ($projectPath, $path, $branch, $port, $createdAt)`,
            )
            .run({ projectPath: input.projectPath, path: input.path, branch: input.branch, port, createdAt });
        }
        const row = this.findWorktree(input.path);
        if (!row) throw new StateError(`worktree ${input.path} vanished while being recorded`);
        return row;
      }),
    );
  }

  /** A project's worktrees that are not recorded as removed, by port. */
  listWorktrees(projectPath: string): WorktreeRow[] {
    return this.guard("list worktrees", () =>
      this.db
        .query<WorktreeRow, SQLQueryBindings>(
          `SELECT ${WORKTREE_COLUMNS} FROM worktrees
           WHERE project_path = $projectPath AND removed_at IS NULL ORDER BY port, id`,
        )
        .all({ projectPath }),
    );
  }

  /**
   * Records a worktree as removed, freeing its port block. Returns false when
   * no live worktree has that path (prj may be removing one it did not create).
   */
  markWorktreeRemoved(path: string, removedAt = nowIso()): boolean {
    return this.guard(`mark worktree ${path} removed`, () =>
      this.db
        .query<never, SQLQueryBindings>(
          `UPDATE worktrees SET removed_at = $removedAt WHERE path = $path AND removed_at IS NULL`,
        )
        .run({ path, removedAt }).changes > 0,
    );
  }

  // ---- samples and health ----

  /** Records one resource sample of a session and returns its id. */
  insertSample(input: InsertSampleInput): number {
    return this.guard(`record a sample of session "${input.sessionName}"`, () =>
      Number(
        this.db
          .query<never, SQLQueryBindings>(
            `INSERT INTO resource_samples (session_name, taken_at, processes, cpu_percent, rss_bytes)
             VALUES ($sessionName, $takenAt, $processes, $cpuPercent, $rssBytes)`,
          )
          .run({
            sessionName: input.sessionName,
            takenAt: input.takenAt ?? nowIso(),
            processes: input.processes,
            cpuPercent: input.cpuPercent,
            rssBytes: input.rssBytes,
          }).lastInsertRowid,
      ),
    );
  }

  /**
   * A read-only query for reports (src/state/reports.ts), which aggregate in
   * ways the store has no method for; `operation` names it in errors.
   */
  select<T>(operation: string, sql: string, params: Record<string, string | number | null> = {}): T[] {
    return this.guard(operation, () => this.db.query<T, SQLQueryBindings>(sql).all(params));
  }

  /** The result of `PRAGMA integrity_check`: "ok", or the problems found, one per line. */
  integrityCheck(): string {
    return this.guard("check the database's integrity", () =>
      this.db
        .query<{ integrity_check: string }, []>("PRAGMA integrity_check")
        .all()
        .map((row) => row.integrity_check)
        .join("\n"),
    );
  }

  // ---- internals ----

  private insertEvent(operation: string, input: RecordEventInput): number {
    return this.guard(operation, () =>
      Number(
        this.db
          .query<never, SQLQueryBindings>(
            `INSERT INTO events (kind, status, command, session_name, worktree, project_path, started_at,
               ended_at, exit_code, error, metadata, pid)
             VALUES ($kind, $status, $command, $sessionName, $worktree, $projectPath, $startedAt,
               $endedAt, $exitCode, $error, $metadata, $pid)`,
          )
          .run({
            kind: input.kind,
            status: input.status,
            command: input.command ?? null,
            sessionName: input.sessionName ?? null,
            worktree: input.worktree ?? null,
            projectPath: input.projectPath,
            startedAt: input.startedAt ?? nowIso(),
            endedAt: input.endedAt ?? null,
            exitCode: input.exitCode ?? null,
            error: input.error ?? null,
            metadata: input.metadata == null ? null : JSON.stringify(input.metadata),
            pid: input.pid ?? null,
          }).lastInsertRowid,
      ),
    );
  }

  private findWorktree(path: string): WorktreeRow | undefined {
    const row = this.db
      .query<WorktreeRow, SQLQueryBindings>(`SELECT ${WORKTREE_COLUMNS} FROM worktrees WHERE path = $path`)
      .get({ path });
    return row ?? undefined;
  }

  private savepoint<T>(fn: () => T): T {
    this.savepointDepth += 1;
    const name = `prj_${this.savepointDepth}`;
    try {
      this.guard("start a savepoint", () => this.db.run(`SAVEPOINT ${name}`));
      let result: T;
      try {
        result = fn();
        assertSynchronous(result);
      } catch (error) {
        this.guard("roll back a savepoint", () => this.db.run(`ROLLBACK TO ${name}; RELEASE ${name}`));
        throw error;
      }
      this.guard("release a savepoint", () => this.db.run(`RELEASE ${name}`));
      return result;
    } finally {
      this.savepointDepth -= 1;
    }
  }

  private begin(): void {
    this.guard("start a write transaction", () => this.db.run("BEGIN IMMEDIATE"));
  }

  private commit(): void {
    try {
      this.db.run("COMMIT");
    } catch (error) {
      // A failed COMMIT can leave the transaction open; close it so the
      // connection stays usable, and report the commit failure.
      this.rollbackAfter(error);
      throw toStateError("commit a write transaction", error);
    }
  }

  /** Rolls back after `cause` aborted the transaction; a rollback failure is reported with the cause attached. */
  private rollbackAfter(cause: unknown): void {
    // SQLite rolls back by itself after some errors (a full disk, for one).
    if (!this.db.inTransaction) return;
    try {
      this.db.run("ROLLBACK");
    } catch (error) {
      const why = cause instanceof Error ? cause.message : String(cause);
      throw new StateError(`could not roll back after "${why}": ${messageOf(error)}`, { cause });
    }
  }

  private guard<T>(operation: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw toStateError(operation, error);
    }
  }
}

function configure(db: Database, path: string): void {
  // busy_timeout first: switching to WAL needs a lock another prj may hold.
  db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  const mode = db.query<{ journal_mode: string }, []>("PRAGMA journal_mode = WAL").get();
  if (mode?.journal_mode.toLowerCase() !== "wal") {
    throw new StateError(`could not switch ${path} to WAL mode (it stays in ${mode?.journal_mode ?? "unknown"} mode)`);
  }
  // NORMAL is durable across a crash of prj in WAL mode; only a power loss can
  // drop the last commits, never corrupt the file.
  db.run("PRAGMA synchronous = NORMAL");
  db.run("PRAGMA foreign_keys = ON");
}

function migrate(db: Database, path: string): void {
  // Checking first keeps the common, up-to-date open from taking the write lock.
  if (readUserVersion(db) === migrations.length) return;
  db.run("BEGIN IMMEDIATE");
  try {
    // Re-read under the lock: another prj may have migrated while we waited.
    const version = readUserVersion(db);
    if (version > migrations.length) {
      throw new StateError(
        `${path} has schema version ${version}, newer than this prj understands (${migrations.length})`,
        { hint: "upgrade prj" },
      );
    }
    for (let index = version; index < migrations.length; index++) {
      db.run(migrations[index]!);
    }
    // PRAGMA takes no bound parameters; the value is our own integer.
    db.run(`PRAGMA user_version = ${migrations.length}`);
    db.run("COMMIT");
  } catch (error) {
    if (db.inTransaction) db.run("ROLLBACK");
    throw error;
  }
}

function readUserVersion(db: Database): number {
  return db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
}

function createPrivateFile(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Created before SQLite sees it so the file is never readable by others,
    // not even for a moment; "a" neither truncates nor fails if a racing prj
    // created it first.
    closeSync(openSync(path, "a", 0o600));
  } catch (error) {
    throw new StateError(`could not create the state database at ${path}: ${messageOf(error)}`, { cause: error });
  }
}

function lowestFreePort(base: number, taken: ReadonlySet<number>): number {
  const port = lowestFree(base, taken);
  if (port > MAX_PORT) {
    throw new StateError(`no free port block at or above ${base}`, { hint: "remove unused worktrees" });
  }
  return port;
}

function parseEvent(row: RawEventRow): EventRow {
  if (row.metadata === null) return { ...row, metadata: null };
  let metadata: unknown;
  try {
    metadata = JSON.parse(row.metadata);
  } catch (error) {
    throw new StateError(`event #${row.id} has unreadable metadata: ${messageOf(error)}`, { cause: error });
  }
  return { ...row, metadata: metadata as Record<string, unknown> };
}

function assertSynchronous(result: unknown): void {
  // The transaction would commit before the promise settles, silently
  // splitting the work across the lock; that is a bug, so fail loudly.
  if (typeof (result as { then?: unknown } | null)?.then === "function") {
    throw new TypeError("immediate() needs a synchronous function; use immediateAsync()");
  }
}

function toStateError(operation: string, error: unknown): Error {
  // Errors that already speak to the user, and bugs (non-SQLite errors), pass through.
  if (error instanceof PrjError) return error;
  if (!(error instanceof SQLiteError)) return error instanceof Error ? error : new Error(String(error));
  const primary = error.errno & 0xff;
  // 5 = SQLITE_BUSY, 6 = SQLITE_LOCKED
  if (primary === 5 || primary === 6) {
    return new StateError(`could not ${operation}: the state database is locked`, {
      hint: "another prj is writing to it; try again when it finishes",
      cause: error,
    });
  }
  return new StateError(`could not ${operation}: ${error.message}`, { cause: error });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function nowIso(): string {
  return new Date().toISOString();
}
