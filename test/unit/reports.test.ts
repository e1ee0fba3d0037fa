import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { UsageError } from "../../src/errors.ts";
import { openStateDatabase, type StateStore } from "../../src/state/db.ts";
import { eventHistory, median, presentedStatus, sessionStats, sessionUsage, timeframeStart } from "../../src/state/reports.ts";
import { parseChoice, parseInterval, parsePositiveInteger, parseTimeframe } from "../../src/ui/args.ts";
import { bar, barChart } from "../../src/ui/chart.ts";
import { renderStats, renderUsage } from "../../src/ui/reports.ts";
import { secondsBetween } from "../../src/state/durations.ts";
import { seedDatabase } from "../helpers/seed.ts";
import { tempDir } from "../helpers/world.ts";

const project = "/home/u/proj";
const opened: StateStore[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

function open(path = join(tempDir("reports-"), "state.db")): StateStore {
  const store = openStateDatabase(path, { create: true });
  opened.push(store);
  return store;
}

// Local times, so day buckets match whatever TZ the tests run in (January has no DST change).
const at = (day: number, hour: number, minute = 0) => new Date(2026, 0, day, hour, minute).toISOString();
const NOW = new Date(2026, 0, 10, 12, 0);
const ALIVE_PID = 111;
const isAlive = (pid: number) => pid === ALIVE_PID;

/**
 * Sessions (local time):            task    worktree  ends
 *   S1 Jan 9 10:00 → Jan 9 12:00    dev     main      2h
 *   S2 Jan 9 23:00 → Jan 10 01:00   dev     feat      2h across midnight
 *   S3 Jan 10 11:00 → (live)        review  feat      1h so far
 *   S4 Jan 1 10:00 → Jan 1 11:00    test    main      1h, before the 3d window
 *   S5 Jan 8 09:00 → Jan 8 09:30    dev     main      30m
 */
function fixture(): StateStore {
  const store = open();
  const sessions = [
    ["s1", "dev", "main", at(9, 10), at(9, 12)],
    ["s2", "dev", "feat", at(9, 23), at(10, 1)],
    ["s3", "review", "feat", at(10, 11), null],
    ["s4", "test", "main", at(1, 10), at(1, 11)],
    ["s5", "dev", "main", at(8, 9), at(8, 9, 30)],
  ] as const;
  for (const [name, task, worktree, createdAt, endedAt] of sessions) {
    const id = store.insertSession({ name, projectPath: project, worktree, task, workingDirectory: project, createdAt });
    if (endedAt) store.endSession(id, { reason: "killed", endedAt });
  }
  const run = (startedAt: string, status: "succeeded" | "failed" | "cancelled" | "running", extra: { pid?: number; error?: string; command?: string } = {}) =>
    store.recordEvent({
      kind: "run",
      status,
      command: extra.command ?? "start-dev",
      projectPath: project,
      startedAt,
      endedAt: status === "running" ? null : startedAt,
      error: extra.error ?? null,
      pid: status === "running" ? (extra.pid ?? null) : null,
    });
  run(at(9, 10), "succeeded"); // E1
  run(at(9, 11), "failed", { error: "boom" }); // E2
  run(at(10, 11, 30), "running", { pid: 999_999_999 }); // E3: its prj is dead
  run(at(10, 11, 45), "running", { pid: ALIVE_PID }); // E4
  run(at(1, 9), "failed", { error: "old" }); // E5
  store.recordEvent({ kind: "session.created", status: "succeeded", command: "start-dev", sessionName: "s3", projectPath: project, startedAt: at(10, 11) }); // E6
  run(at(8, 10), "cancelled", { command: "other" }); // E7
  return store;
}

describe("presentedStatus", () => {
  test("running with a dead or unknown owner shows as interrupted", () => {
    expect(presentedStatus({ status: "running", pid: ALIVE_PID }, isAlive)).toBe("running");
    expect(presentedStatus({ status: "running", pid: 5 }, isAlive)).toBe("interrupted");
    expect(presentedStatus({ status: "running", pid: null }, isAlive)).toBe("interrupted");
    expect(presentedStatus({ status: "failed", pid: 5 }, isAlive)).toBe("failed");
    expect(presentedStatus({ status: "running", pid: process.pid })).toBe("running");
  });
});

describe("eventHistory", () => {
  test("newest first, limited, with the shown status", () => {
    const rows = eventHistory(fixture(), { projectPath: project, limit: 3, isAlive });
    expect(rows.map((row) => [row.kind, row.status, row.started_at])).toEqual([
      ["run", "running", at(10, 11, 45)],
      ["run", "interrupted", at(10, 11, 30)],
      ["session.created", "succeeded", at(10, 11)],
    ]);
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(["id", "kind", "status", "command", "session", "worktree", "started_at", "ended_at", "exit_code", "error"]));
  });

  test("filters by shown status and by command", () => {
    const store = fixture();
    const query = (extra: object) => eventHistory(store, { projectPath: project, limit: 50, isAlive, ...extra });
    expect(query({ status: "interrupted" }).map((row) => row.started_at)).toEqual([at(10, 11, 30)]);
    expect(query({ status: "running" }).map((row) => row.started_at)).toEqual([at(10, 11, 45)]);
    expect(query({ status: "failed" }).map((row) => row.error)).toEqual(["boom", "old"]);
    expect(query({ command: "other" }).map((row) => row.status)).toEqual(["cancelled"]);
    expect(query({ command: "nope" })).toEqual([]);
    expect(query({}).length).toBe(7);
  });
});

describe("sessionStats", () => {
  test("counts, durations and breakdowns match the hand-computed figures", () => {
    const stats = sessionStats(fixture(), { isAlive });
    expect(stats).toMatchObject({
      created: 5,
      active: 1,
      ended: 4,
      average_duration_seconds: 4950, // (7200 + 7200 + 3600 + 1800) / 4
      median_duration_seconds: 5400, // (3600 + 7200) / 2
      total_duration_seconds: 19800,
      failed_runs: 2,
      runs: { total: 6, succeeded: 1, failed: 2, cancelled: 1, interrupted: 1, running: 1 },
    });
    expect(stats.by_task).toEqual([
      { task: "dev", sessions: 3, active: 0, ended: 3, total_seconds: 16200, average_seconds: 5400, median_seconds: 7200 },
      { task: "test", sessions: 1, active: 0, ended: 1, total_seconds: 3600, average_seconds: 3600, median_seconds: 3600 },
      { task: "review", sessions: 1, active: 1, ended: 0, total_seconds: 0, average_seconds: null, median_seconds: null },
    ]);
    expect(stats.by_worktree).toEqual([
      { worktree: "main", sessions: 3, active: 0, ended: 3, total_seconds: 12600, average_seconds: 4200, median_seconds: 3600 },
      { worktree: "feat", sessions: 2, active: 1, ended: 1, total_seconds: 7200, average_seconds: 7200, median_seconds: 7200 },
    ]);
    expect(renderStats(stats)).toContain("Sessions: 5 created, 1 active, 4 ended");
  });

  test("an empty database has zeros and no averages", () => {
    const stats = sessionStats(open());
    expect(stats).toMatchObject({ created: 0, active: 0, ended: 0, average_duration_seconds: null, median_duration_seconds: null, failed_runs: 0 });
    expect(renderStats(stats)).toContain("No sessions recorded yet");
  });
});

describe("sessionUsage", () => {
  test("session-hours per local day, tops, median and failures over 3d", () => {
    const usage = sessionUsage(fixture(), parseTimeframe("3d"), { now: NOW, isAlive });
    expect(usage.from).toBe(at(8, 0));
    expect(usage.days).toEqual([
      { date: "2026-01-08", session_hours: 0.5, sessions: 1 },
      { date: "2026-01-09", session_hours: 3, sessions: 2 },
      { date: "2026-01-10", session_hours: 2, sessions: 2 },
    ]);
    expect(usage).toMatchObject({
      empty: false,
      total_session_hours: 5.5,
      sessions: 4,
      sessions_started: 4,
      median_duration_seconds: 7200, // S5 30m, S1 2h, S2 2h
      failed_runs: 1,
      runs: { total: 5, succeeded: 1, failed: 1, cancelled: 1, interrupted: 1, running: 1 },
    });
    expect(usage.top_tasks).toEqual([
      { task: "dev", session_hours: 4.5, sessions: 3 },
      { task: "review", session_hours: 1, sessions: 1 },
    ]);
    expect(usage.top_worktrees).toEqual([
      { worktree: "feat", session_hours: 3, sessions: 2 },
      { worktree: "main", session_hours: 2.5, sessions: 2 },
    ]);
    expect(usage.failures.map((row) => [row.status, row.started_at])).toEqual([
      ["interrupted", at(10, 11, 30)],
      ["failed", at(9, 11)],
      ["cancelled", at(8, 10)],
    ]);
    const text = renderUsage(usage, { unicode: false, color: false, columns: 80 });
    expect(text).toContain("2026-01-09");
    expect(text).toMatch(/2026-01-09 \w{3} \|#+ +3\.0h/);
    expect(text).not.toContain("\x1b[");
  });

  test("hours count back from now; an empty timeframe says so", () => {
    const usage = sessionUsage(fixture(), parseTimeframe("2h"), { now: NOW, isAlive });
    expect(usage.from).toBe(at(10, 10));
    expect(usage.total_session_hours).toBe(1); // S3 from 11:00
    const later = sessionUsage(fixture(), parseTimeframe("1d"), { now: new Date(2026, 1, 20, 12), isAlive: () => true });
    expect(later.empty).toBe(false); // S3 is still live
    const fresh = sessionUsage(open(), parseTimeframe("7d"), { now: NOW });
    expect(fresh.empty).toBe(true);
    expect(fresh.days).toHaveLength(7);
    expect(renderUsage(fresh, { unicode: true, color: false, columns: 80 })).toContain("No sessions or runs in the last 7d");
  });

  test("timeframeStart aligns days and weeks to local midnight", () => {
    expect(timeframeStart(parseTimeframe("7d"), NOW).getTime()).toBe(new Date(2026, 0, 4).getTime());
    expect(timeframeStart(parseTimeframe("1w"), NOW).getTime()).toBe(new Date(2026, 0, 4).getTime());
    expect(timeframeStart(parseTimeframe("1d"), NOW).getTime()).toBe(new Date(2026, 0, 10).getTime());
    expect(timeframeStart(parseTimeframe("36h"), NOW).getTime()).toBe(NOW.getTime() - 36 * 3_600_000);
  });
});

describe("flag values", () => {
  test.each(["7d", "12h", "2w", "7D", " 30d "])("timeframe %j is accepted", (raw) => {
    expect(parseTimeframe(raw).text).toMatch(/^\d+[hdw]$/);
  });
  test.each(["7x", "-1d", "0d", "", "d", "1.5d", "7", "99999w"])("timeframe %j is a usage error", (raw) => {
    expect(() => parseTimeframe(raw)).toThrow(UsageError);
    try {
      parseTimeframe(raw);
    } catch (error) {
      expect((error as UsageError).exitCode).toBe(2);
      expect((error as UsageError).message).toContain("--timeframe");
    }
  });
  test("limits, intervals and choices", () => {
    expect(parsePositiveInteger("20", "--limit")).toBe(20);
    for (const bad of ["abc", "0", "-1", "1.5", "", undefined]) expect(() => parsePositiveInteger(bad, "--limit")).toThrow(/--limit must be a positive whole number/);
    expect(parseInterval("0.5")).toBe(0.5);
    for (const bad of ["0", "abc", "-2", "1e3"]) expect(() => parseInterval(bad)).toThrow(/--interval/);
    expect(parseChoice("FAILED", "--status", ["failed", "succeeded"])).toBe("failed");
    expect(() => parseChoice("broken", "--status", ["failed"])).toThrow(/--status must be one of failed/);
  });
});

describe("charts and medians", () => {
  test("bars use eighths with unicode and whole #s without", () => {
    const options = { width: 10, unicode: true, color: false };
    expect(bar(8, 8, options)).toBe("██████████");
    expect(bar(4, 8, options)).toBe("█████");
    expect(bar(1, 8, options)).toBe("█▎");
    expect(bar(0.01, 8, options)).toBe("▏");
    expect(bar(0, 8, options)).toBe("");
    expect(bar(4, 8, { ...options, unicode: false })).toBe("#####");
    expect(bar(4, 8, { ...options, color: true })).toBe("\x1b[36m█████\x1b[0m");
    const chart = barChart([{ label: "a", value: 2, text: "2h" }, { label: "bb", value: 1, text: "1h" }], { width: 4, unicode: false, color: false });
    expect(chart).toBe("a  |#### 2h\nbb |##   1h");
  });
  test("median", () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(3); // (2 + 3) / 2 rounded
  });
});

describe("seeded database", () => {
  test("10,000 events and 500 sessions over 30 days give consistent reports", () => {
    const path = join(tempDir("seed-"), "proj", ".prj", "prunejuice.db");
    const now = new Date();
    const seeded = seedDatabase(path, { events: 10_000, sessions: 500, days: 30, now });
    expect(seeded.projectPath).toBe(join(path, "..", ".."));
    const store = openStateDatabase(path, { create: false });
    opened.push(store);
    const stats = sessionStats(store);
    expect(stats).toMatchObject({ created: 500, active: 0, ended: 500 });
    expect(stats.by_task.reduce((sum, group) => sum + group.sessions, 0)).toBe(500);
    expect(stats.runs.total).toBeGreaterThan(4000);
    expect(stats.failed_runs).toBeGreaterThan(0);
    const history = eventHistory(store, { projectPath: seeded.projectPath, limit: 10 });
    expect(history).toHaveLength(10);
    expect([...history].sort((a, b) => (a.started_at < b.started_at ? 1 : -1))).toEqual(history);
    const usage = sessionUsage(store, parseTimeframe("30d"), { now });
    expect(usage.days).toHaveLength(30);
    expect(usage.total_session_hours).toBeGreaterThan(100);
    expect(store.listEvents({ projectPath: seeded.projectPath })).toHaveLength(10_000);
  });
});

describe("aggregation in SQL", () => {
  /** The reports as plain JavaScript over every row: what SQLite's figures must equal. */
  function reference(store: StateStore, now: Date, from: Date) {
    const sessions = store.select<{ task: string; worktree: string; created_at: string; ended_at: string | null }>(
      "read",
      "SELECT task, worktree, created_at, ended_at FROM sessions",
    );
    const ended = sessions.filter((row) => row.ended_at !== null).map((row) => secondsBetween(row.created_at, row.ended_at!));
    const byTask = new Map<string, number[]>();
    for (const row of sessions.filter((row) => row.ended_at !== null)) {
      byTask.set(row.task, [...(byTask.get(row.task) ?? []), secondsBetween(row.created_at, row.ended_at!)]);
    }
    const inWindow = sessions.filter((row) => Date.parse(row.created_at) < now.getTime() && (row.ended_at === null || Date.parse(row.ended_at) > from.getTime()));
    let totalMs = 0;
    for (const row of inWindow) {
      const start = Math.max(Date.parse(row.created_at), from.getTime());
      const end = Math.min(row.ended_at === null ? now.getTime() : Date.parse(row.ended_at), now.getTime());
      if (end > start) totalMs += end - start;
    }
    const endedInWindow = inWindow.filter((row) => row.ended_at !== null && Date.parse(row.ended_at) <= now.getTime());
    return {
      total: ended.reduce((sum, value) => sum + value, 0),
      median: median(ended),
      medianByTask: new Map([...byTask].map(([task, values]) => [task, median(values)])),
      windowSessions: inWindow.length,
      windowHours: Math.round((totalMs / 3_600_000) * 100) / 100,
      windowMedian: median(endedInWindow.map((row) => secondsBetween(row.created_at, row.ended_at!))),
    };
  }

  test("sums, medians and hours equal a direct computation over every row", () => {
    const path = join(tempDir("seed-"), "proj", ".prj", "prunejuice.db");
    const now = new Date();
    seedDatabase(path, { events: 2_000, sessions: 801, days: 20, now, seed: 7 });
    const store = openStateDatabase(path, { create: false });
    opened.push(store);
    const stats = sessionStats(store);
    const usage = sessionUsage(store, parseTimeframe("9d"), { now });
    const expected = reference(store, now, timeframeStart(parseTimeframe("9d"), now));
    expect(stats.total_duration_seconds).toBe(expected.total);
    expect(stats.median_duration_seconds).toBe(expected.median);
    for (const group of stats.by_task) expect(group.median_seconds).toBe(expected.medianByTask.get(group.task) ?? null);
    expect(usage.sessions).toBe(expected.windowSessions);
    expect(usage.total_session_hours).toBe(expected.windowHours);
    expect(usage.median_duration_seconds).toBe(expected.windowMedian);
    expect(usage.days.reduce((sum, day) => sum + day.session_hours, 0)).toBeCloseTo(expected.windowHours, 1);
  });

  test("lengths round to whole seconds as secondsBetween does, and never go below zero", () => {
    const store = open();
    const base = Date.parse("2026-01-05T10:00:00.000Z");
    for (const [name, ms] of [["a", 1_499], ["b", 1_500], ["c", 2_500], ["d", -3_000]] as const) {
      const id = store.insertSession({ name, projectPath: project, worktree: "main", task: "dev", workingDirectory: project, createdAt: new Date(base).toISOString() });
      store.endSession(id, { reason: "killed", endedAt: new Date(base + ms).toISOString() });
    }
    const stats = sessionStats(store);
    expect(stats.total_duration_seconds).toBe(1 + 2 + 3 + 0);
    expect(stats.median_duration_seconds).toBe(2); // 0, 1, 2, 3
  });

  test("the latest failures merge the newest of each status, then the dead running ones", () => {
    const store = open();
    const minute = (n: number) => new Date(Date.parse("2026-01-10T00:00:00.000Z") + n * 60_000).toISOString();
    const run = (status: "failed" | "cancelled" | "interrupted" | "running", at: number, pid: number | null = null) =>
      store.recordEvent({ kind: "run", status, command: "c", projectPath: project, startedAt: minute(at), endedAt: status === "running" ? null : minute(at), pid });
    for (let n = 0; n < 12; n++) run("failed", n * 2);
    run("cancelled", 21);
    run("interrupted", 25);
    run("running", 30, 999_999_999);
    run("running", 31, ALIVE_PID);
    const usage = sessionUsage(store, parseTimeframe("2d"), { now: new Date(Date.parse("2026-01-10T12:00:00.000Z")), isAlive });
    expect(usage.failures.map((row) => [row.status, row.started_at])).toEqual([
      ["interrupted", minute(30)],
      ["interrupted", minute(25)],
      ["failed", minute(22)],
      ["cancelled", minute(21)],
      ["failed", minute(20)],
      ["failed", minute(18)],
      ["failed", minute(16)],
      ["failed", minute(14)],
      ["failed", minute(12)],
      ["failed", minute(10)],
    ]);
    expect(usage.runs).toEqual({ total: 16, succeeded: 0, failed: 12, cancelled: 1, interrupted: 2, running: 1 });
  });

  test("median selects rather than sorts, and agrees with sorting", () => {
    let state = 1;
    const next = () => (state = (state * 48271) % 2147483647);
    for (let size = 1; size <= 300; size += 7) {
      const values = Array.from({ length: size }, () => next() % 50);
      const sorted = [...values].sort((a, b) => a - b);
      const middle = Math.floor(size / 2);
      expect(median(values)).toBe(size % 2 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2));
    }
  });

  test("no index repeats the project path, and the reports' indexes exist", () => {
    const store = open();
    const indexes = store.select<{ name: string; sql: string }>("read", "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL");
    expect(indexes.filter((index) => index.sql.includes("project_path")).map((index) => index.name)).toEqual([]);
    expect(indexes.map((index) => index.name)).toEqual(
      expect.arrayContaining(["events_started_at", "events_status_started_at", "events_command_started_at", "events_kind_status_started_at", "sessions_ended_at", "sessions_task_worktree"]),
    );
  });
});

describe("figures kept by triggers", () => {
  test("run_counts follows every insert, status change and delete of a run", () => {
    const store = open();
    const ids: number[] = [];
    for (let n = 0; n < 12; n++) {
      ids.push(store.startEvent({ kind: "run", command: "c", projectPath: project, pid: null }));
      store.recordEvent({ kind: "session.created", status: "succeeded", command: "c", projectPath: project });
    }
    for (const [index, id] of ids.entries()) {
      if (index < 6) store.finishEvent(id, { status: "succeeded", exitCode: 0 });
      else if (index < 9) store.finishEvent(id, { status: "failed", exitCode: 1 });
    }
    store.finishEvent(ids[0]!, { status: "succeeded", exitCode: 0 }); // the same status again
    store.select("delete", "DELETE FROM events WHERE id = $id RETURNING id", { id: ids[11]! });
    const kept = store.select<{ status: string; runs: number }>("read", "SELECT status, runs FROM run_counts WHERE runs != 0 ORDER BY status");
    const counted = store.select<{ status: string; runs: number }>("read", "SELECT status, COUNT(*) AS runs FROM events WHERE kind = 'run' GROUP BY status ORDER BY status");
    expect(kept).toEqual(counted);
    expect(kept).toEqual([
      { status: "failed", runs: 3 },
      { status: "running", runs: 2 },
      { status: "succeeded", runs: 6 },
    ]);
  });

  test("sessions.seconds is set when a session ends or is inserted ended, and cleared if it is live again", () => {
    const store = open();
    const created = "2026-01-05T10:00:00.000Z";
    const live = store.insertSession({ name: "a", projectPath: project, worktree: "main", task: "dev", workingDirectory: project, createdAt: created });
    const seconds = (id: number) => store.select<{ seconds: number | null }>("read", "SELECT seconds FROM sessions WHERE id = $id", { id })[0]!.seconds;
    expect(seconds(live)).toBeNull();
    store.endSession(live, { reason: "killed", endedAt: "2026-01-05T10:00:01.500Z" });
    expect(seconds(live)).toBe(secondsBetween(created, "2026-01-05T10:00:01.500Z"));
    store.select("reopen", "UPDATE sessions SET ended_at = NULL WHERE id = $id RETURNING id", { id: live });
    expect(seconds(live)).toBeNull();
    const path = join(tempDir("seed-"), "proj", ".prj", "prunejuice.db");
    seedDatabase(path, { events: 10, sessions: 50, days: 3 });
    const seeded = openStateDatabase(path, { create: false });
    opened.push(seeded);
    const rows = seeded.select<{ created_at: string; ended_at: string; seconds: number }>("read", "SELECT created_at, ended_at, seconds FROM sessions");
    expect(rows).toHaveLength(50);
    for (const row of rows) expect(row.seconds).toBe(secondsBetween(row.created_at, row.ended_at));
  });
});
