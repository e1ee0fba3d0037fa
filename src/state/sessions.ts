// The sessions table: every tmux session prj created or adopted, live or ended.
import { SQLiteError, type Database, type SQLQueryBindings } from "bun:sqlite";
import { StateError } from "../errors.ts";
import type { InsertSessionInput, SessionEndReason, SessionRow } from "./rows.ts";
import { guard, nowIso, toStateError } from "./sqlite.ts";

const SESSION_COLUMNS = `id, name, tmux_id AS tmuxId, project_path AS projectPath, worktree,
  worktree_path AS worktreePath, task, command, working_directory AS workingDirectory, socket,
  created_at AS createdAt, ended_at AS endedAt, end_reason AS endReason, event_id AS eventId, plan`;

/** Rows come back with `plan` as JSON text; callers get it parsed. */
function withPlan(row: SessionRow): SessionRow {
  const text = row.plan as unknown;
  if (typeof text !== "string") return { ...row, plan: null };
  try {
    return { ...row, plan: JSON.parse(text) };
  } catch {
    return { ...row, plan: null }; // a damaged record reads as none: kill and info fall back to what tmux says
  }
}

/**
 * Records a live session and returns its id. A second live session with the
 * same name on the same tmux server is a StateError: tmux itself would have
 * refused it, so the database must be out of date.
 */
export function insertSession(db: Database, input: InsertSessionInput): number {
  const socket = input.socket || null;
  try {
    return Number(
      db
        .query<never, SQLQueryBindings>(
          `INSERT INTO sessions (name, tmux_id, project_path, worktree, worktree_path, task, command,
             working_directory, socket, created_at, event_id, plan)
           VALUES ($name, $tmuxId, $projectPath, $worktree, $worktreePath, $task, $command,
             $workingDirectory, $socket, $createdAt, $eventId, $plan)`,
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
          plan: input.plan ? JSON.stringify(input.plan) : null,
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
export function liveSessions(db: Database, projectPath?: string): SessionRow[] {
  return guard("list live sessions", () =>
    db
      .query<SessionRow, SQLQueryBindings>(
        `SELECT ${SESSION_COLUMNS} FROM sessions
         WHERE ended_at IS NULL AND ($projectPath IS NULL OR project_path = $projectPath)
         ORDER BY created_at, id`,
      )
      .all({ projectPath: projectPath ?? null })
      .map(withPlan),
  );
}

/** The live session with this exact name on this tmux server (null/undefined: the default server). */
export function findLiveSession(db: Database, name: string, socket?: string | null): SessionRow | undefined {
  return guard(`look up session "${name}"`, () => {
    // Same expression as the sessions_live_name index, so the index answers it.
    const row = db
      .query<SessionRow, SQLQueryBindings>(
        `SELECT ${SESSION_COLUMNS} FROM sessions
         WHERE name = $name AND COALESCE(socket, '') = $socketKey AND ended_at IS NULL`,
      )
      .get({ name, socketKey: socket ?? "" });
    return row ? withPlan(row) : undefined;
  });
}

/**
 * Records that a session ended. Ending an already-ended session keeps the
 * first record, so a kill racing a `reset-sessions` is harmless.
 */
export function endSession(db: Database, id: number, input: { reason: SessionEndReason; endedAt?: string }): void {
  guard(`end session #${id}`, () => {
    const changes = db
      .query<never, SQLQueryBindings>(
        `UPDATE sessions SET ended_at = $endedAt, end_reason = $reason WHERE id = $id AND ended_at IS NULL`,
      )
      .run({ id, reason: input.reason, endedAt: input.endedAt ?? nowIso() }).changes;
    if (changes > 0) return;
    const exists = db.query<{ id: number }, SQLQueryBindings>(`SELECT id FROM sessions WHERE id = $id`).get({ id });
    if (!exists) throw new StateError(`cannot end session #${id}: no such session`);
  });
}

/** Every recorded session of this name in this project, newest first. */
export function sessionHistory(db: Database, name: string, projectPath: string): SessionRow[] {
  return guard(`read the history of session "${name}"`, () =>
    db
      .query<SessionRow, SQLQueryBindings>(
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE name = $name AND project_path = $projectPath
         ORDER BY created_at DESC, id DESC`,
      )
      .all({ name, projectPath })
      .map(withPlan),
  );
}

/**
 * For `prj restore`: the newest row of each session name (per tmux server) in
 * this project, when that row ended as `gone`, with how its end was found
 * (`end_time_source` of its `session.ended` event). A name whose newest row was
 * killed, cleaned up, rolled back or is still live is not listed.
 */
export function lastGoneSessions(db: Database, projectPath: string): (SessionRow & { endSource: string | null })[] {
  return guard("list the sessions that went away", () =>
    db
      .query<SessionRow & { endSource: string | null }, SQLQueryBindings>(
        `SELECT ${SESSION_COLUMNS.replace(/(^|,\s*)(\w+)/g, "$1s.$2")},
           (SELECT json_extract(e.metadata, '$.end_time_source') FROM events e
             WHERE e.project_path = s.project_path AND e.kind = 'session.ended' AND e.session_name = s.name
               AND json_extract(e.metadata, '$.created_at') = s.created_at
             ORDER BY e.id DESC LIMIT 1) AS endSource
         FROM sessions s
         WHERE s.id IN (SELECT MAX(id) FROM sessions WHERE project_path = $projectPath GROUP BY name, COALESCE(socket, ''))
           AND s.end_reason = 'gone'
         ORDER BY s.created_at, s.id`,
      )
      .all({ projectPath })
      .map((row) => ({ ...withPlan(row), endSource: row.endSource })),
  );
}
