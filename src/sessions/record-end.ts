/**
 * Writing a session's end: the row, its event and its sessions.log line. The
 * kill path (after it killed) and the reconciler (after it decided a session
 * is gone) both write ends through this one function.
 */
import type { SessionEndReason, SessionRow, StateStore } from "../state/db.ts";
import { secondsBetween } from "../state/durations.ts";
import { sessionLog } from "../ui/session-log.ts";
import type { EndTimeSource } from "./ends.ts";

/** Ends a session row with a `session.ended`/`session.killed`/`cleanup` event and a sessions.log line; false when it had already ended. */
export function recordSessionEnd(
  store: StateStore,
  projectPath: string,
  row: SessionRow,
  end: { reason: SessionEndReason; endedAt: Date; source: EndTimeSource | "prj"; recordEvent?: boolean },
): boolean {
  const { reason, endedAt, source } = end;
  if (row.endedAt !== null) return false;
  store.endSession(row.id, { reason, endedAt: endedAt.toISOString() });
  const durationSeconds = secondsBetween(row.createdAt, endedAt);
  if (end.recordEvent !== false) {
    store.recordEvent({
      kind: reason === "gone" ? "session.ended" : reason === "cleanup" ? "cleanup" : "session.killed",
      status: "succeeded",
      exitCode: 0,
      startedAt: endedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      command: row.command,
      sessionName: row.name,
      worktree: row.worktree,
      projectPath,
      metadata: { reason, created_at: row.createdAt, duration_seconds: durationSeconds, end_time_source: source, tmux_id: row.tmuxId },
    });
  }
  sessionLog(reason === "gone" ? "ended" : reason, {
    session: row.name,
    project: projectPath,
    worktree: row.worktree,
    task: row.task,
    reason,
    duration_seconds: durationSeconds,
    ended_at: reason === "gone" ? endedAt.toISOString() : undefined,
    source: reason === "gone" ? source : undefined,
    socket: row.socket,
  });
  return true;
}
