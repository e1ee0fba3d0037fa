// The events table: what prj ran, when, and how it ended.
import type { Database, SQLQueryBindings } from "bun:sqlite";
import { StateError } from "../errors.ts";
import type { EventRow, FinishEventInput, ListEventsInput, RecordEventInput, StartEventInput } from "./rows.ts";
import { guard, messageOf, nowIso } from "./sqlite.ts";
import type { Transactions } from "./transactions.ts";

// Selecting with camelCase aliases lets rows come back in their exported
// shape without a mapping pass (events still need their JSON parsed).
const EVENT_COLUMNS = `id, kind, status, command, session_name AS sessionName, worktree,
  project_path AS projectPath, started_at AS startedAt, ended_at AS endedAt,
  exit_code AS exitCode, error, metadata, pid`;

type RawEventRow = Omit<EventRow, "metadata"> & { metadata: string | null };

/** Whether a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Records the start of an event (status `running` unless given) and returns its id. */
export function startEvent(db: Database, input: StartEventInput): number {
  const status = input.status ?? "running";
  return insertEvent(db, "start an event", {
    ...input,
    status,
    pid: input.pid === undefined ? process.pid : input.pid,
  });
}

/** Records how an event ended. */
export function finishEvent(db: Database, id: number, input: FinishEventInput): void {
  guard(`finish event #${id}`, () => {
    const changes = db
      .query<never, SQLQueryBindings>(
        `UPDATE events SET status = $status, exit_code = $exitCode, error = $error, ended_at = $endedAt,
           session_name = COALESCE($sessionName, session_name), metadata = COALESCE($metadata, metadata)
         WHERE id = $id`,
      )
      .run({
        id,
        status: input.status,
        exitCode: input.exitCode ?? null,
        error: input.error ?? null,
        endedAt: input.endedAt ?? nowIso(),
        sessionName: input.sessionName ?? null,
        metadata: input.metadata ? JSON.stringify(input.metadata) : null,
      }).changes;
    if (changes === 0) throw new StateError(`cannot finish event #${id}: no such event`);
  });
}

/** Records an event in one go (usually one that has already finished) and returns its id. */
export function recordEvent(db: Database, input: RecordEventInput): number {
  // Only a running event needs an owner to tell whether it was abandoned.
  const pid = input.pid !== undefined ? input.pid : input.status === "running" ? process.pid : null;
  return insertEvent(db, "record an event", { ...input, pid });
}

/** A project's events, newest first, optionally filtered by status and command. */
export function listEvents(db: Database, input: ListEventsInput): EventRow[] {
  // A filter is in the SQL only when given: SQLite uses no index for `$x IS NULL OR x = $x`,
  // and at a million events that is a scan of all of them.
  const params: Record<string, string | number> = { projectPath: input.projectPath, limit: input.limit ?? -1 };
  let where = "project_path = $projectPath";
  if (input.status !== undefined) {
    where += " AND status = $status";
    params.status = input.status;
  }
  if (input.command !== undefined) {
    where += " AND command = $command";
    params.command = input.command;
  }
  return guard("list events", () =>
    db
      // A negative LIMIT is SQLite for "no limit".
      .query<RawEventRow, SQLQueryBindings>(`SELECT ${EVENT_COLUMNS} FROM events WHERE ${where} ORDER BY started_at DESC, id DESC LIMIT $limit`)
      .all(params)
      .map(parseEvent),
  );
}

/**
 * Marks a project's running events as `interrupted` when the prj process that
 * owns them is gone (or was never recorded), and returns how many it marked.
 * A pid the system has since reused keeps its event running until that
 * process ends too; that is the price of not guessing from timestamps.
 */
export function markInterruptedEvents(
  db: Database,
  transactions: Transactions,
  projectPath: string,
  isAlive: (pid: number) => boolean,
  endedAt = nowIso(),
): number {
  const running = guard("read running events", () =>
    db
      .query<{ id: number; pid: number | null }, SQLQueryBindings>(
        `SELECT id, pid FROM events WHERE project_path = $projectPath AND status = 'running'`,
      )
      .all({ projectPath }),
  );
  const abandoned = running.filter((event) => event.pid === null || !isAlive(event.pid));
  if (abandoned.length === 0) return 0;
  return guard("mark interrupted events", () =>
    transactions.immediate(() => {
      let marked = 0;
      for (const event of abandoned) {
        // The status check keeps an event its owner finished in the meantime.
        marked += db
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

function insertEvent(db: Database, operation: string, input: RecordEventInput): number {
  return guard(operation, () =>
    Number(
      db
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
