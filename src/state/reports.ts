/**
 * Read-only reports over the state database: history, session statistics and
 * usage over a timeframe. Each function takes `now` and a liveness check so
 * tests can pin both; rendering lives in src/ui/reports.ts.
 *
 * A run left `running` by a prj that has since died (SIGKILL, a crash) is
 * reported as `interrupted` at read time; `prj reset-sessions` writes it.
 *
 * They stay flat up to a million events (SPEC §11): SQLite counts over the
 * indexes of migration 4, all-time run counts and session lengths are kept
 * as rows change (triggers of migration 6), and only counts, one list of
 * lengths per task and worktree, and the times of the sessions in a
 * timeframe come back. A project's
 * database lives in its `.prj/` and holds only its rows, so statistics cover
 * the whole database (a project moved to another path keeps its history) and
 * no index has to carry the project path.
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
        ...(query.status === "interrupted" ? store.listEvents({ projectPath: query.projectPath, status: "interrupted", command: query.command, limit: query.limit }) : []),
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

/** Milliseconds since the epoch of an ISO timestamp column, as Date.parse gives them. */
const msOf = (column: string) => `CAST(ROUND(unixepoch(${column}, 'subsec') * 1000) AS INTEGER)`;

/** Sessions of one task, one worktree or all of them: how many, and the lengths of those that ended. */
class Group {
  sessions = 0;
  private readonly parts: Float64Array[] = [];

  add(sessions: number, durations: Float64Array): void {
    this.sessions += sessions;
    this.parts.push(durations);
  }

  breakdown(): Breakdown {
    const ended = this.parts.reduce((count, part) => count + part.length, 0);
    const durations = new Float64Array(ended);
    let offset = 0;
    let total = 0;
    for (const part of this.parts) {
      durations.set(part, offset);
      offset += part.length;
      for (const seconds of part) total += seconds;
    }
    return {
      sessions: this.sessions,
      active: this.sessions - ended,
      ended,
      total_seconds: total,
      average_seconds: ended ? Math.round(total / ended) : null,
      median_seconds: median(durations),
    };
  }
}

/** Sessions created, active and ended, their durations, by task and worktree, and how runs went. */
export function sessionStats(store: StateStore, options: { isAlive?: IsAlive } = {}): SessionStats {
  // One row per (task, worktree), read from sessions_task_worktree alone (no sort, no row), with the
  // lengths of its ended sessions (sessions.seconds, kept by a trigger) as one JSON list; JavaScript only takes medians.
  const all = new Group();
  const tasks = new Map<string, Group>();
  const worktrees = new Map<string, Group>();
  for (const [task, worktree, sessions, list] of store.selectValues<[string, string, number, string]>(
    "read session statistics",
    `SELECT task, worktree, COUNT(*), json_group_array(seconds) FILTER (WHERE ended_at IS NOT NULL)
     FROM sessions GROUP BY task, worktree`,
  )) {
    const durations = Float64Array.from(JSON.parse(list) as number[]);
    all.add(sessions, durations);
    groupOf(tasks, task).add(sessions, durations);
    groupOf(worktrees, worktree).add(sessions, durations);
  }
  const runs = runCounts(store, undefined, options.isAlive ?? processIsAlive);
  const overall = all.breakdown();
  return {
    created: overall.sessions,
    active: overall.active,
    ended: overall.ended,
    average_duration_seconds: overall.average_seconds,
    median_duration_seconds: overall.median_seconds,
    total_duration_seconds: overall.total_seconds,
    by_task: sortedBreakdowns(tasks).map(({ key, ...rest }) => ({ task: key, ...rest })),
    by_worktree: sortedBreakdowns(worktrees).map(({ key, ...rest }) => ({ worktree: key, ...rest })),
    failed_runs: runs.failed,
    runs,
  };
}

function groupOf(groups: Map<string, Group>, key: string): Group {
  let group = groups.get(key);
  if (!group) groups.set(key, (group = new Group()));
  return group;
}

function sortedBreakdowns(groups: Map<string, Group>): (Breakdown & { key: string })[] {
  return [...groups.entries()]
    .map(([key, group]) => ({ key, ...group.breakdown() }))
    .sort((a, b) => b.sessions - a.sessions || b.total_seconds - a.total_seconds || a.key.localeCompare(b.key));
}

const COUNTED_STATUSES = ["succeeded", "failed", "cancelled", "interrupted"] as const;

/**
 * Runs by shown status, optionally only those started in [from, to). All
 * time, the counts are run_counts (kept by triggers, migration 6); in a
 * window each status is one range of the (kind, status, started_at) index,
 * counted without reading a row. Only `running` runs are read, to ask
 * whether their prj still lives.
 */
function runCounts(store: StateStore, window: { from: string; to: string } | undefined, isAlive: IsAlive): RunCounts {
  const range = window ? " AND started_at >= $from AND started_at < $to" : "";
  const counts: RunCounts = { total: 0, succeeded: 0, failed: 0, cancelled: 0, interrupted: 0, running: 0 };
  const kept = window ? undefined : new Map(store.select<{ status: string; runs: number }>("count runs", "SELECT status, runs FROM run_counts").map((row) => [row.status, row.runs]));
  for (const status of COUNTED_STATUSES) {
    const n = kept
      ? (kept.get(status) ?? 0)
      : (store.select<{ n: number }>("count runs", `SELECT COUNT(*) AS n FROM events WHERE kind = 'run' AND status = $status${range}`, { status, ...window })[0]?.n ?? 0);
    counts[status] += n;
    counts.total += n;
  }
  for (const row of store.select<{ pid: number | null }>("read running runs", `SELECT pid FROM events WHERE kind = 'run' AND status = 'running'${range}`, { ...window })) {
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
const FAILURES = 10;
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
export function sessionUsage(store: StateStore, timeframe: Timeframe, options: { now?: Date; isAlive?: IsAlive } = {}): SessionUsage {
  const now = options.now ?? new Date();
  const isAlive = options.isAlive ?? processIsAlive;
  const from = timeframeStart(timeframe, now);
  const fromMs = from.getTime();
  const nowMs = now.getTime();
  const window = { from: from.toISOString(), to: now.toISOString() };

  const days = dayBuckets(from, now);
  const tasks = new Map<string, UsageGroup & { ms: number }>();
  const worktrees = new Map<string, UsageGroup & { ms: number }>();
  let alive = 0;
  let totalMs = 0;
  let started = 0;
  const endedDurations: number[] = [];
  // The sessions alive in the window, one row per (task, worktree) with their start and end times in ms as
  // two JSON lists in the same order (null: still live). A year holds ~100,000 sessions at a million events.
  for (const [task, worktree, createdList, endedList] of store.selectValues<[string, string, string, string]>(
    "read sessions in the timeframe",
    `SELECT task, worktree, json_group_array(${msOf("created_at")}), json_group_array(${msOf("ended_at")})
     FROM sessions WHERE created_at < $to AND (ended_at IS NULL OR ended_at > $from) GROUP BY task, worktree`,
    window,
  )) {
    const created = JSON.parse(createdList) as number[];
    const ended = JSON.parse(endedList) as (number | null)[];
    for (let row = 0; row < created.length; row++) {
      const createdMs = created[row]!;
      const endedMs = ended[row]!;
      alive += 1;
      const start = Math.max(createdMs, fromMs);
      const end = Math.min(endedMs ?? nowMs, nowMs);
      if (createdMs >= fromMs) started += 1;
      // secondsBetween's rule (durations.ts) on the two times in ms, as sessions.seconds holds it.
      if (endedMs !== null && endedMs <= nowMs) endedDurations.push(Math.max(0, Math.round((endedMs - createdMs) / 1000)));
      if (end <= start) continue;
      totalMs += end - start;
      // Sessions last hours, the window can be a year: walk only the days this one overlaps.
      for (let index = firstDayEndingAfter(days, start); index < days.length && days[index]!.start < end; index++) {
        const day = days[index]!;
        const overlap = Math.min(end, day.end) - Math.max(start, day.start);
        if (overlap > 0) {
          day.ms += overlap;
          day.sessions += 1;
        }
      }
      addTo(tasks, task, end - start);
      addTo(worktrees, worktree, end - start);
    }
  }

  const runs = runCounts(store, window, isAlive);
  return {
    timeframe: timeframe.text,
    from: window.from,
    to: window.to,
    empty: alive === 0 && runs.total === 0,
    days: days.map((day) => ({ date: day.date, session_hours: hours(day.ms), sessions: day.sessions })),
    total_session_hours: hours(totalMs),
    sessions: alive,
    sessions_started: started,
    median_duration_seconds: median(endedDurations),
    top_tasks: top(tasks).map(({ key, ...rest }) => ({ task: key, ...rest })),
    top_worktrees: top(worktrees).map(({ key, ...rest }) => ({ worktree: key, ...rest })),
    failed_runs: runs.failed,
    runs,
    failures: latestFailures(store, window, isAlive),
  };
}

/**
 * The newest failed, cancelled and interrupted runs in the window: the newest
 * few of each status (an index range read backwards) and the `running` ones
 * whose prj is gone, merged.
 */
function latestFailures(store: StateStore, window: { from: string; to: string }, isAlive: IsAlive): RunFailure[] {
  type Row = { id: number; command: string | null; status: EventStatus; pid: number | null; started_at: string; error: string | null };
  const select = (status: EventStatus, limit: number) =>
    store.select<Row>(
      "read failed runs",
      `SELECT id, command, status, pid, started_at, error FROM events
       WHERE kind = 'run' AND status = $status AND started_at >= $from AND started_at < $to
       ORDER BY started_at DESC, id DESC LIMIT $limit`,
      { status, limit, ...window },
    );
  const rows = [
    ...select("failed", FAILURES),
    ...select("cancelled", FAILURES),
    ...select("interrupted", FAILURES),
    ...select("running", -1).filter((row) => presentedStatus(row, isAlive) === "interrupted"),
  ];
  return rows
    .sort((a, b) => (a.started_at === b.started_at ? b.id - a.id : a.started_at < b.started_at ? 1 : -1))
    .slice(0, FAILURES)
    .map((row) => ({ id: row.id, command: row.command, status: presentedStatus(row, isAlive), started_at: row.started_at, error: row.error }));
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

/** The index of the first day that ends after `time` (days are in order and do not overlap). */
function firstDayEndingAfter(days: readonly DayBucket[], time: number): number {
  let low = 0;
  let high = days.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (days[middle]!.end <= time) low = middle + 1;
    else high = middle;
  }
  return low;
}

function addTo(groups: Map<string, UsageGroup & { ms: number }>, key: string, ms: number): void {
  const group = groups.get(key) ?? { session_hours: 0, sessions: 0, ms: 0 };
  group.ms += ms;
  group.sessions += 1;
  groups.set(key, group);
}

function top(groups: Map<string, UsageGroup & { ms: number }>): (UsageGroup & { key: string })[] {
  return [...groups.entries()]
    .sort(([keyA, a], [keyB, b]) => b.ms - a.ms || keyA.localeCompare(keyB))
    .slice(0, TOP)
    .map(([key, group]) => ({ key, session_hours: hours(group.ms), sessions: group.sessions }));
}

function localDate(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// ---- arithmetic ----

function hours(ms: number): number {
  return Math.round((ms / HOUR_MS) * 100) / 100;
}

/** The middle value; for an even count, the mean of the two middle ones, rounded. */
export function median(values: ArrayLike<number>): number | null {
  const count = values.length;
  if (count === 0) return null;
  // A selection, not a sort: linear in the count, which reaches the hundred thousands.
  const scratch = Float64Array.from(values);
  const middle = Math.floor(count / 2);
  const upper = select(scratch, middle);
  if (count % 2) return upper;
  // After selecting, everything below `middle` is no greater than `upper`; the lower middle is the largest of those.
  let lower = -Infinity;
  for (let index = 0; index < middle; index++) if (scratch[index]! > lower) lower = scratch[index]!;
  return Math.round((lower + upper) / 2);
}

/** The value that would be at `k` if `values` were sorted; reorders `values` around it (quickselect). */
function select(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (right > left) {
    const pivot = medianOfThree(values[left]!, values[(left + right) >> 1]!, values[right]!);
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return values[k]!;
  }
  return values[k]!;
}

function medianOfThree(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}
