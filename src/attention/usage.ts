/**
 * Time spent in each attention state, from the sessions' recorded changes
 * (state_changes rows with no pane: the session's own state, its most urgent
 * pane's). A state lasts from its change to the session's next change, its
 * end, or now, clipped to the timeframe; `stats sessions` and
 * `analyze session-usage` report it per session, task and worktree.
 */
import type { StateStore } from "../state/db.ts";
import { formatDuration, table } from "../ui/output.ts";
import type { AttentionState } from "./states.ts";

export interface AttentionTime {
  working_seconds: number;
  waiting_seconds: number;
  idle_seconds: number;
  done_seconds: number;
  failed_seconds: number;
}

export interface AttentionUsage {
  /** Sessions with recorded states in the timeframe. */
  sessions_tracked: number;
  total: AttentionTime;
  /** The sessions that waited longest for you (at most 20). */
  by_session: (AttentionTime & { session: string; task: string; worktree: string; created_at: string })[];
  by_task: (AttentionTime & { task: string })[];
  by_worktree: (AttentionTime & { worktree: string })[];
}

const TOP_SESSIONS = 20;

function zero(): AttentionTime {
  return { working_seconds: 0, waiting_seconds: 0, idle_seconds: 0, done_seconds: 0, failed_seconds: 0 };
}

function add(into: AttentionTime, state: AttentionState, ms: number): void {
  const key = `${state}_seconds` as keyof AttentionTime;
  if (key in into) into[key] += ms / 1000;
}

function rounded<T extends AttentionTime>(time: T): T {
  const out = { ...time };
  for (const key of ["working_seconds", "waiting_seconds", "idle_seconds", "done_seconds", "failed_seconds"] as const) out[key] = Math.round(out[key]);
  return out;
}

/** Time by state over [from, to) (all time without `window`). */
export function attentionUsage(store: StateStore, options: { window?: { from: string; to: string }; now?: Date } = {}): AttentionUsage {
  const now = options.now ?? new Date();
  const fromMs = options.window ? Date.parse(options.window.from) : 0;
  const toMs = options.window ? Date.parse(options.window.to) : now.getTime();
  // Driven by the changes, never by the sessions table (a hundred thousand rows at a million events): the
  // changes in the timeframe, and for each session the state it was in when the timeframe began.
  const rows = store.selectValues<[number, string, string, string, string, string | null, string, string]>(
    "read recorded attention states",
    `WITH changes AS (
       SELECT session_id, state, at FROM state_changes
       WHERE pane_id IS NULL AND session_id IS NOT NULL AND at >= $from AND at < $to
       UNION ALL
       SELECT session_id, state, $from FROM (
         SELECT session_id, state, MAX(at) AS at FROM state_changes
         WHERE pane_id IS NULL AND session_id IS NOT NULL AND at < $from GROUP BY session_id)
     )
     SELECT s.id, s.name, s.task, s.worktree, s.created_at, s.ended_at, c.state, c.at
     FROM changes c JOIN sessions s ON s.id = c.session_id
     WHERE s.ended_at IS NULL OR s.ended_at > $from
     ORDER BY s.id, c.at`,
    { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() },
  );
  const total = zero();
  const sessions = new Map<number, AttentionTime & { session: string; task: string; worktree: string; created_at: string }>();
  const tasks = new Map<string, AttentionTime>();
  const worktrees = new Map<string, AttentionTime>();
  for (let index = 0; index < rows.length; index++) {
    const [id, name, task, worktree, createdAt, endedAt, state, at] = rows[index]!;
    const next = rows[index + 1];
    const endMs = next && next[0] === id ? Date.parse(next[7]) : Math.min(endedAt ? Date.parse(endedAt) : now.getTime(), now.getTime());
    const start = Math.max(Date.parse(at), fromMs);
    const end = Math.min(endMs, toMs);
    if (end <= start) continue;
    let session = sessions.get(id);
    if (!session) sessions.set(id, (session = { session: name, task, worktree, created_at: createdAt, ...zero() }));
    const taskTime = tasks.get(task) ?? zero();
    tasks.set(task, taskTime);
    const worktreeTime = worktrees.get(worktree) ?? zero();
    worktrees.set(worktree, worktreeTime);
    for (const into of [total, session, taskTime, worktreeTime]) add(into, state as AttentionState, end - start);
  }
  const byWaiting = <T extends AttentionTime>(a: T, b: T) => b.waiting_seconds - a.waiting_seconds || b.working_seconds - a.working_seconds;
  return {
    sessions_tracked: sessions.size,
    total: rounded(total),
    by_session: [...sessions.values()].sort(byWaiting).slice(0, TOP_SESSIONS).map(rounded),
    by_task: [...tasks.entries()].map(([task, time]) => rounded({ task, ...time })).sort(byWaiting),
    by_worktree: [...worktrees.entries()].map(([worktree, time]) => rounded({ worktree, ...time })).sort(byWaiting),
  };
}

/** The text section `stats sessions` and `analyze session-usage` end with. */
export function renderAttentionUsage(usage: AttentionUsage): string {
  if (usage.sessions_tracked === 0) return "";
  const cells = (time: AttentionTime) => [
    formatDuration(time.working_seconds),
    formatDuration(time.waiting_seconds),
    formatDuration(time.idle_seconds),
    formatDuration(time.done_seconds + time.failed_seconds),
  ];
  const header = ["WORKING", "WAITING FOR YOU", "IDLE", "DONE/FAILED"];
  const indent = (text: string) => text.split("\n").map((line) => `  ${line}`).join("\n");
  const lines = [
    "",
    `Attention (${usage.sessions_tracked} session(s) watched): working ${formatDuration(usage.total.working_seconds)}, waiting for you ${formatDuration(usage.total.waiting_seconds)}, idle ${formatDuration(usage.total.idle_seconds)}`,
    "",
    "By session (longest waiting first):",
    indent(table(usage.by_session.map((row) => [row.session, ...cells(row)]), ["SESSION", ...header])),
  ];
  if (usage.by_task.length > 1) lines.push("", "By task:", indent(table(usage.by_task.map((row) => [row.task || "-", ...cells(row)]), ["TASK", ...header])));
  if (usage.by_worktree.length > 1) {
    lines.push("", "By worktree:", indent(table(usage.by_worktree.map((row) => [row.worktree || "-", ...cells(row)]), ["WORKTREE", ...header])));
  }
  return `${lines.join("\n")}\n`;
}
