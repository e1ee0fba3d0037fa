// The state database: what prj has created, run and removed, shared by every
// prj process of the user. Callers import this module lazily, so commands that
// never touch state do not pay for bun:sqlite.
//
// StateStore is the one handle callers hold; the work lives in connection.ts
// (open, pragmas, migrations), transactions.ts, and one module per table
// family (events, sessions, worktrees, samples). Row types live in rows.ts.
import type { Database, SQLQueryBindings } from "bun:sqlite";
import { closeConnection, openConnection, integrityCheck, readUserVersion } from "./connection.ts";
import * as events from "./events.ts";
import type {
  EventRow,
  FinishEventInput,
  InsertSampleInput,
  InsertSessionInput,
  ListEventsInput,
  RecordEventInput,
  SaveWorktreeInput,
  SessionEndReason,
  SessionRow,
  StartEventInput,
  WorktreeRow,
} from "./rows.ts";
import * as samples from "./samples.ts";
import * as sessions from "./sessions.ts";
import { guard } from "./sqlite.ts";
import { Transactions } from "./transactions.ts";
import * as worktrees from "./worktrees.ts";

export type * from "./rows.ts";
export { processIsAlive } from "./events.ts";

/**
 * Opens (and, with `create`, creates) the state database at an absolute path,
 * brings its schema up to date, and returns the store.
 *
 * Without `create`, a missing file is a StateError telling the user to run
 * `prj init`, so read-only commands never leave an empty database behind.
 */
export function openStateDatabase(path: string, options: { create: boolean }): StateStore {
  return new StateStore(openConnection(path, options), path);
}

/**
 * The state database behind one connection. Every method wraps SQLite failures
 * in a StateError; statements are cached by `Database.query`.
 */
export class StateStore {
  readonly path: string;
  private readonly db: Database;
  private readonly transactions: Transactions;
  private closed = false;

  constructor(db: Database, path: string) {
    this.db = db;
    this.path = path;
    this.transactions = new Transactions(db);
  }

  /** Closes the connection; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeConnection(this.db, this.path);
  }

  /** The schema version (`PRAGMA user_version`). */
  schemaVersion(): number {
    return guard("read the schema version", () => readUserVersion(this.db));
  }

  /** See Transactions.immediate: `BEGIN IMMEDIATE … COMMIT`, nested calls as savepoints. */
  immediate<T>(fn: () => T): T {
    return this.transactions.immediate(fn);
  }

  /** See Transactions.immediateAsync: the write lock held across awaits, one at a time per store. */
  immediateAsync<T>(fn: () => Promise<T>): Promise<T> {
    return this.transactions.immediateAsync(fn);
  }

  // ---- events ----

  startEvent(input: StartEventInput): number {
    return events.startEvent(this.db, input);
  }

  finishEvent(id: number, input: FinishEventInput): void {
    events.finishEvent(this.db, id, input);
  }

  recordEvent(input: RecordEventInput): number {
    return events.recordEvent(this.db, input);
  }

  listEvents(input: ListEventsInput): EventRow[] {
    return events.listEvents(this.db, input);
  }

  markInterruptedEvents(projectPath: string, isAlive: (pid: number) => boolean, endedAt?: string): number {
    return events.markInterruptedEvents(this.db, this.transactions, projectPath, isAlive, endedAt);
  }

  // ---- sessions ----

  insertSession(input: InsertSessionInput): number {
    return sessions.insertSession(this.db, input);
  }

  liveSessions(projectPath?: string): SessionRow[] {
    return sessions.liveSessions(this.db, projectPath);
  }

  findLiveSession(name: string, socket?: string | null): SessionRow | undefined {
    return sessions.findLiveSession(this.db, name, socket);
  }

  endSession(id: number, input: { reason: SessionEndReason; endedAt?: string }): void {
    sessions.endSession(this.db, id, input);
  }

  sessionHistory(name: string, projectPath: string): SessionRow[] {
    return sessions.sessionHistory(this.db, name, projectPath);
  }

  lastGoneSessions(projectPath: string): (SessionRow & { endSource: string | null })[] {
    return sessions.lastGoneSessions(this.db, projectPath);
  }

  // ---- worktrees ----

  saveWorktree(input: SaveWorktreeInput): WorktreeRow {
    return worktrees.saveWorktree(this.db, input);
  }

  listWorktrees(projectPath: string): WorktreeRow[] {
    return worktrees.listWorktrees(this.db, projectPath);
  }

  markWorktreeRemoved(path: string, removedAt?: string): boolean {
    return worktrees.markWorktreeRemoved(this.db, path, removedAt);
  }

  // ---- samples and health ----

  insertSample(input: InsertSampleInput): number {
    return samples.insertSample(this.db, input);
  }

  /**
   * A read-only query for reports (src/state/reports.ts), which aggregate in
   * ways the store has no method for; `operation` names it in errors.
   */
  select<T>(operation: string, sql: string, params: Record<string, string | number | null> = {}): T[] {
    return guard(operation, () => this.db.query<T, SQLQueryBindings>(sql).all(params));
  }

  /** Like `select`, with each row as an array of its columns: cheaper when a report reads a row per session. */
  selectValues<T extends unknown[]>(operation: string, sql: string, params: Record<string, string | number | null> = {}): T[] {
    return guard(operation, () => this.db.query<unknown, SQLQueryBindings>(sql).values(params) as T[]);
  }

  /** The result of `PRAGMA integrity_check`: "ok", or the problems found, one per line. */
  integrityCheck(): string {
    return integrityCheck(this.db);
  }
}
