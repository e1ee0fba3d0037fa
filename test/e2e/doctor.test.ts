// `prj doctor` on the compiled binary: a healthy project passes, a broken
// command file fails with exit 1, and orphans (a database row for a session
// tmux no longer has, a run whose prj died, a session whose worktree is gone)
// are reported as warnings.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openStateDatabase } from "../../src/state/db.ts";
import { tempDir, tempGitRepo, type RunResult } from "../helpers/world.ts";
import { ensureBinary, expectExit, STACK_LINE, World } from "./support.ts";

interface Check {
  id: string;
  title: string;
  status: "ok" | "warn" | "fail";
  message: string;
  hint?: string;
  details?: string[];
}

interface Report {
  ok: boolean;
  project: string | null;
  checks: Check[];
}

let world: World | undefined;

beforeAll(async () => {
  await ensureBinary();
}, 120_000);

afterEach(async () => {
  await world?.dispose();
  world = undefined;
});

async function initialisedRepo(w: World): Promise<string> {
  const repo = realpathSync(await tempGitRepo("myproject"));
  expectExit(await w.prj(["init"], { cwd: repo }), 0);
  return repo;
}

async function doctorJson(w: World, cwd: string, code: number): Promise<Report> {
  const result = await w.prj(["doctor", "--json"], { cwd });
  expectExit(result, code);
  expect(result.stderr).not.toMatch(STACK_LINE);
  return JSON.parse(result.stdout) as Report;
}

function check(report: Report, id: string): Check {
  const found = report.checks.find((each) => each.id === id);
  if (!found) throw new Error(`no check ${id} in ${JSON.stringify(report.checks.map((each) => each.id))}`);
  return found;
}

describe("prj doctor", () => {
  test("a healthy project: every check ok or warn, exit 0, plain text on a pipe", async () => {
    const w = (world = World.bare());
    const repo = await initialisedRepo(w);
    const report = await doctorJson(w, repo, 0);
    expect(report.ok).toBe(true);
    expect(report.project).toBe(repo);
    expect(report.checks.map((each) => each.id)).toEqual([
      "tmux", "git", "shell", "prj-writable", "config", "commands", "database", "orphan-sessions", "orphan-rows", "orphan-runs", "worktree-records",
    ]);
    for (const each of report.checks) expect(["ok", "warn"]).toContain(each.status);
    for (const id of ["tmux", "git", "prj-writable", "config", "commands", "database", "orphan-sessions", "orphan-rows", "orphan-runs", "worktree-records"]) {
      expect({ id, status: check(report, id).status }).toEqual({ id, status: "ok" });
    }
    expect(check(report, "tmux").message).toMatch(/^tmux \d+\.\d+/);
    expect(check(report, "shell").message).toContain("/bin/sh");
    // The config files are named as read: the global one by its real path, here absent.
    expect(check(report, "config").message).toBe("valid: ~/.config/prunejuice/config.yaml (none: defaults), .prj/configs/project.yaml");

    const text = await w.prj(["doctor"], { cwd: repo });
    expectExit(text, 0);
    expect(text.stdout).not.toContain("\x1b[");
    expect(text.stdout).toMatch(/^ {2}ok {4}tmux/m);
    expect(text.stdout).toContain("0 failure(s)");
  });

  test("a broken command file: the commands check fails with file:line:col, exit 1", async () => {
    const w = (world = World.bare());
    const repo = await initialisedRepo(w);
    writeFileSync(join(repo, ".prj/commands/broken.yaml"), "name: broken\nsesion:\n  windows: []\n");
    const report = await doctorJson(w, repo, 1);
    expect(report.ok).toBe(false);
    const commands = check(report, "commands");
    expect(commands.status).toBe("fail");
    expect(commands.message).toBe("1 of 4 command files are invalid");
    expect(commands.details).toEqual([expect.stringContaining(".prj/commands/broken.yaml:2:1 sesion: unknown key (did you mean session?)")]);
    expect(commands.hint).toBeTruthy();
    // The other checks still ran.
    expect(check(report, "database").status).toBe("ok");
    expect(check(report, "tmux").status).toBe("ok");

    const text = await w.prj(["doctor"], { cwd: repo });
    expectExit(text, 1);
    expect(text.stdout).toMatch(/^ {2}FAIL {2}command files/m);
    expect(text.stdout).toContain("hint:");
  });

  test("orphans: a row for a dead session, a run whose prj is gone, a session whose worktree is gone", async () => {
    const w = (world = World.bare());
    const repo = await initialisedRepo(w);
    const store = openStateDatabase(join(repo, ".prj/prunejuice.db"), { create: false });
    try {
      store.insertSession({ name: "ghost", projectPath: repo, worktree: "main", task: "dev", workingDirectory: repo, socket: w.tmux.socket });
      // Far above any pid_max: no such process can exist.
      store.startEvent({ kind: "run", command: "start-dev", projectPath: repo, pid: 2_000_000_000 });
    } finally {
      store.close();
    }
    const gone = join(tempDir("worktrees-"), "myproject-feature");
    mkdirSync(gone);
    await w.tmux.ok("new-session", "-d", "-s", "stranded", "-c", gone);
    await w.tmux.ok("set-option", "-t", "stranded", "@prj_project", repo);
    rmSync(gone, { recursive: true });

    const report = await doctorJson(w, repo, 0);
    expect(report.ok).toBe(true);
    const rows = check(report, "orphan-rows");
    expect(rows.status).toBe("warn");
    expect(rows.details).toEqual([expect.stringMatching(/^ghost \(recorded /)]);
    expect(rows.hint).toContain("prj reset-sessions");
    const runs = check(report, "orphan-runs");
    expect(runs.status).toBe("warn");
    expect(runs.details).toEqual([expect.stringContaining("run start-dev")]);
    const sessions = check(report, "orphan-sessions");
    expect(sessions.status).toBe("warn");
    expect(sessions.details).toEqual([`stranded: its worktree ${gone} is gone`]);
    expect(sessions.hint).toContain("prj kill-session");
  });

  test("outside a project: machine checks only, a warning that says to run prj init", async () => {
    const w = (world = World.bare());
    const report = await doctorJson(w, tempDir(), 0);
    expect(report.project).toBeNull();
    expect(report.checks.map((each) => each.id)).toEqual(["tmux", "git", "shell", "project"]);
    expect(check(report, "project").hint).toContain("prj init");
  });
});
