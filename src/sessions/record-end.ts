/**
 * Writing a session's end: the row, its event and its sessions.log line. The
 * kill path (after it killed) and the reconciler (after it decided a session
 * is gone) both write ends through this one function.
 */
import type { SessionEndReason, SessionRow, StateStore } from "../state/db.ts";
import { secondsBetween } from "../state/durations.ts";
import { log } from "../ui/log.ts";
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
  // A session that ended behind prj's back never had its cleanup steps run: say so, never silently.
  const cleanupNotRun = reason === "gone" ? (row.plan?.cleanupSteps ?? []).map((step) => step.name) : [];
  if (cleanupNotRun.length) {
    log.warn(`session ${row.name} ended outside prj (tmux kill-session, its last shell, or its server), so its cleanup steps were not run: ${cleanupNotRun.join(", ")}`);
  }
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
      metadata: {
        reason,
        created_at: row.createdAt,
        duration_seconds: durationSeconds,
        end_time_source: source,
        tmux_id: row.tmuxId,
        ...(cleanupNotRun.length ? { cleanup_not_run: cleanupNotRun } : {}),
      },
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
    cleanup_not_run: cleanupNotRun.length ? cleanupNotRun.join(",") : undefined,
  });
  return true;
}
