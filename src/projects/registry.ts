/**
 * The machine-wide registry of projects (SPEC §12): one small SQLite file,
 * `$XDG_DATA_HOME/prunejuice/projects.db`, beside the port registry and made
 * the same way (mode 0600, rollback journal, `BEGIN IMMEDIATE` as the lock).
 * Every project prj has initialised or run in is a row: its path, its name,
 * the tmux server it drives and when it was last used. Each project's own
 * database stays the record of its streams; this file only says where to look.
 *
 * `prj run` notes its project on every run, so the note must cost nothing
 * measurable: one indexed read, and a write only when the project is new, its
 * name or server changed, or its last use is older than LAST_USED_RESOLUTION_MS.
 */
import { Database } from "bun:sqlite";
import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { StateError } from "../errors.ts";
import { projectRegistryPath } from "../paths.ts";
import { guard, messageOf } from "../state/sqlite.ts";
import { log } from "../ui/log.ts";

export interface ProjectEntry {
  path: string;
  name: string;
  /** The tmux server the project drove when last used (a socket name or path); null is tmux's default server. */
  socket: string | null;
  lastUsedAt: string;
  addedAt: string;
}

/** Last-used times are kept to the minute: a run within a minute of the last one writes nothing. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const SCHEMA_VERSION = 1;
const BUSY_TIMEOUT_MS = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS projects (
  path TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  socket TEXT,
  last_used_at TEXT NOT NULL,
  added_at TEXT NOT NULL
)`;

const COLUMNS = "path, name, socket, last_used_at AS lastUsedAt, added_at AS addedAt";

/** A project's directory is gone, or is no longer a prj project: it drops out of the registry. */
export function projectIsGone(path: string): boolean {
  return !existsSync(join(path, ".prj"));
}

/** Records the project in the registry; a registry that cannot be written never fails a run or an init. */
export function noteProject(project: { root: string; name: string; socket: string | undefined }): void {
  try {
    noteProjectUsed(project);
  } catch (error) {
    log.debug(`project registry not updated: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Notes that prj used the project at `root`: true when it wrote. */
export function noteProjectUsed(project: { root: string; name: string; socket: string | undefined }, now: Date = new Date(), path: string = projectRegistryPath()): boolean {
  const socket = project.socket ?? null;
  if (!existsSync(path)) createPrivateFile(path);
  const db = openDatabase(path, false);
  try {
    ensureSchema(db, path);
    const current = db.query<ProjectEntry, [string]>(`SELECT ${COLUMNS} FROM projects WHERE path = ?`).get(project.root);
    if (current && current.name === project.name && current.socket === socket && now.getTime() - Date.parse(current.lastUsedAt) < LAST_USED_RESOLUTION_MS) {
      return false;
    }
    const at = now.toISOString();
    guard("write the project registry", () =>
      db
        .query(
          `INSERT INTO projects (path, name, socket, last_used_at, added_at) VALUES ($path, $name, $socket, $at, $at)
           ON CONFLICT(path) DO UPDATE SET name = excluded.name, socket = excluded.socket, last_used_at = excluded.last_used_at`,
        )
        .run({ path: project.root, name: project.name, socket, at }),
    );
    return true;
  } finally {
    db.close();
  }
}

/**
 * The registered projects, most recently used first, read-only and without
 * creating anything. Projects whose directory is gone are left out (`prune`
 * deletes them for good, which needs a write).
 */
export function readProjects(path: string = projectRegistryPath()): ProjectEntry[] {
  if (!existsSync(path)) return [];
  const db = openDatabase(path, true);
  try {
    if (schemaVersion(db) === 0) return [];
    refuseNewerSchema(db, path);
    return guard("read the project registry", () => db.query<ProjectEntry, []>(`SELECT ${COLUMNS} FROM projects ORDER BY last_used_at DESC, path`).all()).filter(
      (entry) => !projectIsGone(entry.path),
    );
  } finally {
    db.close();
  }
}

/** Deletes the rows of projects whose directory is gone; returns their paths. */
export function pruneProjects(path: string = projectRegistryPath()): string[] {
  if (!existsSync(path)) return [];
  const db = openDatabase(path, false);
  try {
    ensureSchema(db, path);
    const gone = db.query<{ path: string }, []>("SELECT path FROM projects").all().map((row) => row.path).filter(projectIsGone);
    if (gone.length === 0) return [];
    exclusive(db, () => {
      const remove = db.query("DELETE FROM projects WHERE path = ?");
      // Checked again under the lock: a project re-initialised meanwhile stays.
      for (const project of gone) if (projectIsGone(project)) remove.run(project);
    });
    return gone;
  } finally {
    db.close();
  }
}

/** Forgets one project (its directory and database are left alone); false when it was not registered. */
export function forgetProject(projectPath: string, path: string = projectRegistryPath()): boolean {
  if (!existsSync(path)) return false;
  const db = openDatabase(path, false);
  try {
    ensureSchema(db, path);
    const wanted = resolve(projectPath).replace(/\/+$/, "") || "/";
    return guard("write the project registry", () => db.query("DELETE FROM projects WHERE path = ?").run(wanted).changes > 0);
  } finally {
    db.close();
  }
}

function exclusive(db: Database, fn: () => void): void {
  guard("lock the project registry", () => db.run("BEGIN IMMEDIATE"));
  try {
    fn();
  } catch (error) {
    if (db.inTransaction) db.run("ROLLBACK");
    throw error;
  }
  guard("write the project registry", () => db.run("COMMIT"));
}

function ensureSchema(db: Database, path: string): void {
  if (schemaVersion(db) < SCHEMA_VERSION) {
    exclusive(db, () => {
      // Read again under the lock: a racing prj may have made the table meanwhile.
      if (schemaVersion(db) >= SCHEMA_VERSION) return;
      db.run(SCHEMA);
      db.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    });
  }
  refuseNewerSchema(db, path);
}

function openDatabase(path: string, readonly: boolean): Database {
  let db: Database;
  try {
    db = readonly ? new Database(path, { readonly: true, strict: true }) : new Database(path, { readwrite: true, create: false, strict: true });
    db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (error) {
    throw new StateError(`could not open the project registry at ${path}: ${messageOf(error)}`, { cause: error });
  }
  return db;
}

function schemaVersion(db: Database): number {
  return guard("read the project registry", () => db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0);
}

function refuseNewerSchema(db: Database, path: string): void {
  const version = schemaVersion(db);
  if (version > SCHEMA_VERSION) {
    throw new StateError(`the project registry ${path} has schema version ${version}, newer than this prj understands (${SCHEMA_VERSION})`, {
      hint: "upgrade prj",
    });
  }
}

function createPrivateFile(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, "a", 0o600));
  } catch (error) {
    throw new StateError(`could not create the project registry at ${path}: ${messageOf(error)}`, { cause: error });
  }
}
