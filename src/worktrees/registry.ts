/**
 * The machine-wide registry of port blocks (SPEC §8): one small SQLite file,
 * `$XDG_DATA_HOME/prunejuice/ports.db`, where every project's prj claims the
 * blocks its worktrees hold. Each project's own database stays the record of
 * which worktree has which port; this file only makes the choice unique across
 * projects. `BEGIN IMMEDIATE` is the machine-wide lock for choosing a block,
 * and SQLite's rollback journal keeps the file whole when a prj dies mid-write.
 *
 * The rollback journal (not WAL) is deliberate: a plan's read-only look at an
 * existing registry then opens it without creating any file beside it.
 */
import { Database } from "bun:sqlite";
import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { StateError } from "../errors.ts";
import { portRegistryPath } from "../paths.ts";
import { guard, messageOf, nowIso } from "../state/sqlite.ts";

/** One block held by one worktree of one project. */
export interface PortClaim {
  /** The block's first port. */
  port: number;
  worktreePath: string;
  projectPath: string;
}

const SCHEMA_VERSION = 1;
const BUSY_TIMEOUT_MS = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS port_blocks (
  port INTEGER PRIMARY KEY,
  worktree_path TEXT NOT NULL UNIQUE,
  project_path TEXT NOT NULL,
  claimed_at TEXT NOT NULL
)`;

const CLAIM_COLUMNS = "port, worktree_path AS worktreePath, project_path AS projectPath";

export class PortRegistry {
  private constructor(private readonly db: Database) {}

  /** Opens the registry for claiming and releasing, creating it (mode 0600) and its table when missing. */
  static open(path: string = portRegistryPath()): PortRegistry {
    if (!existsSync(path)) createPrivateFile(path);
    const db = openDatabase(path, { readonly: false });
    const registry = new PortRegistry(db);
    try {
      if (schemaVersion(db) < SCHEMA_VERSION) {
        registry.exclusive(() => {
          // Read again under the lock: a racing prj may have made the table meanwhile.
          if (schemaVersion(db) >= SCHEMA_VERSION) return;
          db.run(SCHEMA);
          db.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
        });
      }
      refuseNewerSchema(db, path);
    } catch (error) {
      db.close();
      throw error;
    }
    return registry;
  }

  /**
   * The claims as they stand, without the lock and without creating anything:
   * no registry yet (or one still being made) has none.
   */
  static read(path: string = portRegistryPath()): PortClaim[] {
    if (!existsSync(path)) return [];
    const db = openDatabase(path, { readonly: true });
    try {
      const version = schemaVersion(db);
      if (version === 0) return [];
      refuseNewerSchema(db, path);
      return new PortRegistry(db).claims();
    } finally {
      db.close();
    }
  }

  claims(): PortClaim[] {
    return guard("read the port registry", () =>
      this.db.query<PortClaim, []>(`SELECT ${CLAIM_COLUMNS} FROM port_blocks ORDER BY port`).all(),
    );
  }

  /**
   * Runs `fn` holding the registry's write lock (`BEGIN IMMEDIATE`), so two prj
   * processes choosing a block at once see each other's claims. `fn` must be
   * synchronous and short: other projects' prj wait for it.
   */
  exclusive<T>(fn: () => T): T {
    guard("lock the port registry", () => this.db.run("BEGIN IMMEDIATE"));
    let result: T;
    try {
      result = fn();
    } catch (error) {
      if (this.db.inTransaction) this.db.run("ROLLBACK");
      throw error;
    }
    guard("write the port registry", () => this.db.run("COMMIT"));
    return result;
  }

  /**
   * Gives `claim.port` to `claim.worktreePath`. Any other claim of that path,
   * and any stale claim of that block, is replaced: the caller has checked,
   * under the lock, that no live worktree holds the block.
   */
  claim(claim: PortClaim): void {
    guard(`claim port block ${claim.port}`, () =>
      this.db
        .query(
          `INSERT OR REPLACE INTO port_blocks (port, worktree_path, project_path, claimed_at)
           VALUES ($port, $worktreePath, $projectPath, $claimedAt)`,
        )
        .run({ port: claim.port, worktreePath: claim.worktreePath, projectPath: claim.projectPath, claimedAt: nowIso() }),
    );
  }

  /** Frees the block a project's worktree holds; false when it held none. */
  release(worktreePath: string, projectPath: string): boolean {
    return guard(`release the port block of ${worktreePath}`, () =>
      this.db
        .query(`DELETE FROM port_blocks WHERE worktree_path = $worktreePath AND project_path = $projectPath`)
        .run({ worktreePath, projectPath }).changes > 0,
    );
  }

  close(): void {
    this.db.close();
  }
}

function openDatabase(path: string, options: { readonly: boolean }): Database {
  let db: Database;
  try {
    db = options.readonly
      ? new Database(path, { readonly: true, strict: true })
      : new Database(path, { readwrite: true, create: false, strict: true });
  } catch (error) {
    throw new StateError(`could not open the port registry at ${path}: ${messageOf(error)}`, { cause: error });
  }
  try {
    db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (error) {
    db.close();
    throw new StateError(`could not open the port registry at ${path}: ${messageOf(error)}`, { cause: error });
  }
  return db;
}

function schemaVersion(db: Database): number {
  return guard("read the port registry", () => db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0);
}

function refuseNewerSchema(db: Database, path: string): void {
  const version = schemaVersion(db);
  if (version > SCHEMA_VERSION) {
    throw new StateError(`the port registry ${path} has schema version ${version}, newer than this prj understands (${SCHEMA_VERSION})`, {
      hint: "upgrade prj",
    });
  }
}

function createPrivateFile(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Made before SQLite sees it, so it is never readable by others; "a" neither truncates nor fails when a racing prj made it first.
    closeSync(openSync(path, "a", 0o600));
  } catch (error) {
    throw new StateError(`could not create the port registry at ${path}: ${messageOf(error)}`, { cause: error });
  }
}
