// Observability through the compiled binary: history, stats, analyze and
// monitor on a private tmux server, sessions.log, and accurate durations for
// sessions killed behind prj's back.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openStateDatabase } from "../../src/state/db.ts";
import { tempDir, waitFor } from "../helpers/world.ts";
import { ensureBinary, expectExit, jsonOf, prjBinary, World } from "./support.ts";

beforeAll(ensureBinary);

const worlds: World[] = [];
afterEach(async () => {
  for (const world of worlds.splice(0)) await world.dispose();
});

async function world(): Promise<World> {
  const created = await World.create("obsproj");
  worlds.push(created);
  created.writeCommand("sleeper", "name: sleeper\nsession:\n  windows:\n    - { name: main, command: \"sleep 600\" }\n");
  return created;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** UTC midnight today; the binary runs with TZ=UTC so its days are UTC days. */
const todayUtc = () => Math.floor(Date.now() / DAY) * DAY;
const iso = (ms: number) => new Date(ms).toISOString();

describe("history, stats and analyze on a hand-made database", () => {
  let shared: World;
  let midnight: number;

  beforeAll(async () => {
    shared = await World.create("reports");
    midnight = todayUtc();
    const store = openStateDatabase(shared.database, { create: false });
    try {
      const session = (name: string, task: string, worktree: string, from: number, to: number) => {
        const id = store.insertSession({ name, projectPath: shared.root, worktree, task, workingDirectory: shared.root, createdAt: iso(from) });
        store.endSession(id, { reason: "killed", endedAt: iso(to) });
      };
      session("a", "dev", "main", midnight - DAY + 10 * HOUR, midnight - DAY + 12 * HOUR); // yesterday, 2h
      session("b", "review", "feat", midnight - 2 * DAY + HOUR, midnight - 2 * DAY + 1.5 * HOUR); // two days ago, 30m
      const run = (at: number, status: "failed" | "succeeded" | "running", error?: string) =>
        store.recordEvent({
          kind: "run",
          status,
          command: status === "failed" ? "broken" : "start-dev",
          projectPath: shared.root,
          startedAt: iso(at),
          endedAt: status === "running" ? null : iso(at + 1000),
          exitCode: status === "succeeded" ? 0 : status === "failed" ? 1 : null,
          error: error ?? null,
          // A pid no process has: the prj that owned this run crashed.
          pid: status === "running" ? 999_999_999 : null,
        });
      run(midnight - DAY + 10 * HOUR, "failed", "boom");
      run(midnight - DAY + 11 * HOUR, "succeeded");
      run(midnight - DAY + 11.5 * HOUR, "running");
    } finally {
      store.close();
    }
  });
  afterAll(() => shared.dispose());

  const prj = (args: string[]) => shared.prj(args, { env: { TZ: "UTC" } });

  test("history: newest first, JSON shape, filters; a crashed run shows as interrupted", async () => {
    const all = jsonOf(expectExit(await prj(["history", "--json"]), 0));
    expect(all.map((entry: { status: string }) => entry.status)).toEqual(["interrupted", "succeeded", "failed"]);
    for (const key of ["id", "kind", "status", "command", "session", "worktree", "started_at", "ended_at", "exit_code", "error"]) expect(all[0]).toHaveProperty(key);
    expect(jsonOf(await prj(["history", "--limit", "1", "--json"]))).toHaveLength(1);
    const failed = jsonOf(await prj(["history", "--status", "failed", "--json"]));
    expect(failed.map((entry: { error: string; exit_code: number }) => [entry.error, entry.exit_code])).toEqual([["boom", 1]]);
    expect(jsonOf(await prj(["history", "--status", "interrupted", "--json"]))).toHaveLength(1);
    expect(jsonOf(await prj(["history", "--command", "broken", "--json"]))).toHaveLength(1);
    const text = expectExit(await prj(["history"]), 0).stdout;
    expect(text).toMatch(/^ID\s+KIND\s+STATUS/);
    expect(text).toContain("interrupted");
    // status goes through the one reconciler, which records what it found: the row is interrupted now.
    const status = jsonOf(await prj(["status", "--json"]));
    expect(status.recent_events[0].status).toBe("interrupted");
    expect(shared.runEvents().map((event) => event.status)).toEqual(["failed", "succeeded", "interrupted"]);
  });

  test("stats sessions: counts, average and median, breakdowns, failed runs", async () => {
    const stats = jsonOf(expectExit(await prj(["stats", "sessions", "--json"]), 0));
    expect(stats).toMatchObject({
      created: 2,
      active: 0,
      ended: 2,
      average_duration_seconds: 4500,
      median_duration_seconds: 4500,
      failed_runs: 1,
      runs: { total: 3, failed: 1, succeeded: 1, interrupted: 1 },
    });
    expect(stats.by_task.map((group: { task: string; total_seconds: number }) => [group.task, group.total_seconds])).toEqual([["dev", 7200], ["review", 1800]]);
    expect(stats.by_worktree.map((group: { worktree: string }) => group.worktree).sort()).toEqual(["feat", "main"]);
    expect(expectExit(await prj(["stats", "sessions"]), 0).stdout).toContain("Sessions: 2 created, 0 active, 2 ended");
  });

  test("analyze session-usage: hours per day, tops, median, failures; plain chart off a terminal", async () => {
    const usage = jsonOf(expectExit(await prj(["analyze", "session-usage", "--timeframe", "3d", "--json"]), 0));
    expect(usage.days.map((day: { session_hours: number }) => day.session_hours)).toEqual([0.5, 2, 0]);
    expect(usage.days[2].date).toBe(iso(midnight).slice(0, 10));
    expect(usage).toMatchObject({ total_session_hours: 2.5, sessions: 2, median_duration_seconds: 4500, failed_runs: 1 });
    expect(usage.top_tasks).toEqual([{ task: "dev", session_hours: 2, sessions: 1 }, { task: "review", session_hours: 0.5, sessions: 1 }]);
    expect(usage.failures.map((failure: { status: string }) => failure.status)).toEqual(["interrupted", "failed"]);
    const text = expectExit(await prj(["analyze", "session-usage", "--timeframe", "72h"]), 0).stdout;
    expect(text).toContain("Session-hours per day:");
    expect(text).toMatch(/\|#+ +2\.0h/);
    expect(text).not.toMatch(/[█▏\x1b]/);
    const weekly = jsonOf(await prj(["analyze", "session-usage", "--timeframe", "1w", "--json"]));
    expect(weekly.days).toHaveLength(7);
  });

  test("bad flag values exit 2 with a clear message", async () => {
    const cases: [string[], RegExp][] = [
      [["analyze", "session-usage", "--timeframe", "7x"], /--timeframe must be a positive whole number followed by h, d or w.*"7x"/],
      [["analyze", "session-usage", "--timeframe", "-1d"], /--timeframe must be .*"-1d"/],
      [["analyze", "session-usage", "--timeframe=-1d"], /--timeframe must be .*"-1d"/],
      [["history", "--limit", "abc"], /--limit must be a positive whole number, got "abc"/],
      [["history", "--limit", "0"], /--limit must be a positive whole number/],
      [["history", "--status", "exploded"], /--status must be one of running, succeeded, failed, cancelled, interrupted/],
      [["monitor", "sessions", "--interval", "0"], /--interval must be a number of seconds/],
      [["stats"], /missing the subcommand of `prj stats`/],
    ];
    for (const [args, message] of cases) {
      const result = await prj(args);
      expect({ args, exitCode: result.exitCode }).toEqual({ args, exitCode: 2 });
      expect(result.stderr).toMatch(message);
    }
  });

  test("reset-sessions records the crashed run as interrupted", async () => {
    expectExit(await prj(["reset-sessions", "--json"]), 0);
    expect(shared.runEvents().map((event) => event.status)).toEqual(["failed", "succeeded", "interrupted"]);
  });
});

describe("a fresh project", () => {
  test("stats and analyze say there is nothing yet, and exit 0", async () => {
    const w = await world();
    const usage = expectExit(await w.prj(["analyze", "session-usage", "--timeframe", "7d"]), 0);
    expect(usage.stdout).toContain("No sessions or runs in the last 7d");
    expect(jsonOf(await w.prj(["analyze", "session-usage", "--timeframe", "7d", "--json"]))).toMatchObject({ empty: true, total_session_hours: 0 });
    expect(expectExit(await w.prj(["stats", "sessions"]), 0).stdout).toContain("No sessions recorded yet");
    expect(jsonOf(await w.prj(["history", "--json"]))).toEqual([]);
  });
});

describe("live sessions", () => {
  test("monitor --once --json: non-zero RSS and the process tree of a session running sleep; samples are recorded", async () => {
    const w = await world();
    const name = jsonOf(expectExit(await w.prj(["run", "sleeper", "--json"]), 0)).session.name;
    // Wait until the pane's command is running, so the tree is pane shell + sleep.
    await waitFor(async () => (await w.panes(name))[0]?.command === "sleep", { what: "sleep in the pane" });
    const frame = jsonOf(expectExit(await w.prj(["monitor", "sessions", "--once", "--json"]), 0));
    const session = frame.sessions.find((entry: { name: string }) => entry.name === name);
    expect(session).toMatchObject({ windows: 1, attached: false, managed: true });
    expect(session.rss_bytes).toBeGreaterThan(0);
    expect(session.processes).toBeGreaterThanOrEqual(2);
    expect(typeof session.cpu_percent).toBe("number");
    expect(session.idle_seconds).toBeGreaterThanOrEqual(0);
    const samples = w.query<{ session_name: string; rss_bytes: number }>("SELECT session_name, rss_bytes FROM resource_samples");
    expect(samples).toEqual([{ session_name: name, rss_bytes: session.rss_bytes }]);
    const text = expectExit(await w.prj(["monitor", "sessions", "--once"]), 0).stdout;
    expect(text).toMatch(/SESSION\s+STATE\s+WINDOWS\s+ATTACHED\s+IDLE\s+PROCS\s+CPU%\s+RSS/);
    expect(text).not.toContain("\x1b[");
  });

  test("monitor on a terminal: alternate screen, redrawn in place; q restores the terminal", async () => {
    const w = await world();
    const name = jsonOf(expectExit(await w.prj(["run", "sleeper", "--json"]), 0)).session.name;
    const script = `cd '${w.root}' && PRJ_TMUX_SOCKET='${w.socket}' '${prjBinary}' monitor sessions --interval 0.2; echo "EXIT=$?"; sleep 600`;
    await w.tmux.ok("new-session", "-d", "-s", "viewer", "-x", "120", "-y", "30", script);
    const screen = () => w.tmuxOut("capture-pane", "-p", "-t", "=viewer:");
    await waitFor(async () => (await screen()).includes(name) && (await w.display("=viewer:", "#{alternate_on}")) === "1", { what: "the monitor table" });
    expect(await w.display("=viewer:", "#{cursor_flag}")).toBe("0");
    expect(await screen()).toContain("q or Ctrl-C to quit");
    await w.tmux.ok("send-keys", "-t", "=viewer:", "q");
    await waitFor(async () => (await screen()).includes("EXIT=0"), { what: "the monitor to exit" });
    expect(await w.display("=viewer:", "#{alternate_on}")).toBe("0");
    expect(await w.display("=viewer:", "#{cursor_flag}")).toBe("1");
    expect(await screen()).not.toContain("q or Ctrl-C to quit");
  });

  test("a session killed with tmux kill-session keeps its real end time", async () => {
    const w = await world();
    const name = jsonOf(expectExit(await w.prj(["run", "sleeper", "--json"]), 0)).session.name;
    await w.tmux.ok("new-session", "-d", "-s", "bystander");
    const killedAt = Date.now();
    await w.tmux.ok("kill-session", "-t", `=${name}`);
    const ended = await waitFor(async () => {
      const history = jsonOf(await w.prj(["history", "--json"]));
      return history.find((entry: { kind: string; session: string }) => entry.kind === "session.ended" && entry.session === name);
    }, { what: "the session.ended event" });
    expect(Date.parse(ended.ended_at)).toBeGreaterThanOrEqual(killedAt - 1000);
    expect(Date.parse(ended.ended_at)).toBeLessThanOrEqual(Date.now());
    expect(ended.metadata.end_time_source).toBe("tmux-hook");
    const row = w.sessionRows(name)[0]!;
    expect(row.ended_at).toBe(ended.ended_at);
    expect(row.end_reason).toBe("gone");
    expect(jsonOf(await w.prj(["stats", "sessions", "--json"]))).toMatchObject({ created: 1, active: 0, ended: 1 });
  });
});

describe("logs", () => {
  test("sessions.log records creation, reuse, kill and failures with ISO times, privately; never usage mistakes", async () => {
    const w = await world();
    w.writeCommand("breaks", 'name: breaks\nsteps:\n  - { name: boom, run: "exit 3" }\n');
    const dataHome = tempDir("xdg-");
    const env = { XDG_DATA_HOME: dataHome };
    const name = jsonOf(expectExit(await w.prj(["run", "sleeper", "--json"], { env }), 0)).session.name;
    expectExit(await w.prj(["run", "sleeper", "--json"], { env }), 0);
    expectExit(await w.prj(["kill-session", name], { env }), 0);
    // Invalid input changes nothing and is not an event: a gone session, a typo, a missing argument.
    expectExit(await w.prj(["kill-session", name], { env }), 2);
    expectExit(await w.prj(["stauts"], { env }), 2);
    expectExit(await w.prj(["session-info"], { env }), 2);
    // A failure while doing the work is, once.
    expectExit(await w.prj(["run", "breaks"], { env }), 1);
    const file = join(dataHome, "prunejuice", "logs", "sessions.log");
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines.map((line) => line.split(" ")[1])).toEqual(["created", "reused", "killed", "error"]);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /);
    expect(lines[0]).toContain(`session=${name}`);
    expect(lines[2]).toMatch(/duration_seconds=\d+/);
    expect(lines[3]).toContain("command=breaks");
    expect(lines[3]).toContain("status=failed");
    expect(lines[3]).toContain('error="step boom exited with status 3"');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test("an unwritable log directory: prj still works and warns once", async () => {
    const w = await world();
    const blocker = join(tempDir("blocked-"), "file");
    writeFileSync(blocker, "");
    const env = { XDG_DATA_HOME: blocker };
    const ok = expectExit(await w.prj(["run", "sleeper", "--json"], { env }), 0);
    expect(jsonOf(ok).session.created).toBe(true);
    expect(ok.stderr.match(/cannot write the session log/g)).toHaveLength(1);
    // A failing run logs several lines (the error, the rollback): still one warning.
    w.writeCommand("broken", "name: broken\nsession:\n  name_template: broken\n  windows: [{ name: w }]\nsteps:\n  - { name: fail, run: \"exit 3\" }\n");
    const failed = expectExit(await w.prj(["run", "broken"], { env }), 1);
    expect(failed.stderr.match(/cannot write the session log/g)).toHaveLength(1);
  });

  test("PRJ_LOG_LEVEL=DEBUG (any case) shows every tmux and git call, secrets redacted", async () => {
    const w = await world();
    w.writeCommand(
      "wt",
      "name: wt\narguments: [{ name: branch, required: true }]\nenvironment: { API_TOKEN: \"hunter2-secret\" }\nworktree: { branch: \"{{branch}}\" }\nsession:\n  windows: [{ name: main }]\n",
    );
    const result = expectExit(await w.prj(["run", "wt", "branch=feat-x"], { env: { PRJ_LOG_LEVEL: "Debug" } }), 0);
    expect(result.stderr).toMatch(/\[debug\] exec: git -C \S+ worktree add/);
    expect(result.stderr).toMatch(/\[debug\] exec: \S*tmux -u -L \S+ start-server ; source-file -/);
    expect(result.stderr).toContain("API_TOKEN=***");
    expect(result.stderr).not.toContain("hunter2-secret");
    const quiet = expectExit(await w.prj(["list-sessions"], { env: { PRJ_LOG_LEVEL: "WARN" } }), 0);
    expect(quiet.stderr).not.toContain("[debug]");
  });
});
