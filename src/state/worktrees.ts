// The worktrees table: the worktrees prj recorded and the port block of each.
import type { Database, SQLQueryBindings } from "bun:sqlite";
import { StateError } from "../errors.ts";
import { lowestFree } from "../worktrees/ports.ts";
import type { UpsertWorktreeInput, WorktreeRow } from "./rows.ts";
import { guard, nowIso } from "./sqlite.ts";
import type { Transactions } from "./transactions.ts";

const MAX_PORT = 65_535;

const WORKTREE_COLUMNS = `id, project_path AS projectPath, path, branch, port,
  created_at AS createdAt, removed_at AS removedAt`;

/**
 * Records a worktree, or updates its branch, and returns it. A new worktree
 * (or one recorded as removed) gets the lowest port block of its project
 * that no live worktree holds; a live one keeps its port, so `{{port}}`
 * stays stable for as long as the worktree exists.
 */
export function upsertWorktree(db: Database, transactions: Transactions, input: UpsertWorktreeInput): WorktreeRow {
  if (!Number.isInteger(input.portBase) || input.portBase < 1 || input.portBase > MAX_PORT) {
    throw new StateError(`port base must be an integer from 1 to ${MAX_PORT}, got ${input.portBase}`, {
      exitCode: 2,
    });
  }
  return guard(`record worktree ${input.path}`, () =>
    transactions.immediate(() => {
      const existing = findWorktree(db, input.path);
      if (existing && existing.removedAt === null && existing.projectPath === input.projectPath) {
        if (existing.branch !== input.branch) {
          db.query<never, SQLQueryBindings>(`UPDATE worktrees SET branch = $branch WHERE id = $id`).run({
            id: existing.id,
            branch: input.branch,
          });
        }
        return { ...existing, branch: input.branch };
      }

      const taken = new Set(
        db
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
        db.query<never, SQLQueryBindings>(
          `UPDATE worktrees SET project_path = $projectPath, branch = $branch, port = $port,
             created_at = $createdAt, removed_at = NULL
           WHERE id = $id`,
        ).run({ id: existing.id, projectPath: input.projectPath, branch: input.branch, port, createdAt });
      } else {
        db.query<never, SQLQueryBindings>(
          `INSERT INTO worktrees (project_path, path, branch, port, created_at)
           VALUES ($projectPath, $path, $branch, $port, $createdAt)`,
        ).run({ projectPath: input.projectPath, path: input.path, branch: input.branch, port, createdAt });
      }
      const row = findWorktree(db, input.path);
      if (!row) throw new StateError(`worktree ${input.path} vanished while being recorded`);
      return row;
    }),
  );
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

function findWorktree(db: Database, path: string): WorktreeRow | undefined {
  const row = db
    .query<WorktreeRow, SQLQueryBindings>(`SELECT ${WORKTREE_COLUMNS} FROM worktrees WHERE path = $path`)
    .get({ path });
  return row ?? undefined;
}

function lowestFreePort(base: number, taken: ReadonlySet<number>): number {
  const port = lowestFree(base, taken);
  if (port > MAX_PORT) {
    throw new StateError(`no free port block at or above ${base}`, { hint: "remove unused worktrees" });
  }
  return port;
}
