// Write transactions of one connection: synchronous ones (nested calls become
// savepoints) and async ones, which run one at a time per connection.
import type { Database } from "bun:sqlite";
import { StateError } from "../errors.ts";
import { guard, messageOf, toStateError } from "./sqlite.ts";

export class Transactions {
  private readonly db: Database;
  private savepointDepth = 0;
  private asyncTail: Promise<void> = Promise.resolve();

  constructor(db: Database) {
    this.db = db;
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
   * timeout; keep the work short. Async transactions of this connection run
   * one at a time, and a store call made while one is open joins it.
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

  private savepoint<T>(fn: () => T): T {
    this.savepointDepth += 1;
    const name = `prj_${this.savepointDepth}`;
    try {
      guard("start a savepoint", () => this.db.run(`SAVEPOINT ${name}`));
      let result: T;
      try {
        result = fn();
        assertSynchronous(result);
      } catch (error) {
        guard("roll back a savepoint", () => this.db.run(`ROLLBACK TO ${name}; RELEASE ${name}`));
        throw error;
      }
      guard("release a savepoint", () => this.db.run(`RELEASE ${name}`));
      return result;
    } finally {
      this.savepointDepth -= 1;
    }
  }

  private begin(): void {
    guard("start a write transaction", () => this.db.run("BEGIN IMMEDIATE"));
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
}

function assertSynchronous(result: unknown): void {
  // The transaction would commit before the promise settles, silently
  // splitting the work across the lock; that is a bug, so fail loudly.
  if (typeof (result as { then?: unknown } | null)?.then === "function") {
    throw new TypeError("immediate() needs a synchronous function; use immediateAsync()");
  }
}
