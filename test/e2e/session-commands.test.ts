// End-to-end tests of the session commands (SPEC §6): attach, list-sessions,
// session-info, status, kill-session, cleanup-sessions and reset-sessions,
// each run as the compiled binary against a private tmux server.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { PrivateTmux, tempDir, waitFor } from "../helpers/world.ts";
import { expectExit, jsonOf, World, worlds } from "./support.ts";

const DEV = "myproject-main-dev";
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
setDefaultTimeout(30_000);
const newWorld = worlds();

/** A command whose session is just one plain window, named `name`. */
function plainCommand(world: World, name: string, extra: string[] = []): void {
  world.writeCommand(name, [`name: ${name}`, "session:", `  name_template: "${name}"`, ...extra, ""].join("\n"));
}

describe("attach and exact targeting", () => {
  test("attach without a terminal says so and exits 2 (a refusal that changed nothing)", async () => {
    const world = await newWorld();
    expectExit(await world.prj(["run", "start-dev"]), 0);
    const result = expectExit(await world.prj(["attach", DEV]), 2);
    expect(result.stderr).toMatch(/no terminal/i);
    expect(result.stderr).toContain(DEV);
    expect(result.stderr).not.toMatch(/^\s{4}at /m);
    expect(await world.tmux.sessionNames()).toEqual([DEV]);
  });

  test("run with auto_attach and no terminal creates the session and says it is not attaching", async () => {
    const world = await newWorld();
    plainCommand(world, "auto", ["  auto_attach: true"]);
    const result = expectExit(await world.prj(["run", "auto"]), 0);
    expect(result.stderr).toContain("not attaching: no terminal");
    expect(result.stdout).toContain("Created session auto");
    expect(await world.tmux.sessionNames()).toEqual(["auto"]);
    expect(world.runEvents().map((event) => event.status)).toEqual(["succeeded"]);
  });

  test("run --attach with no terminal is refused with exit 2 before anything is created", async () => {
    const world = await newWorld();
    world.writeCommand(
      "eager",
      ["name: eager", "pre_steps:", `  - { name: touch, run: "touch ${join(world.root, "pre-step-ran")}" }`, "session:", '  name_template: "eager"', ""].join("\n"),
    );
    const result = expectExit(await world.prj(["run", "eager", "--attach"]), 2);
    expect(result.stderr).toMatch(/no terminal/);
    expect(result.stderr).not.toMatch(/^\s{4}at /m);
    expect(existsSync(join(world.root, "pre-step-ran"))).toBe(false);
    expect(await world.tmux.sessionNames()).toEqual([]);
    expect(world.runEvents()).toEqual([]);
    expect(world.sessionRows()).toEqual([]);
  });

  test("attach and kill-session never reach foo-bar through foo", async () => {
    const world = await newWorld();
    await world.tmux.ok("new-session", "-d", "-s", "foo-bar");
    const id = await world.sessionId("foo-bar");

    const attach = expectExit(await world.prj(["attach", "foo"]), 2);
    expect(attach.stderr).toMatch(/no session named foo\b/);
    expect(attach.stderr).toContain("did you mean foo-bar?");
    expect(attach.stderr).not.toMatch(/no terminal/i);

    const kill = expectExit(await world.prj(["kill-session", "foo"]), 2);
    expect(kill.stderr).toMatch(/no session named foo\b/);
    expect(await world.tmux.sessionNames()).toEqual(["foo-bar"]);
    expect(await world.sessionId("foo-bar")).toBe(id);
  });
});

describe("read commands", () => {
  test("list-sessions --json lists this project's sessions, and --all marks foreign ones unmanaged", async () => {
    const world = await newWorld();
    await world.tmux.ok("new-session", "-d", "-s", "foreign");
    expectExit(await world.prj(["run", "start-dev"]), 0);

    const mine = jsonOf(expectExit(await world.prj(["list-sessions", "--json"]), 0));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      name: DEV,
      project: world.root,
      worktree: "main",
      task: "dev",
      working_directory: world.root,
      windows: 4,
      attached: false,
      managed: true,
    });
    expect(mine[0].created_at).toMatch(ISO);
    expect(Math.abs(Date.parse(mine[0].created_at) - Date.now())).toBeLessThan(60_000);

    const all = jsonOf<any[]>(expectExit(await world.prj(["list-sessions", "--all", "--json"]), 0));
    const byName = Object.fromEntries(all.map((session) => [session.name, session]));
    expect(Object.keys(byName).sort()).toEqual(["foreign", DEV]);
    expect(byName.foreign).toMatchObject({ managed: false, windows: 1, attached: false });
    expect(byName[DEV]).toMatchObject({ managed: true });
    for (const session of all) {
      for (const key of ["name", "project", "worktree", "task", "working_directory", "windows", "attached", "created_at", "managed"]) {
        expect(session).toHaveProperty(key);
      }
    }
  });

  test("session-info --json shows windows, panes, redacted environment, memory and history", async () => {
    const world = await newWorld();
    world.writeCommand(
      "info",
      [
        "name: info",
        "environment:",
        '  API_TOKEN: "tok-secret-789"',
        '  VISIBLE: "shown"',
        "session:",
        '  name_template: "info"',
        "  windows:",
        "    - name: main",
        '      panes: ["sleep 300", ""]',
        "    - name: other",
        "",
      ].join("\n"),
    );
    expectExit(await world.prj(["run", "info"]), 0);
    expect(await world.sessionEnv("info", "API_TOKEN")).toBe("tok-secret-789");

    const result = expectExit(await world.prj(["session-info", "info", "--json"]), 0);
    expect(result.stdout).not.toContain("tok-secret-789");
    const info = jsonOf(result);
    expect(info).toMatchObject({ name: "info", project: world.root, worktree: "main", task: "dev", working_directory: world.root, attached: false });
    expect(info.created_at).toMatch(ISO);
    expect(info.last_activity).toMatch(ISO);
    expect(info.environment.API_TOKEN).toBe("***");
    expect(info.environment.VISIBLE).toBe("shown");
    expect(info.environment.PRJ_SESSION_NAME).toBe("info");
    expect(info.memory_bytes).toBeGreaterThan(0);
    expect(info.windows.map((window: any) => [window.index, window.name, window.panes.length])).toEqual([
      [0, "main", 2],
      [1, "other", 1],
    ]);
    expect(info.windows.filter((window: any) => window.active)).toHaveLength(1);
    for (const window of info.windows) {
      expect(typeof window.layout).toBe("string");
      for (const pane of window.panes) {
        expect(pane.pid).toBeGreaterThan(1);
        expect(pane.command).not.toBe("");
        expect(pane.path).toBe(world.root);
      }
    }
    const livePids = (await world.panes("info")).map((pane) => pane.pid).sort();
    expect(info.windows.flatMap((window: any) => window.panes.map((pane: any) => pane.pid)).sort()).toEqual(livePids);
    expect(Array.isArray(info.history)).toBe(true);
    expect(info.history).toHaveLength(1);
    expect(info.history[0]).toMatchObject({ ended_at: null, command: "info" });
  });

  test("status --json has the project, its live sessions and recent events", async () => {
    const world = await newWorld();
    const run = jsonOf(expectExit(await world.prj(["run", "start-dev", "--json"]), 0));
    const status = jsonOf(expectExit(await world.prj(["status", "--json"]), 0));
    expect(status.project).toMatchObject({ name: "myproject", path: world.root });
    expect(status.sessions.map((session: any) => session.name)).toEqual([DEV]);
    expect(status.recent_events.find((event: any) => event.id === run.event_id)).toMatchObject({ kind: "run", status: "succeeded", command: "start-dev" });
  });
});

describe("kill-session", () => {
  test("runs the command's cleanup steps, kills the session and records its end", async () => {
    const world = await newWorld();
    world.writeFile(".prj/steps/stop-services.sh", 'printf "%s\\n" "$PRJ_SESSION_NAME" > "$PRJ_PROJECT_PATH/stopped.txt"\n');
    plainCommand(world, "svc", ["  cleanup_steps: [stop-services]"]);
    expectExit(await world.prj(["run", "svc"]), 0);
    expect(world.sessionRows("svc")[0]?.ended_at).toBeNull();

    const result = jsonOf(expectExit(await world.prj(["kill-session", "svc", "--json"]), 0));
    expect(result).toMatchObject({ name: "svc", killed: true, cleanup_steps: ["stop-services"] });
    expect(readFileSync(join(world.root, "stopped.txt"), "utf8")).toBe("svc\n");
    expect(await world.sessionId("svc")).toBeUndefined();
    const [row] = world.sessionRows("svc");
    expect(row?.ended_at).toMatch(ISO);
    expect(row?.end_reason).toBe("killed");
  });

  test("cleanup steps get the session's environment, their working_directory, and secrets stay out of their logs", async () => {
    const world = await newWorld();
    world.writeFile("sub/.keep", "");
    plainCommand(world, "sec", [
      "  cleanup_steps:",
      "    - name: show",
      "      working_directory: sub",
      '      run: echo "token=$API_TOKEN"; pwd > "$PRJ_PROJECT_PATH/cwd.txt"',
      "environment: { API_TOKEN: tok-secret-999 }",
    ]);
    expectExit(await world.prj(["run", "sec"]), 0);
    expectExit(await world.prj(["kill-session", "sec"]), 0);
    expect(readFileSync(join(world.root, "cwd.txt"), "utf8").trim()).toBe(realpathSync(join(world.root, "sub")));
    const logs = new Bun.Glob("*/*-show.log").scanSync({ cwd: join(world.root, ".prj/artifacts"), absolute: true });
    const text = [...logs].map((file) => readFileSync(file, "utf8")).join("");
    expect(text).toContain("token=***");
    expect(text).not.toContain("tok-secret-999");
  });

  test("a name with no session is exit 2 with a clear message", async () => {
    const world = await newWorld();
    expectExit(await world.prj(["run", "start-dev"]), 0);
    const result = expectExit(await world.prj(["kill-session", "nope"]), 2);
    expect(result.stderr).toMatch(/no session named nope/);
    expect(await world.tmux.sessionNames()).toEqual([DEV]);
  });

  test("refuses sessions prj does not manage for this project, leaving them alive", async () => {
    const world = await newWorld();
    await world.tmux.ok("new-session", "-d", "-s", "hand-made");
    const foreign = expectExit(await world.prj(["kill-session", "hand-made"]), 2);
    expect(foreign.stderr).toMatch(/hand-made is not managed by prj/);
    // The way out names this server, as the user would type it.
    expect(foreign.stderr).toContain(`tmux -L ${world.socket} kill-session -t '=hand-made'`);

    const other = await newWorld("otherproject", world.tmux);
    plainCommand(other, "theirs");
    expectExit(await other.prj(["run", "theirs"]), 0);
    const cross = expectExit(await world.prj(["kill-session", "theirs"]), 2);
    expect(cross.stderr).toMatch(/belongs to another prj project/);
    expect((await world.tmux.sessionNames()).sort()).toEqual(["hand-made", "theirs"]);
  });
});

describe("cleanup-sessions", () => {
  test("kills only this project's managed sessions, and only with --yes when there is no terminal", async () => {
    const tmux = new PrivateTmux("ses");
    const world = await newWorld("myproject", tmux);
    const other = await newWorld("otherproj", tmux);
    await tmux.ok("new-session", "-d", "-s", "foreign");
    expectExit(await world.prj(["run", "start-dev"]), 0);
    expectExit(await other.prj(["run", "start-dev"]), 0);
    const everything = ["foreign", DEV, "otherproj-main-dev"];
    expect((await tmux.sessionNames()).sort()).toEqual(everything);

    const refused = expectExit(await world.prj(["cleanup-sessions"]), 2);
    expect(refused.stderr).toContain("--yes");
    expect((await tmux.sessionNames()).sort()).toEqual(everything);

    const dry = jsonOf(expectExit(await world.prj(["cleanup-sessions", "--dry-run", "--json"]), 0));
    expect(dry).toMatchObject({ killed: [], would_kill: [DEV] });
    expect((await tmux.sessionNames()).sort()).toEqual(everything);

    const done = jsonOf(expectExit(await world.prj(["cleanup-sessions", "--yes", "--json"]), 0));
    expect(done.killed).toEqual([DEV]);
    expect((await tmux.sessionNames()).sort()).toEqual(["foreign", "otherproj-main-dev"]);
    expect(world.sessionRows(DEV)[0]?.ended_at).toMatch(ISO);
    expect(other.sessionRows("otherproj-main-dev")[0]?.ended_at).toBeNull();
  });

  test("--stale kills only sessions idle past session_timeout; --dry-run kills nothing", async () => {
    const world = await newWorld();
    world.writeProjectConfig("sessions:\n  session_timeout: 3s\n");
    plainCommand(world, "idle");
    plainCommand(world, "busy");
    expectExit(await world.prj(["run", "idle"]), 0);
    // session_activity has one-second resolution; wait until it is clearly past the timeout.
    await waitFor(
      async () => Date.now() / 1000 - Number(await world.display("=idle:", "#{session_activity}")) > 3.5,
      { timeoutMs: 15_000, intervalMs: 100, what: "the idle session to pass session_timeout" },
    );
    expectExit(await world.prj(["run", "busy"]), 0);

    const dry = jsonOf(expectExit(await world.prj(["cleanup-sessions", "--stale", "--dry-run", "--json"]), 0));
    expect(dry).toMatchObject({ killed: [], would_kill: ["idle"], dry_run: true });
    expect((await world.tmux.sessionNames()).sort()).toEqual(["busy", "idle"]);

    const done = jsonOf(expectExit(await world.prj(["cleanup-sessions", "--stale", "--yes", "--json"]), 0));
    expect(done.killed).toEqual(["idle"]);
    expect(await world.tmux.sessionNames()).toEqual(["busy"]);
    expect(world.sessionRows("idle")[0]?.end_reason).toBe("cleanup");
  });
});

describe("sessions.auto_cleanup", () => {
  test("removes a stale session like cleanup-sessions does: cleanup steps first, then the kill, recorded as cleanup", async () => {
    const world = await newWorld();
    world.writeProjectConfig("sessions:\n  session_timeout: 3s\n  auto_cleanup: true\n");
    const marker = join(tempDir("cleanup-"), "ran");
    plainCommand(world, "old", ["  cleanup_steps:", `    - { name: note, run: 'echo "$PRJ_SESSION_NAME $PRJ_COMMAND" > ${marker}' }`]);
    plainCommand(world, "fresh");
    expectExit(await world.prj(["run", "old"]), 0);
    // session_activity has one-second resolution; wait until it is clearly past the timeout.
    await waitFor(
      async () => Date.now() / 1000 - Number(await world.display("=old:", "#{session_activity}")) > 3.5,
      { timeoutMs: 15_000, intervalMs: 100, what: "the old session to pass session_timeout" },
    );

    const result = expectExit(await world.prj(["run", "fresh"]), 0);
    expect(result.stderr).toContain("removed stale session old");
    expect(readFileSync(marker, "utf8")).toBe("old old\n");
    expect(await world.tmux.sessionNames()).toEqual(["fresh"]);
    expect(world.sessionRows("old")).toMatchObject([{ end_reason: "cleanup", ended_at: expect.stringMatching(ISO) }]);
    const cleanups = world.query<{ status: string; session_name: string }>("SELECT status, session_name FROM events WHERE kind = 'cleanup'");
    expect(cleanups).toEqual([{ status: "succeeded", session_name: "old" }]);
  });
});

describe("reset-sessions", () => {
  test("records sessions killed behind prj's back and adopts tagged ones missing from the database, killing nothing", async () => {
    const world = await newWorld();
    plainCommand(world, "second");
    expectExit(await world.prj(["run", "start-dev"]), 0);
    expectExit(await world.prj(["run", "second"]), 0);

    await world.tmux.ok("kill-session", "-t", `=${DEV}:`);
    const db = world.openDatabase(false);
    try {
      expect(db.query("DELETE FROM sessions WHERE name = 'second'").run().changes).toBe(1);
    } finally {
      db.close();
    }

    const result = jsonOf(expectExit(await world.prj(["reset-sessions", "--json"]), 0));
    expect(result.ended).toEqual([DEV]);
    expect(result.adopted).toEqual(["second"]);
    expect(world.sessionRows(DEV)[0]?.ended_at).toMatch(ISO);
    const adopted = world.sessionRows("second");
    expect(adopted).toHaveLength(1);
    expect(adopted[0]).toMatchObject({ ended_at: null, project_path: world.root, command: "second", worktree: "main", task: "dev" });
    expect(await world.tmux.sessionNames()).toEqual(["second"]);

    // Reconciled: a second pass has nothing to do.
    const again = jsonOf(expectExit(await world.prj(["reset-sessions", "--json"]), 0));
    expect(again).toMatchObject({ ended: [], adopted: [] });
  });
});
