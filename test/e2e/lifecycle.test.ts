// A session's whole life, by design: the plan recorded with the session and
// used at kill time, rollback by undo stack, one reconciler, activity that
// means output, and runs that race. Real git, a private tmux server and the
// compiled binary.
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, waitFor } from "../helpers/world.ts";
import { expectExit, jsonOf, perTest, World } from "./support.ts";

const newProject = perTest(() => World.create("proj", { ignorePrj: true }));

const RECORDED = (marker: string) => `name: rec
arguments:
  - { name: label, required: true }
  - { name: api_token, default: "tok-SECRET-123" }
environment:
  API_TOKEN: "{{api_token}}"
  SERVICE_URL: "https://svc.example/{{api_token}}/x"
session:
  name_template: "rec-{{label}}"
  windows: [{ name: main }]
  cleanup_steps:
    - { name: note, run: 'printf "%s %s %s" {{label}} "$PRJ_PORT" "$PRJ_SESSION_NAME" > ${marker}' }
`;

describe("the plan is recorded with the session", () => {
  for (const change of ["deleted", "broken"] as const) {
    test(`a command file ${change} after the run changes nothing about session-info and kill-session`, async () => {
      const p = await newProject();
      const marker = join(tempDir("rec-"), "cleanup-ran");
      p.writeCommand("rec", RECORDED(marker));
      expectExit(await p.prj(["run", "rec", "label=hello"]), 0);
      const before = jsonOf(expectExit(await p.prj(["session-info", "rec-hello", "--json"]), 0));
      if (change === "deleted") rmSync(join(p.root, ".prj/commands/rec.yaml"));
      else writeFileSync(join(p.root, ".prj/commands/rec.yaml"), "name: rec\nsession: [unclosed\n");

      const info = jsonOf(expectExit(await p.prj(["session-info", "rec-hello", "--json"]), 0));
      expect(info.environment.API_TOKEN).toBe("***");
      // A value built from a secret is as secret as the secret.
      expect(info.environment.SERVICE_URL).toBe("***");
      expect(JSON.stringify(info)).not.toContain("tok-SECRET-123");
      expect(info.environment).toEqual(before.environment);
      expect(info.arguments).toEqual({ label: "hello", api_token: "***" });

      const killed = jsonOf(expectExit(await p.prj(["kill-session", "rec-hello", "--json"]), 0));
      expect(killed.cleanup_steps).toEqual(["note"]);
      // The templated cleanup step ran with the values of the run that made the session.
      expect(readFileSync(marker, "utf8")).toBe(`hello ${info.port} rec-hello`);
      expect(await p.sessions()).toEqual([]);
      const row = p.query<{ plan: string }>("SELECT plan FROM sessions WHERE name = 'rec-hello'")[0]!;
      expect(row.plan).not.toContain("tok-SECRET-123");
    });
  }
});

describe("rollback pops the undo stack", () => {
  test("a new worktree that gained a file the run did not put there is kept and reported", async () => {
    for (const file of ["notes.txt", "debug.log"]) {
      const p = await newProject();
      p.writeFile(".gitignore", ".prj/\n*.log\n");
      await p.git("add", ".gitignore");
      await p.git("commit", "-q", "-m", "ignore logs");
      p.writeCommand(
        "wait-fail",
        [
          "name: wait-fail",
          "arguments: [{ name: branch, required: true }]",
          'worktree: { branch: "{{branch}}" }',
          "steps:",
          `  - { name: wait, run: 'while [ ! -f "$PRJ_WORKTREE_PATH/${file}" ]; do sleep 0.05; done; exit 3' }`,
          "",
        ].join("\n"),
      );
      const child = p.spawnPrj(["run", "wait-fail", "branch=kept"]);
      const path = p.worktreePath("kept");
      await waitFor(() => existsSync(join(path, ".git")), { what: "the worktree" });
      writeFileSync(join(path, file), "the user's\n");
      expect(await child.exited).toBe(1);
      const stderr = await new Response(child.stderr).text();
      expect(stderr).toContain(`kept worktree ${path}`);
      expect(readFileSync(join(path, file), "utf8")).toBe("the user's\n");
      expect(await p.worktrees()).toContain(path);
      // The branch is checked out in the kept worktree, so it stays too.
      expect(await p.branches()).toContain("kept");
      const cleanup = p.events("cleanup").at(-1)!;
      expect(JSON.stringify(cleanup.metadata)).toContain("worktree_kept");
      await p.dispose();
    }
  });

  test("a failed run removes the worktree and branch it made, and nothing it reused", async () => {
    const p = await newProject();
    p.writeCommand(
      "fail",
      ["name: fail", "arguments: [{ name: branch, required: true }]", 'worktree: { branch: "{{branch}}" }', "session: { windows: [{ name: w }] }", "steps: [{ name: boom, run: 'exit 4' }]", ""].join("\n"),
    );
    expectExit(await p.prj(["worktree", "create", "existing"]), 0);
    expectExit(await p.prj(["run", "fail", "branch=existing"]), 1);
    expect(await p.worktrees()).toContain(p.worktreePath("existing"));
    expectExit(await p.prj(["run", "fail", "branch=fresh"]), 1);
    expect(await p.worktrees()).not.toContain(p.worktreePath("fresh"));
    expect(await p.branches()).not.toContain("fresh");
    expect(await p.sessions()).toEqual([]);
  });
});

describe("history tells the truth", () => {
  test("the run event names the session the run really used (-2 when the name was taken)", async () => {
    const p = await newProject();
    await p.tmux.ok("new-session", "-d", "-s", "proj-main-dev");
    const report = jsonOf(expectExit(await p.prj(["run", "start-dev", "--json"]), 0));
    expect(report.session).toEqual({ name: "proj-main-dev-2", created: true });
    expect(p.lastRun().session_name).toBe("proj-main-dev-2");
    const history = jsonOf(expectExit(await p.prj(["history", "--json"]), 0));
    expect(history.find((event: { kind: string }) => event.kind === "run").session).toBe("proj-main-dev-2");
  });

  test("ten runs for one branch started at once all succeed: one worktree and session, nine reuse them", async () => {
    const p = await newProject();
    const children = Array.from({ length: 10 }, () => p.spawnPrj(["run", "feature-branch", "branch=same", "--json"]));
    const codes = await Promise.all(children.map((child) => child.exited));
    const outputs = await Promise.all(children.map(async (child) => JSON.parse(await new Response(child.stdout).text())));
    expect(codes).toEqual(Array(10).fill(0));
    expect(outputs.filter((out) => out.worktree.created)).toHaveLength(1);
    expect(outputs.filter((out) => out.session.created)).toHaveLength(1);
    expect(new Set(outputs.map((out) => out.session.name))).toEqual(new Set(["proj-same-dev"]));
    expect((await p.worktrees()).filter((path) => path === p.worktreePath("same"))).toHaveLength(1);
    expect(await p.sessions()).toEqual(["proj-same-dev"]);
  });

  test("ten runs on different branches at once make ten worktrees with ten ports", async () => {
    const p = await newProject();
    const children = Array.from({ length: 10 }, (_, index) => p.spawnPrj(["run", "feature-branch", `branch=b${index}`]));
    expect(await Promise.all(children.map((child) => child.exited))).toEqual(Array(10).fill(0));
    const listing = jsonOf(expectExit(await p.prj(["worktree", "list", "--json"]), 0)) as { path: string; port: number; main: boolean }[];
    const linked = listing.filter((row) => !row.main);
    expect(linked).toHaveLength(10);
    expect(new Set(linked.map((row) => row.port)).size).toBe(10);
    expect((await p.sessions()).length).toBe(10);
  });
});

describe("activity means output", () => {
  test("a session that keeps printing is never stale; a quiet one is, and auto_cleanup spares the one being reused", async () => {
    const p = await newProject();
    p.writeProjectConfig("sessions:\n  session_timeout: 2s\n  auto_cleanup: true\n");
    p.writeCommand("chatty", 'name: chatty\nsession:\n  name_template: chatty\n  windows: [{ name: loop, command: "while :; do echo tick; sleep 0.3; done" }]\n');
    p.writeCommand("quiet", "name: quiet\nsession:\n  name_template: quiet\n  task: quiet\n  windows: [{ name: w }]\n");
    expectExit(await p.prj(["run", "chatty"]), 0);
    expectExit(await p.prj(["run", "quiet"]), 0);
    // tmux's client-input activity stays where it was; only output moves on. The quiet one goes stale once its
    // shell has printed its prompt and said nothing for the timeout; by then chatty's input is as old.
    await waitFor(async () => jsonOf(await p.prj(["status", "--json"])).stale_sessions.includes("quiet"), {
      timeoutMs: 20_000,
      intervalMs: 200,
      what: "the quiet session to pass session_timeout",
    });
    expect(Date.now() / 1000 - Number(await p.display("=chatty:", "#{session_activity}"))).toBeGreaterThan(2);
    const listed = jsonOf(expectExit(await p.prj(["list-sessions", "--json"]), 0)) as { name: string; idle_seconds: number; last_output_at: string }[];
    const chatty = listed.find((session) => session.name === "chatty")!;
    expect(chatty.idle_seconds).toBeLessThan(2);
    expect(Date.now() - Date.parse(chatty.last_output_at)).toBeLessThan(2000);
    const status = jsonOf(expectExit(await p.prj(["status", "--json"]), 0));
    expect(status.stale_sessions).toEqual(["quiet"]);
    // The run about to reuse `quiet` must not remove it as stale first.
    const again = jsonOf(expectExit(await p.prj(["run", "quiet", "--json"]), 0));
    expect(again.session).toEqual({ name: "quiet", created: false });
    expect((await p.sessions()).sort()).toEqual(["chatty", "quiet"]);
  });
});

describe("SIGKILL at any point of a run", () => {
  test("the database stays consistent and one reconcile accounts for every worktree and session the runs made", async () => {
    const p = await newProject();
    p.writeCommand(
      "full",
      [
        "name: full",
        "arguments: [{ name: branch, required: true }]",
        'worktree: { branch: "{{branch}}" }',
        "pre_steps: [{ name: pre, run: 'true' }]",
        "session:",
        '  name_template: "full-{{branch}}"',
        "  windows: [{ name: a }, { name: b, panes: [{}, {}] }]",
        "  post_create_steps: [{ name: post-create, run: 'true' }]",
        "steps: [{ name: main, run: 'true' }]",
        "",
      ].join("\n"),
    );
    const points = 24;
    for (let index = 0; index < points; index++) {
      const child = p.spawnPrj(["run", "full", `branch=k${index}`]);
      // Spread the kills from "at once" to "near the end" of a ~200 ms run.
      await Bun.sleep((index * 11) % 260);
      child.kill("SIGKILL");
      await child.exited;
    }
    const reset = jsonOf(expectExit(await p.prj(["reset-sessions", "--json"]), 0));
    expect(reset).toHaveProperty("worktrees_adopted");
    const db = new Database(p.database, { readonly: true });
    try {
      expect((db.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check).toBe("ok");
      const liveRows = (db.query("SELECT name FROM sessions WHERE ended_at IS NULL").all() as { name: string }[]).map((row) => row.name).sort();
      // Every session tmux has (a kill can land after tmux made it, before prj recorded it) is recorded, and no more.
      expect(liveRows).toEqual((await p.sessions()).sort());
      const recordedWorktrees = (db.query("SELECT path FROM worktrees WHERE removed_at IS NULL").all() as { path: string }[]).map((row) => row.path).sort();
      expect(recordedWorktrees).toEqual((await p.worktrees()).sort());
      const running = db.query("SELECT count(*) AS n FROM events WHERE status = 'running'").get() as { n: number };
      expect(running.n).toBe(0);
      const ports = (db.query("SELECT port FROM worktrees WHERE removed_at IS NULL").all() as { port: number }[]).map((row) => row.port);
      expect(new Set(ports).size).toBe(ports.length);
    } finally {
      db.close();
    }
    // Every branch the runs made is checked out in a recorded worktree.
    const branches = (await p.branches()).filter((branch) => branch !== "main");
    const listing = jsonOf(expectExit(await p.prj(["worktree", "list", "--json"]), 0)) as { branch: string }[];
    for (const branch of branches) expect(listing.map((row) => row.branch)).toContain(branch);
  }, 120_000);
});

describe("the dry run is the plan a real run executes", () => {
  test("dry-run operations equal the operations the real run records, server setup and all", async () => {
    const p = await newProject();
    p.writeCommand(
      "every",
      [
        "name: every",
        "arguments: [{ name: branch, required: true }, { name: db_password, default: hunter2-secret }]",
        'environment: { DATABASE_URL: "postgres://app:{{db_password}}@db/app" }',
        'worktree: { branch: "{{branch}}" }',
        "pre_steps: [{ name: first, run: 'echo {{branch}}' }]",
        "session:",
        '  name_template: "every-{{branch}}"',
        "  windows: [{ name: a, command: 'echo on {{port}}' }, { name: b, panes: [{}, 'echo two'] }]",
        "  pre_create_steps: [{ name: before, run: 'true' }]",
        "  post_create_steps: [{ name: after, run: 'true' }]",
        "  cleanup_steps: [{ name: bye, run: 'echo {{branch}}' }]",
        "steps: [{ name: main, run: 'true' }]",
        "post_steps: [{ name: last, run: 'true' }]",
        "",
      ].join("\n"),
    );
    for (const [command, args] of [["every", ["branch=dry"]], ["feature-branch", ["branch=other"]], ["start-dev", []]] as const) {
      const planned = jsonOf(expectExit(await p.prj(["run", command, ...args, "--dry-run", "--json"]), 0));
      const report = jsonOf(expectExit(await p.prj(["run", command, ...args, "--json"]), 0));
      const event = p.event(report.event_id)!;
      const executed = (typeof event.metadata === "string" ? JSON.parse(event.metadata) : event.metadata).operations;
      expect(executed).toEqual(planned.operations);
      const batch = planned.operations.find((operation: { op: string }) => operation.op === "session").tmux.join("\n");
      // The server setup travels in the same batch, and the dry run shows it.
      expect(batch).toContain("session-closed[8461]");
      expect(batch).toContain("@prj_end_recorder");
      expect(JSON.stringify(planned)).not.toContain("hunter2-secret");
      expect(JSON.stringify(event)).not.toContain("hunter2-secret");
    }
    const planned = jsonOf(expectExit(await p.prj(["run", "every", "branch=dry", "--dry-run", "--json"]), 0));
    // Run again, everything exists: the plan says so.
    expect(planned.operations.filter((operation: { op: string }) => operation.op !== "step").map((operation: { action: string }) => operation.action)).toEqual(["reuse", "reuse"]);
    expect(planned.steps.cleanup.map((step: { name: string }) => step.name)).toEqual(["bye"]);
  });
});

describe("faults while running", () => {
  test("the disk filling while a step writes its log: the run fails cleanly and rolls back, no stack trace", async () => {
    const p = await newProject();
    p.writeCommand(
      "chatty-step",
      [
        "name: chatty-step",
        "arguments: [{ name: branch, required: true }]",
        'worktree: { branch: "{{branch}}" }',
        "session: { windows: [{ name: w }] }",
        "steps: [{ name: loud, run: 'yes | head -c 200000' }]",
        "",
      ].join("\n"),
    );
    // The run's first event is #1; its first step's log goes to a device that is always full.
    const { mkdirSync, symlinkSync } = await import("node:fs");
    mkdirSync(join(p.root, ".prj/artifacts/1"), { recursive: true });
    symlinkSync("/dev/full", join(p.root, ".prj/artifacts/1/01-loud.log"));
    const result = expectExit(await p.prj(["run", "chatty-step", "branch=full"]), 1);
    expect(result.stderr).toContain("no space left on the device");
    expect(result.stderr).not.toMatch(/^\s{4}at /m);
    expect(await p.sessions()).toEqual([]);
    expect(await p.worktrees()).toEqual([p.root]);
    expect(p.lastRun()).toMatchObject({ id: 1, status: "failed" });
  });

  test("a session the database cannot record is killed again, and the user is told", async () => {
    const p = await newProject();
    expectExit(await p.prj(["list-commands"]), 0);
    const db = p.openDatabase(false);
    try {
      db.run("CREATE TRIGGER refuse_sessions BEFORE INSERT ON sessions BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END");
    } finally {
      db.close();
    }
    const result = expectExit(await p.prj(["run", "start-dev"]), 1);
    expect(result.stderr).toContain("could not be recorded");
    expect(result.stderr).toContain("it was killed again");
    // The failure's own hint reaches the user through the run's one error line.
    expect(result.stderr).toContain("check that .prj/prunejuice.db is writable");
    expect(result.stderr).not.toMatch(/^\s{4}at /m);
    expect(await p.sessions()).toEqual([]);
    expect(p.lastRun().status).toBe("failed");
  });
});
