/**
 * The state_changes table (migration 5): every change of a pane's or a
 * session's attention state, written by the watcher, read by reports and
 * tests. The watcher holds its own connection to each project's database;
 * readers go through the StateStore's read-only queries.
 */
import type { Database, SQLQueryBindings } from "bun:sqlite";
import type { StateStore } from "../state/db.ts";
import type { AttentionState } from "./states.ts";

/** How long before its row's creation time a change may still be a session's own. */
const LINK_MARGIN_MS = 10_000;

export interface StateChange {
  sessionName: string;
  tmuxSessionId: string;
  /** undefined: the session's own state. */
  paneId?: string;
  state: AttentionState;
  previous?: AttentionState;
  at: string;
  exitStatus?: number;
  message?: string;
  evidence?: object;
}

/** Writes changes of one sample in one transaction, linking each to its session row when that is recorded. */
export function insertStateChanges(db: Database, changes: readonly StateChange[]): void {
  if (changes.length === 0) return;
  const findRow = db.query<{ id: number; createdAt: string }, SQLQueryBindings>(
    `SELECT id, created_at AS createdAt FROM sessions WHERE name = $name AND tmux_id = $tmuxId AND ended_at IS NULL ORDER BY id DESC LIMIT 1`,
  );
  const insert = db.query<never, SQLQueryBindings>(
    `INSERT INTO state_changes (session_id, session_name, tmux_session_id, pane_id, state, previous_state, at, exit_status, message, evidence)
     VALUES ($sessionId, $sessionName, $tmuxSessionId, $paneId, $state, $previous, $at, $exitStatus, $message, $evidence)`,
  );
  // Changes seen before the run that made the session had recorded it get their row now; only changes
  // since the session began can be its own, which keeps this a range of the `at` index.
  const link = db.query<never, SQLQueryBindings>(
    `UPDATE state_changes SET session_id = $sessionId
     WHERE at >= $since AND session_id IS NULL AND session_name = $sessionName AND tmux_session_id = $tmuxSessionId`,
  );
  const rows = new Map<string, number | null>();
  db.transaction(() => {
    for (const change of changes) {
      const key = `${change.sessionName}\n${change.tmuxSessionId}`;
      let sessionId = rows.get(key);
      if (sessionId === undefined) {
        const row = findRow.get({ name: change.sessionName, tmuxId: change.tmuxSessionId });
        sessionId = row?.id ?? null;
        rows.set(key, sessionId);
        // The row is written a moment after tmux made the session, and a running watcher may have seen it first.
        if (row) {
          const since = new Date(Date.parse(row.createdAt) - LINK_MARGIN_MS).toISOString();
          link.run({ sessionId, since, sessionName: change.sessionName, tmuxSessionId: change.tmuxSessionId });
        }
      }
      insert.run({
        sessionId,
        sessionName: change.sessionName,
        tmuxSessionId: change.tmuxSessionId,
        paneId: change.paneId ?? null,
        state: change.state,
        previous: change.previous ?? null,
        at: change.at,
        exitStatus: change.exitStatus ?? null,
        message: change.message ?? null,
        evidence: change.evidence ? JSON.stringify(change.evidence) : null,
      });
    }
  }).immediate();
}

export interface RecordedChange {
  sessionId: number | null;
  sessionName: string;
  paneId: string | null;
  state: AttentionState;
  at: string;
  exitStatus: number | null;
  message: string | null;
  evidence: string | null;
}

/** Every recorded change of one session (by name), oldest first: the timeline tests and session-info read. */
export function sessionTimeline(store: StateStore, sessionName: string): RecordedChange[] {
  return store.select<RecordedChange>(
    "read a session's state changes",
    `SELECT session_id AS sessionId, session_name AS sessionName, pane_id AS paneId, state, at, exit_status AS exitStatus, message, evidence
     FROM state_changes WHERE session_name = $name ORDER BY at, id`,
    { name: sessionName },
  );
}
