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
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { projectRegistryPath } from "../paths.ts";
import { exclusively, openRegistryForReading, openRegistryForWriting, type MachineRegistry } from "../state/machine-registry.ts";
import { guard } from "../state/sqlite.ts";
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

const PROJECT_REGISTRY: MachineRegistry = {
  label: "project registry",
  version: 1,
  schema: `
CREATE TABLE IF NOT EXISTS projects (
  path TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  socket TEXT,
  last_used_at TEXT NOT NULL,
  added_at TEXT NOT NULL
)`,
};

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
  const db = openRegistryForWriting(path, PROJECT_REGISTRY);
  try {
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
  const db = openRegistryForReading(path, PROJECT_REGISTRY);
  if (!db) return [];
  try {
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
  const db = openRegistryForWriting(path, PROJECT_REGISTRY);
  try {
    const gone = db.query<{ path: string }, []>("SELECT path FROM projects").all().map((row) => row.path).filter(projectIsGone);
    if (gone.length === 0) return [];
    exclusively(db, PROJECT_REGISTRY, () => {
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
  const db = openRegistryForWriting(path, PROJECT_REGISTRY);
  try {
    const wanted = resolve(projectPath).replace(/\/+$/, "") || "/";
    return guard("write the project registry", () => db.query("DELETE FROM projects WHERE path = ?").run(wanted).changes > 0);
  } finally {
    db.close();
  }
}
