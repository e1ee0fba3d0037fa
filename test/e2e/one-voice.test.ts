// prj speaks with one voice: one line per fact, one error formatter, one
// clock, one table of exit statuses, and help that teaches.
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { realpathSync } from "node:fs";
import { expectExit, jsonOf, perTest, prjBinary, STACK_LINE, World, worlds } from "./support.ts";
import { PrivateTmux, tempDir, waitFor } from "../helpers/world.ts";

const newWorld = worlds({ ignorePrj: true });
const terminal = perTest(() => new PrivateTmux("pty"));

/** Starts `prj ARGS` in a window of a terminal server (a real pty); its exit status is printed after it as EXIT=N. */
async function inTerminal(pty: PrivateTmux, world: World, window: string, args: string[]): Promise<() => Promise<string>> {
  const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;
  const env = Object.entries(world.env()).map(([key, value]) => `${key}=${quote(value ?? "")}`);
  const command = `env ${env.join(" ")} ${[prjBinary, ...args].map(quote).join(" ")}; echo EXIT=$?; sleep 600`;
  if ((await pty.sessionNames()).length === 0) await pty.ok("new-session", "-d", "-s", "pty", "-x", "120", "-y", "30", "-n", window, "-c", world.root, command);
  else await pty.ok("new-window", "-d", "-t", "=pty:", "-n", window, "-c", world.root, command);
  return () => pty.ok("capture-pane", "-p", "-t", `=pty:=${window}`);
}

/** A command whose session is one plain window. */
function plain(world: World, name: string, extra = ""): void {
  world.writeCommand(name, `name: ${name}\nsession:\n  name_template: "${name}"\n  windows: [{ name: w }]\n${extra}`);
}

describe("one line per fact", () => {
  test("a run says its result once, on stdout; progress on stderr never repeats it", async () => {
    const world = await newWorld();
    plain(world, "solo");
    const first = expectExit(await world.prj(["run", "solo"]), 0);
    expect(first.stdout).toBe("Created session solo\nAttach: prj attach solo\n");
    expect(first.stderr).not.toMatch(/session solo/i);
    const again = expectExit(await world.prj(["run", "solo"]), 0);
    expect(again.stdout).toBe("Reusing session solo\nAttach: prj attach solo\n");
    expect(again.stderr).toBe("");
  });

  test("a run with a worktree names the worktree once, in its result", async () => {
    const world = await newWorld();
    const result = expectExit(await world.prj(["run", "feature-branch", "branch=topic"]), 0);
    const path = world.worktreePath("topic");
    expect(result.stdout).toBe(`Created worktree ${path}\nCreated session myproject-topic-dev\nAttach: prj attach myproject-topic-dev\n`);
    expect(result.stderr).not.toContain(path);
  });

  test("a failing run prints one error line, in the formatter's voice, after the rollback", async () => {
    const world = await newWorld();
    plain(world, "breaks", 'steps:\n  - { name: boom, run: "echo said; exit 7" }\n');
    const result = expectExit(await world.prj(["run", "breaks"]), 1);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines.filter((line) => line.includes("exited with status 7"))).toEqual(["prj: run of breaks failed: step boom exited with status 7"]);
    expect(lines.filter((line) => line.startsWith("prj:"))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^ {2}hint: step logs: .*\.prj\/artifacts\/\d+$/);
    expect(result.stderr).not.toContain("[error]");
  });

  test("with --json a failure prints the report once on stdout and the error once on stderr", async () => {
    const world = await newWorld();
    plain(world, "breaks", 'steps:\n  - { name: boom, run: "exit 7" }\n');
    const result = expectExit(await world.prj(["run", "breaks", "--json"]), 1);
    expect(jsonOf(result)).toMatchObject({ status: "failed", error: "step boom exited with status 7", session: null });
    expect(result.stderr.match(/exited with status 7/g)).toHaveLength(1);
  });

  test("citty's own texts never reach the user: a missing argument is said in prj's voice", async () => {
    const world = await newWorld();
    const result = expectExit(await world.prj(["session-info"]), 2);
    expect(result.stderr).toBe("prj: missing NAME for `prj session-info`\n  hint: usage: prj session-info NAME [--json]\n");
    const freeze = expectExit(await world.prj(["freeze"]), 2);
    expect(freeze.stderr).toStartWith("prj: missing SESSION for `prj freeze`\n");
    for (const output of [result.stderr, freeze.stderr]) {
      expect(output).not.toMatch(/Missing required|prj: prj /);
      expect(output).not.toMatch(STACK_LINE);
    }
  });
});

describe("exit statuses", () => {
  test("0 success, 1 a failure of the work, 2 invalid input of every kind", async () => {
    const world = await newWorld();
    plain(world, "solo");
    plain(world, "breaks", 'steps:\n  - { name: boom, run: "exit 1" }\n');
    expectExit(await world.prj(["run", "solo"]), 0);
    await world.tmux.ok("new-session", "-d", "-s", "foreign");
    const cases: [string[], number][] = [
      [["run", "breaks"], 1],
      [["stauts"], 2],
      [["run"], 2],
      [["run", "no-such-command"], 2],
      [["attach", "no-such-session"], 2],
      [["session-info", "no-such-session"], 2],
      [["kill-session", "no-such-session"], 2],
      [["kill-session", "foreign"], 2],
      [["freeze", "no-such-session"], 2],
      [["worktree", "remove", "no-such-branch"], 2],
      [["worktree", "rm", "x"], 2],
      [["history", "--limit", "0"], 2],
    ];
    for (const [args, code] of cases) {
      const result = await world.prj(args);
      expect({ args, exit: result.exitCode }).toEqual({ args, exit: code });
      expect(result.stderr.match(/^prj: /gm)).toHaveLength(1);
    }
    // A refusal that changed nothing: an existing command file without --force.
    expectExit(await world.prj(["freeze", "foreign", "--name", "copy"]), 0);
    expectExit(await world.prj(["freeze", "foreign", "--name", "copy"]), 2);
  });

  test("a command that needs a git repository, outside one, is exit 2", async () => {
    const world = World.bare();
    try {
      expectExit(await world.prj(["init"]), 0);
      for (const args of [["worktree", "list"], ["worktree", "create", "x"], ["run", "feature-branch", "branch=x"]]) {
        const result = expectExit(await world.prj(args), 2);
        expect(result.stderr).toContain("is not in a git repository");
      }
    } finally {
      await world.dispose();
    }
  });
});

describe("help that teaches", () => {
  test("prj run --help: the whole usage line, every flag aligned with --no-attach, and the project's commands", async () => {
    const world = await newWorld();
    const help = expectExit(await world.prj(["run", "--help"]), 0).stdout;
    expect(help).toContain("Usage: prj run NAME [key=value …] [--dry-run] [--attach|--no-attach] [--json]");
    const options = help.split("Options:\n")[1]!.split("\n\n")[0]!.split("\n");
    expect(options.map((line) => line.trim().split(/\s{2,}/)[0])).toEqual(["--dry-run", "--attach", "--no-attach", "--json", "--help, -h"]);
    // One column for every description.
    const columns = new Set(options.map((line) => line.search(/\S\s{2,}\S/) >= 0 ? line.replace(/^(\s*\S+(?:,? \S+)*\s{2,}).*/, "$1").length : -1));
    expect(columns.size).toBe(1);
    expect(help).toContain("Commands in this project:");
    expect(help).toMatch(/^ {2}feature-branch +branch=… +Feature work/m);
    expect(help).toMatch(/^ {2}start-dev +Development session/m);
  });

  test("prj run without a name lists the commands, exit 2", async () => {
    const world = await newWorld();
    const result = expectExit(await world.prj(["run"]), 2);
    expect(result.stderr).toStartWith("prj: missing the NAME of the command to run\n");
    for (const name of ["feature-branch", "review-pr", "start-dev"]) expect(result.stderr).toContain(`    ${name}`);
  });

  test("did you mean: a session by its beginning, and the aliases people type", async () => {
    const world = await newWorld();
    expectExit(await world.prj(["run", "start-dev"]), 0);
    const attach = expectExit(await world.prj(["attach", "myproject-mai"]), 2);
    expect(attach.stderr).toContain("did you mean myproject-main-dev?");
    const info = expectExit(await world.prj(["session-info", "myproject-main-de"]), 2);
    expect(info.stderr).toContain("did you mean myproject-main-dev?");
    expect(expectExit(await world.prj(["kill", "myproject-main-dev"]), 2).stderr).toContain("did you mean `prj kill-session`?");
    expect(expectExit(await world.prj(["worktree", "rm", "x"]), 2).stderr).toContain("did you mean `prj worktree remove`?");
    expect(expectExit(await world.prj(["worktree", "ls"]), 2).stderr).toContain("did you mean `prj worktree list`?");
    // Nothing was run by a guess.
    expect(await world.sessions()).toEqual(["myproject-main-dev"]);
  });
});

describe("one clock", () => {
  test("status, history, list-sessions and session-info show one event at one local time, the zone named", async () => {
    const world = await newWorld();
    expectExit(await world.prj(["run", "start-dev"]), 0);
    const tokyo = { TZ: "Asia/Tokyo" };
    const event = jsonOf(expectExit(await world.prj(["history", "--json"]), 0)).at(-1);
    // The ISO time in JSON is UTC whatever the zone.
    expect(jsonOf(expectExit(await world.prj(["history", "--json"], { env: tokyo }), 0)).at(-1).started_at).toBe(event.started_at);
    expect(event.started_at).toEndWith("Z");
    const local = localTokyo(event.started_at);
    const status = expectExit(await world.prj(["status"], { env: tokyo }), 0).stdout;
    const history = expectExit(await world.prj(["history"], { env: tokyo }), 0).stdout;
    expect(status).toContain("Recent events (times in Asia/Tokyo):");
    expect(status).toMatch(new RegExp(`#${event.id} .*${local}`));
    expect(history).toContain("STARTED (Asia/Tokyo)");
    expect(history).toMatch(new RegExp(`#${event.id} .*${local}`));
    const sessions = expectExit(await world.prj(["list-sessions"], { env: tokyo }), 0).stdout;
    expect(sessions).toContain("CREATED (Asia/Tokyo)");
    const info = expectExit(await world.prj(["session-info", "myproject-main-dev"], { env: tokyo }), 0).stdout;
    expect(info).toContain("(times in Asia/Tokyo)");
    expect(info).not.toMatch(/\d\dT\d\d:/);
    const monitor = expectExit(await world.prj(["monitor", "sessions", "--once"], { env: tokyo }), 0).stdout;
    expect(monitor.split("\n")[0]).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Asia\/Tokyo$/);
  });

  test("events that tie in time keep id order, newest first, in status and history", async () => {
    const world = await newWorld();
    expectExit(await world.prj(["run", "start-dev"]), 0);
    const db = new Database(world.database);
    try {
      const at = "2026-11-23T10:00:00.000Z";
      for (const kind of ["session.killed", "cleanup", "session.ended"]) {
        db.run("INSERT INTO events (kind, status, project_path, started_at, ended_at) VALUES (?, 'succeeded', ?, ?, ?)", [kind, realpathSync(world.root), at, at]);
      }
    } finally {
      db.close();
    }
    const history = jsonOf(expectExit(await world.prj(["history", "--json"]), 0)) as { id: number; started_at: string }[];
    const tied = history.filter((entry) => entry.started_at === "2026-11-23T10:00:00.000Z").map((entry) => entry.id);
    expect(tied).toHaveLength(3);
    expect(tied).toEqual([...tied].sort((a, b) => b - a));
    const text = expectExit(await world.prj(["status"]), 0).stdout;
    const shown = [...text.matchAll(/#(\d+) +(session\.killed|cleanup|session\.ended)/g)].map((match) => Number(match[1]));
    expect(shown).toEqual(tied);
  });
});

describe("Ctrl-C is 130 everywhere", () => {
  test("a prompt answered with Ctrl-C, and the live monitor stopped by it; q quits monitor with 0", async () => {
    const world = await newWorld();
    expectExit(await world.prj(["run", "start-dev"]), 0);
    const pty = terminal();
    const prompt = await inTerminal(pty, world, "prompt", ["cleanup-sessions"]);
    const monitorC = await inTerminal(pty, world, "monitor-c", ["monitor", "sessions", "--interval", "0.2"]);
    const monitorQ = await inTerminal(pty, world, "monitor-q", ["monitor", "sessions", "--interval", "0.2"]);
    await waitFor(async () => (await prompt()).includes("Kill 1 session(s)"), { what: "the question" });
    await pty.ok("send-keys", "-t", "=pty:=prompt", "C-c");
    for (const window of ["monitor-c", "monitor-q"]) {
      await waitFor(async () => (await pty.ok("capture-pane", "-p", "-t", `=pty:=${window}`)).includes("q or Ctrl-C to quit"), { what: `monitor in ${window}` });
    }
    await pty.ok("send-keys", "-t", "=pty:=monitor-c", "C-c");
    await pty.ok("send-keys", "-t", "=pty:=monitor-q", "q");
    const exitOf = async (screen: () => Promise<string>) => waitFor(async () => /EXIT=(\d+)/.exec(await screen())?.[1], { what: "the exit status" });
    expect(await exitOf(prompt)).toBe("130");
    expect(await prompt()).toContain("prj: cancelled: nothing was killed");
    expect(await exitOf(monitorC)).toBe("130");
    expect(await exitOf(monitorQ)).toBe("0");
    // Nothing was killed.
    expect(await world.sessions()).toEqual(["myproject-main-dev"]);
  }, 30_000);
});

describe("runs are counted as runs", () => {
  test("doctor and reset-sessions tell a dead run from a dead kill or clean-up", async () => {
    const world = await newWorld();
    expectExit(await world.prj(["run", "start-dev"]), 0);
    const db = new Database(world.database);
    try {
      // A pid far above any pid_max: never alive.
      for (const kind of ["run", "session.killed", "cleanup"]) {
        db.run("INSERT INTO events (kind, status, project_path, started_at, pid) VALUES (?, 'running', ?, ?, 2147483000)", [kind, realpathSync(world.root), new Date().toISOString()]);
      }
    } finally {
      db.close();
    }
    const doctor = jsonOf(await world.prj(["doctor", "--json"]));
    const runs = doctor.checks.find((check: { id: string }) => check.id === "orphan-runs");
    expect(runs.message).toBe("1 run and 2 other operations (kill, clean-up) still marked running, but their prj process is gone");
    const reset = jsonOf(expectExit(await world.prj(["reset-sessions", "--json"]), 0));
    expect(reset).toMatchObject({ interrupted: 1, interrupted_operations: 2 });
  });
});

describe("outside a project", () => {
  test("attach and session-info find a session named exactly on the server prj is pointed at", async () => {
    const world = await newWorld();
    expectExit(await world.prj(["run", "start-dev"]), 0);
    const elsewhere = tempDir("nowhere-");
    const info = expectExit(await world.prj(["session-info", "myproject-main-dev", "--json"], { cwd: elsewhere }), 0);
    expect(jsonOf(info)).toMatchObject({ name: "myproject-main-dev", managed: true, history: [] });
    const missing = expectExit(await world.prj(["attach", "myproject-main-d"], { cwd: elsewhere }), 2);
    expect(missing.stderr).toContain("did you mean myproject-main-dev?");
    expect(missing.stderr).toContain(`tmux -L ${world.socket} list-sessions`);
    // Found, it goes as far as attaching needs a terminal.
    const attach = expectExit(await world.prj(["attach", "myproject-main-dev"], { cwd: elsewhere }), 2);
    expect(attach.stderr).toContain("no terminal");
  });
});

/** `2026-11-24 04:55:21`: an ISO time in Tokyo, which has no daylight saving. */
function localTokyo(iso: string): string {
  return new Date(Date.parse(iso) + 9 * 3_600_000).toISOString().replace("T", " ").slice(0, 19);
}
