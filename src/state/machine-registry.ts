/**
 * The small SQLite files under `$XDG_DATA_HOME/prunejuice/` that every
 * project of the user shares: the port blocks (worktrees/registry.ts) and the
 * projects (projects/registry.ts). Each is a private file (0600, made before
 * SQLite sees it), in SQLite's rollback-journal mode so a read-only look
 * creates nothing beside it, with one table and a `user_version` schema.
 * `BEGIN IMMEDIATE` is the machine-wide lock for a change.
 */
import { Database } from "bun:sqlite";
import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { StateError } from "../errors.ts";
import { guard, messageOf } from "./sqlite.ts";

/** One registry file: what it is called in messages, and its schema. */
export interface MachineRegistry {
  /** "port registry", "project registry". */
  label: string;
  /** `CREATE TABLE IF NOT EXISTS …`. */
  schema: string;
  version: number;
}

const BUSY_TIMEOUT_MS = 10_000;

/** Opens the registry for writing, creating the file (0600) and its table when missing. */
export function openRegistryForWriting(path: string, registry: MachineRegistry): Database {
  if (!existsSync(path)) createPrivateFile(path, registry);
  const db = openDatabase(path, registry, { readonly: false });
  try {
    if (schemaVersion(db, registry) < registry.version) {
      exclusively(db, registry, () => {
        // Read again under the lock: a racing prj may have made the table meanwhile.
        if (schemaVersion(db, registry) >= registry.version) return;
        db.run(registry.schema);
        db.run(`PRAGMA user_version = ${registry.version}`);
      });
    }
    refuseNewerSchema(db, path, registry);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Opens the registry read-only; undefined when there is none yet (or one still being made). Creates nothing. */
export function openRegistryForReading(path: string, registry: MachineRegistry): Database | undefined {
  if (!existsSync(path)) return undefined;
  const db = openDatabase(path, registry, { readonly: true });
  try {
    if (schemaVersion(db, registry) === 0) {
      db.close();
      return undefined;
    }
    refuseNewerSchema(db, path, registry);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Runs `fn` holding the registry's write lock (`BEGIN IMMEDIATE`), so prj
 * processes of every project see each other's changes. `fn` must be
 * synchronous and short: other projects' prj wait for it.
 */
export function exclusively<T>(db: Database, registry: MachineRegistry, fn: () => T): T {
  guard(`lock the ${registry.label}`, () => db.run("BEGIN IMMEDIATE"));
  let result: T;
  try {
    result = fn();
  } catch (error) {
    if (db.inTransaction) db.run("ROLLBACK");
    throw error;
  }
  guard(`write the ${registry.label}`, () => db.run("COMMIT"));
  return result;
}

function openDatabase(path: string, registry: MachineRegistry, options: { readonly: boolean }): Database {
  let db: Database;
  try {
    db = options.readonly
      ? new Database(path, { readonly: true, strict: true })
      : new Database(path, { readwrite: true, create: false, strict: true });
  } catch (error) {
    throw new StateError(`could not open the ${registry.label} at ${path}: ${messageOf(error)}`, { cause: error });
  }
  try {
    db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (error) {
    db.close();
    throw new StateError(`could not open the ${registry.label} at ${path}: ${messageOf(error)}`, { cause: error });
  }
  return db;
}

function schemaVersion(db: Database, registry: MachineRegistry): number {
  return guard(`read the ${registry.label}`, () => db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0);
}

function refuseNewerSchema(db: Database, path: string, registry: MachineRegistry): void {
  const version = schemaVersion(db, registry);
  if (version > registry.version) {
    throw new StateError(`the ${registry.label} ${path} has schema version ${version}, newer than this prj understands (${registry.version})`, {
      hint: "upgrade prj",
    });
  }
}

function createPrivateFile(path: string, registry: MachineRegistry): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Made before SQLite sees it, so it is never readable by others; "a" neither truncates nor fails when a racing prj made it first.
    closeSync(openSync(path, "a", 0o600));
  } catch (error) {
    throw new StateError(`could not create the ${registry.label} at ${path}: ${messageOf(error)}`, { cause: error });
  }
}
