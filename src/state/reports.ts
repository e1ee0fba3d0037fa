/**
 * Read-only reports over the state database: history, session statistics and
 * usage over a timeframe. Each function takes `now` and a liveness check so
 * tests can pin both; rendering lives in src/ui/reports.ts.
 *
 * A run left `running` by a prj that has since died (SIGKILL, a crash) is
 * reported as `interrupted` at read time; `prj reset-sessions` writes it.
 */
import type { Timeframe } from "../ui/args.ts";
import { processIsAlive, type EventKind, type EventStatus, type StateStore } from "./db.ts";
import { secondsBetween } from "./durations.ts";
import { effectiveStatus, type IsAlive } from "../sessions/liveness.ts";

export const EVENT_STATUSES: readonly EventStatus[] = ["running", "succeeded", "failed", "cancelled", "interrupted"];

/** The status to show, by the reconciler's rule (sessions/liveness.ts), for a row it has not written yet. */
export function presentedStatus(event: { status: EventStatus; pid: number | null }, isAlive: IsAlive = processIsAlive): EventStatus {
  return effectiveStatus(event, isAlive);
}

// ---- history ----

export interface HistoryEntry {
  id: number;
  kind: EventKind;
  status: EventStatus;
  command: string | null;
  session: string | null;
  worktree: string | null;
  started_at: string;
  ended_at: string | null;
  exit_code: number | null;
  error: string | null;
  duration_seconds: number | null;
  metadata: Record<string, unknown> | null;
}

export interface HistoryQuery {
  projectPath: string;
  limit: number;
  status?: EventStatus;
  command?: string;
  isAlive?: IsAlive;
}

/** A project's events, newest first, filtered by the status as shown (so `interrupted` finds crashed runs). */
export function eventHistory(store: StateStore, query: HistoryQuery): HistoryEntry[] {
  const isAlive = query.isAlive ?? processIsAlive;
  // `running` and `interrupted` depend on liveness, so both are read and the shown status decides.
  const byShownStatus = query.status === "running" || query.status === "interrupted";
  const rows = byShownStatus
    ? [
        ...store.listEvents({ projectPath: query.projectPath, status: "running", command: query.command }),
        ...(query.status === "interrupted" ? store.listEvents({ projectPath: query.projectPath, status: "interrupted", command: query.command }) : []),
      ].sort((a, b) => (a.startedAt === b.startedAt ? b.id - a.id : a.startedAt < b.startedAt ? 1 : -1))
    : store.listEvents({ projectPath: query.projectPath, status: query.status, command: query.command, limit: query.limit });
  const out: HistoryEntry[] = [];
  for (const row of rows) {
    const status = presentedStatus(row, isAlive);
    if (query.status && status !== query.status) continue;
    out.push({
      id: row.id,
      kind: row.kind,
      status,
      command: row.command,
      session: row.sessionName,
      worktree: row.worktree,
      started_at: row.startedAt,
      ended_at: row.endedAt,
      exit_code: row.exitCode,
      error: row.error,
      duration_seconds: row.endedAt === null ? null : secondsBetween(row.startedAt, row.endedAt),
      metadata: row.metadata,
    });
    if (out.length >= query.limit) break;
  }
  return out;
}

// ---- stats ----

export interface Breakdown {
  sessions: number;
  active: number;
  ended: number;
  total_seconds: number;
  average_seconds: number | null;
  median_seconds: number | null;
}

export interface RunCounts {
  total: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  interrupted: number;
  running: number;
}

export interface SessionStats {
  created: number;
  active: number;
  ended: number;
  /** Over ended sessions; null when none has ended. */
  average_duration_seconds: number | null;
  median_duration_seconds: number | null;
  total_duration_seconds: number;
  by_task: (Breakdown & { task: string })[];
  by_worktree: (Breakdown & { worktree: string })[];
  failed_runs: number;
  runs: RunCounts;
}

interface SessionSpan {
  task: string;
  worktree: string;
  createdAt: string;
  endedAt: string | null;
}

/** Sessions created, active and ended, their durations, by task and worktree, and how runs went. */
export function sessionStats(store: StateStore, projectPath: string, options: { isAlive?: IsAlive } = {}): SessionStats {
  const sessions = store.select<SessionSpan>(
    "read session statistics",
    `SELECT task, worktree, created_at AS createdAt, ended_at AS endedAt FROM sessions WHERE project_path = $projectPath`,
    { projectPath },
  );
  const durations = sessions.filter((row) => row.endedAt !== null).map((row) => secondsBetween(row.createdAt, row.endedAt!));
  const runs = runCounts(store, projectPath, undefined, options.isAlive ?? processIsAlive);
  return {
    created: sessions.length,
    active: sessions.length - durations.length,
    ended: durations.length,
    average_duration_seconds: average(durations),
    median_duration_seconds: median(durations),
    total_duration_seconds: sum(durations),
    by_task: breakdown(sessions, (row) => row.task).map(({ key, ...rest }) => ({ task: key, ...rest })),
    by_worktree: breakdown(sessions, (row) => row.worktree).map(({ key, ...rest }) => ({ worktree: key, ...rest })),
    failed_runs: runs.failed,
    runs,
  };
}

function breakdown(sessions: SessionSpan[], keyOf: (row: SessionSpan) => string): (Breakdown & { key: string })[] {
  const groups = new Map<string, SessionSpan[]>();
  for (const row of sessions) {
    const key = keyOf(row);
    const group = groups.get(key) ?? [];
    group.push(row);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .map(([key, rows]) => {
      const durations = rows.filter((row) => row.endedAt !== null).map((row) => secondsBetween(row.createdAt, row.endedAt!));
      return {
        key,
        sessions: rows.length,
        active: rows.length - durations.length,
        ended: durations.length,
        total_seconds: sum(durations),
        average_seconds: average(durations),
        median_seconds: median(durations),
      };
    })
    .sort((a, b) => b.sessions - a.sessions || b.total_seconds - a.total_seconds || a.key.localeCompare(b.key));
}

/** Runs by shown status, optionally only those started in [from, to). */
function runCounts(store: StateStore, projectPath: string, window: { from: string; to: string } | undefined, isAlive: IsAlive): RunCounts {
  const where = `project_path = $projectPath AND kind = 'run'${window ? " AND started_at >= $from AND started_at < $to" : ""}`;
  const params = window ? { projectPath, ...window } : { projectPath };
  const counts: RunCounts = { total: 0, succeeded: 0, failed: 0, cancelled: 0, interrupted: 0, running: 0 };
  for (const row of store.select<{ status: EventStatus; n: number }>(
    "count runs",
    `SELECT status, COUNT(*) AS n FROM events WHERE ${where} AND status != 'running' GROUP BY status`,
    params,
  )) {
    counts.total += row.n;
    if (row.status in counts) counts[row.status] += row.n;
  }
  for (const row of store.select<{ pid: number | null }>("read running runs", `SELECT pid FROM events WHERE ${where} AND status = 'running'`, params)) {
    counts.total += 1;
    counts[presentedStatus({ status: "running", pid: row.pid }, isAlive)] += 1;
  }
  return counts;
}

// ---- usage over a timeframe ----

export interface UsageDay {
  /** Local calendar day, YYYY-MM-DD. */
  date: string;
  session_hours: number;
  sessions: number;
}

export interface UsageGroup {
  session_hours: number;
  sessions: number;
}

export interface RunFailure {
  id: number;
  command: string | null;
  status: EventStatus;
  started_at: string;
  error: string | null;
}

export interface SessionUsage {
  timeframe: string;
  from: string;
  to: string;
  /** True when nothing happened in the timeframe: no session was alive and no run started. */
  empty: boolean;
  days: UsageDay[];
  total_session_hours: number;
  /** Sessions alive at some point in the timeframe. */
  sessions: number;
  sessions_started: number;
  /** Of sessions that ended in the timeframe (their whole length). */
  median_duration_seconds: number | null;
  top_tasks: (UsageGroup & { task: string })[];
  top_worktrees: (UsageGroup & { worktree: string })[];
  failed_runs: number;
  runs: RunCounts;
  /** The latest failed, cancelled or interrupted runs, newest first (at most 10). */
  failures: RunFailure[];
}

const TOP = 5;
const HOUR_MS = 3_600_000;

/**
 * Where a timeframe starts. Hours count back from now; days and weeks start at
 * local midnight, so `7d` is today and the six days before it, seven bars.
 */
export function timeframeStart(timeframe: Timeframe, now: Date): Date {
  if (timeframe.unit === "h") return new Date(now.getTime() - timeframe.amount * HOUR_MS);
  const days = timeframe.amount * (timeframe.unit === "w" ? 7 : 1);
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  start.setDate(start.getDate() - (days - 1));
  return start;
}

/** Session-hours per local day, top tasks and worktrees, median duration and failed runs over `timeframe`. */
export function sessionUsage(
  store: StateStore,
  projectPath: string,
  timeframe: Timeframe,
  options: { now?: Date; isAlive?: IsAlive } = {},
): SessionUsage {
  const now = options.now ?? new Date();
  const from = timeframeStart(timeframe, now);
  const fromIso = from.toISOString();
  const toIso = now.toISOString();
  const sessions = store.select<SessionSpan>(
    "read sessions in the timeframe",
    `SELECT task, worktree, created_at AS createdAt, ended_at AS endedAt FROM sessions
     WHERE project_path = $projectPath AND created_at < $to AND (ended_at IS NULL OR ended_at > $from)`,
    { projectPath, from: fromIso, to: toIso },
  );

  const days = dayBuckets(from, now);
  const tasks = new Map<string, UsageGroup>();
  const worktrees = new Map<string, UsageGroup>();
  let totalMs = 0;
  let started = 0;
  const endedDurations: number[] = [];
  for (const row of sessions) {
    const start = Math.max(Date.parse(row.createdAt), from.getTime());
    const end = Math.min(row.endedAt === null ? now.getTime() : Date.parse(row.endedAt), now.getTime());
    if (Date.parse(row.createdAt) >= from.getTime()) started += 1;
    if (row.endedAt !== null && Date.parse(row.endedAt) <= now.getTime()) endedDurations.push(secondsBetween(row.createdAt, row.endedAt));
    if (end <= start) continue;
    totalMs += end - start;
    for (const day of days) {
      const overlap = Math.min(end, day.end) - Math.max(start, day.start);
      if (overlap > 0) {
        day.ms += overlap;
        day.sessions += 1;
      }
    }
    addTo(tasks, row.task, end - start);
    addTo(worktrees, row.worktree, end - start);
  }

  const runs = runCounts(store, projectPath, { from: fromIso, to: toIso }, options.isAlive ?? processIsAlive);
  const failures = store
    .select<{ id: number; command: string | null; status: EventStatus; pid: number | null; startedAt: string; error: string | null }>(
      "read failed runs",
      `SELECT id, command, status, pid, started_at AS startedAt, error FROM events
       WHERE project_path = $projectPath AND kind = 'run' AND started_at >= $from AND started_at < $to
         AND status IN ('failed', 'cancelled', 'interrupted', 'running')
       ORDER BY started_at DESC, id DESC`,
      { projectPath, from: fromIso, to: toIso },
    )
    .map((row) => ({ ...row, status: presentedStatus(row, options.isAlive ?? processIsAlive) }))
    .filter((row) => row.status !== "running")
    .slice(0, 10)
    .map((row) => ({ id: row.id, command: row.command, status: row.status, started_at: row.startedAt, error: row.error }));

  return {
    timeframe: timeframe.text,
    from: fromIso,
    to: toIso,
    empty: sessions.length === 0 && runs.total === 0,
    days: days.map((day) => ({ date: day.date, session_hours: hours(day.ms), sessions: day.sessions })),
    total_session_hours: hours(totalMs),
    sessions: sessions.length,
    sessions_started: started,
    median_duration_seconds: median(endedDurations),
    top_tasks: top(tasks).map(({ key, ...rest }) => ({ task: key, ...rest })),
    top_worktrees: top(worktrees).map(({ key, ...rest }) => ({ worktree: key, ...rest })),
    failed_runs: runs.failed,
    runs,
    failures,
  };
}

interface DayBucket {
  date: string;
  start: number;
  end: number;
  ms: number;
  sessions: number;
}

/** Local calendar days from `from` to `to`, each clipped to the window. */
function dayBuckets(from: Date, to: Date): DayBucket[] {
  const out: DayBucket[] = [];
  const cursor = new Date(from.getFullYear(), from.getMonth(), from.getDate());
  while (cursor.getTime() < to.getTime()) {
    const next = new Date(cursor);
    next.setDate(next.getDate() + 1);
    out.push({
      date: localDate(cursor),
      start: Math.max(cursor.getTime(), from.getTime()),
      end: Math.min(next.getTime(), to.getTime()),
      ms: 0,
      sessions: 0,
    });
    cursor.setTime(next.getTime());
  }
  return out;
}

function addTo(groups: Map<string, UsageGroup & { ms?: number }>, key: string, ms: number): void {
  const group = groups.get(key) ?? { session_hours: 0, sessions: 0, ms: 0 };
  group.ms = (group.ms ?? 0) + ms;
  group.session_hours = hours(group.ms);
  group.sessions += 1;
  groups.set(key, group);
}

function top(groups: Map<string, UsageGroup & { ms?: number }>): (UsageGroup & { key: string })[] {
  return [...groups.entries()]
    .map(([key, group]) => ({ key, ms: group.ms ?? 0, session_hours: group.session_hours, sessions: group.sessions }))
    .sort((a, b) => b.ms - a.ms || a.key.localeCompare(b.key))
    .slice(0, TOP)
    .map(({ ms: _ms, ...rest }) => rest);
}

function localDate(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// ---- arithmetic ----

function hours(ms: number): number {
  return Math.round((ms / HOUR_MS) * 100) / 100;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function average(values: number[]): number | null {
  return values.length ? Math.round(sum(values) / values.length) : null;
}

/** The middle value; for an even count, the mean of the two middle ones. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}
