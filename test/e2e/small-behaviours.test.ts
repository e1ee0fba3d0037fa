// Small behaviours a new user tripped on: each one as the user met it.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { expectExit, jsonOf, worlds } from "./support.ts";

const newWorld = worlds({ ignorePrj: true });

/** The OS's name for this uid, as `id -un` says it (USER and LOGNAME may be anything). */
function osUser(): string {
  return Bun.spawnSync(["id", "-un"]).stdout.toString().trim() || userInfo().username;
}

describe("steps", () => {
  test("a step file that exists but is not executable says so, and how to fix it", async () => {
    const world = await newWorld();
    world.writeStep("lint", "#!/bin/sh\necho lint\n", false);
    world.writeCommand("checks", "name: checks\nsteps: [lint]\n");
    const result = expectExit(await world.prj(["run", "checks"]), 2);
    expect(result.stderr).toContain('step "lint": .prj/steps/lint is not executable');
    expect(result.stderr).toContain("chmod +x .prj/steps/lint, or name it lint.sh to run it with sh");
    expect(world.runEvents()).toEqual([]);
  });

  test("post_create_steps run after the session exists even when start-session is listed in steps", async () => {
    const world = await newWorld();
    world.writeCommand(
      "late",
      [
        "name: late",
        "steps:",
        '  - { name: first, run: "tmux -L $SOCKET has-session -t =late 2>/dev/null && echo first-saw-session || echo first-no-session" }',
        "  - start-session",
        "session:",
        '  name_template: "late"',
        "  post_create_steps:",
        '    - { name: after, run: "tmux -L $SOCKET has-session -t =late && echo after-saw-session" }',
        "",
      ].join("\n"),
    );
    const result = expectExit(await world.prj(["run", "late"], { env: { SOCKET: world.socket } }), 0);
    expect(result.stderr).toContain("[first] first-no-session");
    expect(result.stderr).toContain("[after] after-saw-session");
  });
});

describe("worktrees", () => {
  test("a worktree directory deleted by hand is reported missing with the commands that fix it, not reused", async () => {
    const world = await newWorld();
    expectExit(await world.prj(["run", "feature-branch", "branch=gone", "--no-attach"]), 0);
    expectExit(await world.prj(["kill-session", "myproject-gone-dev"]), 0);
    rmSync(world.worktreePath("gone"), { recursive: true, force: true });
    const again = expectExit(await world.prj(["run", "feature-branch", "branch=gone"]), 2);
    expect(again.stderr).toContain(`the worktree of branch gone at ${world.worktreePath("gone")} is missing: its directory was deleted`);
    expect(again.stderr).toContain("git worktree prune");
    expect(again.stderr).toContain("prj worktree remove gone");
    expect(again.stderr).not.toMatch(/reusing/i);
    expect(await world.sessions()).toEqual([]);
    const listed = await world.prj(["worktree", "list"]);
    expect(listed.stdout).toMatch(/gone .* missing/);
    expect(listed.stderr).toContain("`prj worktree remove gone`");
    // The fix named works, and the run goes through afterwards.
    expectExit(await world.prj(["worktree", "remove", "gone"]), 0);
    expectExit(await world.prj(["run", "feature-branch", "branch=gone"]), 0);
  });
});

describe("templates", () => {
  test("{{user}} comes from the operating system when USER and LOGNAME are unset", async () => {
    const world = await newWorld();
    world.writeCommand("who", 'name: who\nenvironment: { WHO: "{{user}}" }\nsteps: [{ name: say, run: "echo user=$WHO" }]\n');
    const bare = expectExit(await world.prj(["run", "who"], { env: { USER: undefined, LOGNAME: undefined } }), 0);
    expect(bare.stderr).toContain(`[say] user=${osUser()}`);
    const named = expectExit(await world.prj(["run", "who"], { env: { USER: "someone", LOGNAME: undefined } }), 0);
    expect(named.stderr).toContain("[say] user=someone");
  });
});

describe("freeze", () => {
  test("does not double a configured session prefix, and leaves no tmux socket behind", async () => {
    const world = await newWorld();
    world.writeProjectConfig("defaults:\n  tmux_session_prefix: work\n");
    world.writeCommand("two", 'name: two\nsession:\n  name_template: "pair"\n  windows:\n    - { name: w, layout: even-horizontal, panes: ["", ""] }\n');
    expect(jsonOf(expectExit(await world.prj(["run", "two", "--json"]), 0)).session.name).toBe("work-pair");
    const sockets = () => new Set(readdirSync(tmpdir()).filter((name) => name.startsWith("prj-scratch-")));
    const before = sockets();
    const tmuxDir = join(process.env.TMUX_TMPDIR!, `tmux-${process.getuid!()}`);
    const socketsBefore = new Set(readdirSync(tmuxDir));
    expectExit(await world.prj(["freeze", "work-pair", "--name", "frozen"]), 0);
    const yaml = readFileSync(join(world.root, ".prj/commands/frozen.yaml"), "utf8");
    expect(yaml).toMatch(/^ {2}name_template: "?pair"?$/m);
    expect([...sockets()].filter((name) => !before.has(name))).toEqual([]);
    expect(readdirSync(tmuxDir).filter((name) => !socketsBefore.has(name))).toEqual([]);
    // Run again, the frozen command names its session as the original was named.
    expectExit(await world.prj(["kill-session", "work-pair"]), 0);
    expect(jsonOf(expectExit(await world.prj(["run", "frozen", "--json"]), 0)).session.name).toBe("work-pair");
  });
});

describe("cleanup steps", () => {
  test("a session that ended outside prj: the next command says its cleanup steps were not run", async () => {
    const world = await newWorld();
    world.writeCommand("svc", 'name: svc\nsession:\n  name_template: "svc"\n  cleanup_steps: [{ name: stop, run: "echo stopping" }]\n');
    expectExit(await world.prj(["run", "svc"]), 0);
    await world.tmux.ok("kill-session", "-t", "=svc");
    const status = expectExit(await world.prj(["status"]), 0);
    expect(status.stderr).toContain("[warn] session svc ended outside prj");
    expect(status.stderr).toContain("its cleanup steps were not run: stop");
    const ended = world.events("session.ended").at(-1)!;
    expect(JSON.parse(ended.metadata!)).toMatchObject({ cleanup_not_run: ["stop"] });
    // Said once: the end is recorded once.
    expect(expectExit(await world.prj(["status"]), 0).stderr).not.toContain("ended outside prj");
  });

  test("a session adopted without a record says its command's cleanup steps are not run", async () => {
    const world = await newWorld();
    world.writeCommand("svc", 'name: svc\nsession:\n  name_template: "svc"\n  cleanup_steps: [{ name: stop, run: "echo stopping" }]\n');
    expectExit(await world.prj(["run", "svc"]), 0);
    // Forget the record, as a session made by another prj (or an older one) has none.
    const db = world.openDatabase(false);
    try {
      db.run("DELETE FROM sessions");
    } finally {
      db.close();
    }
    expectExit(await world.prj(["reset-sessions"]), 0);
    const kill = expectExit(await world.prj(["kill-session", "svc"]), 0);
    expect(kill.stderr).toContain("[warn] cleanup steps of svc not run (stop)");
  });
});
