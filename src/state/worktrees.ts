// The worktrees table: the worktrees prj recorded and the port block of each.
import type { Database, SQLQueryBindings } from "bun:sqlite";
import { StateError } from "../errors.ts";
import type { SaveWorktreeInput, WorktreeRow } from "./rows.ts";
import { guard, nowIso } from "./sqlite.ts";

const WORKTREE_COLUMNS = `id, project_path AS projectPath, path, branch, port,
  created_at AS createdAt, removed_at AS removedAt`;

/**
 * Writes a worktree's row as given and returns it. The row keeps its id and
 * creation time while it stays the same live worktree of the same project;
 * otherwise (new, recorded as removed, or moved to another project) it starts
 * a new life. Ports are decided in src/worktrees/ports.ts, not here.
 */
export function saveWorktree(db: Database, input: SaveWorktreeInput): WorktreeRow {
  return guard(`record worktree ${input.path}`, () => {
    const row = db
      .query<WorktreeRow, SQLQueryBindings>(
        `INSERT INTO worktrees (project_path, path, branch, port, created_at)
         VALUES ($projectPath, $path, $branch, $port, $createdAt)
         ON CONFLICT (path) DO UPDATE SET
           created_at = CASE WHEN removed_at IS NULL AND project_path = excluded.project_path
             THEN created_at ELSE excluded.created_at END,
           project_path = excluded.project_path, branch = excluded.branch, port = excluded.port,
           removed_at = NULL
         RETURNING ${WORKTREE_COLUMNS}`,
      )
      .get({ projectPath: input.projectPath, path: input.path, branch: input.branch, port: input.port, createdAt: nowIso() });
    if (!row) throw new StateError(`worktree ${input.path} vanished while being recorded`);
    return row;
  });
}

/** A project's worktrees that are not recorded as removed, by port. */
export function listWorktrees(db: Database, projectPath: string): WorktreeRow[] {
  return guard("list worktrees", () =>
    db
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
export function markWorktreeRemoved(db: Database, path: string, removedAt = nowIso()): boolean {
  return guard(
    `mark worktree ${path} removed`,
    () =>
      db
        .query<never, SQLQueryBindings>(
          `UPDATE worktrees SET removed_at = $removedAt WHERE path = $path AND removed_at IS NULL`,
        )
        .run({ path, removedAt }).changes > 0,
  );
}
