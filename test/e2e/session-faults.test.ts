// End-to-end fault tests of `prj run` with real tmux (SPEC §6, §7, §9): a
// missing working directory, a tmux server that dies mid-run, a database held
// by another writer, and a prj killed with SIGKILL in the middle of a run.
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PrivateTmux, tempDir, waitFor } from "../helpers/world.ts";
import { expectExit, jsonOf, prjBinary, World, worlds } from "./support.ts";

setDefaultTimeout(30_000);
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const newWorld = worlds();

/** The direct children of a process, from every one of its threads (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out; // the process is gone
  }
  for (const task of tasks) {
    try {
      out.push(...readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter(Boolean).map(Number));
    } catch {
      // the thread ended while we looked
    }
  }
  return out;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

describe("bad input", () => {
  test("a session working_directory that does not exist fails naming it, and leaves no session", async () => {
    const world = await newWorld();
    const missing = join(tempDir("gone-"), "does-not-exist");
    world.writeCommand("baddir", ["name: baddir", "session:", '  name_template: "baddir"', `  working_directory: ${JSON.stringify(missing)}`, ""].join("\n"));
    const result = await world.prj(["run", "baddir"]);
    expect([1, 2]).toContain(result.exitCode);
    expect(result.stderr).toContain(missing);
    expect(await world.tmux.sessionNames()).toEqual([]);
    expect(world.sessionRows().filter((row) => row.ended_at === null)).toEqual([]);
  });

  test("a window working_directory that does not exist fails naming it, and leaves no half-made session", async () => {
    const world = await newWorld();
    const missing = join(tempDir("gone-"), "nope");
    world.writeCommand(
      "baddir2",
      ["name: baddir2", "session:", '  name_template: "baddir2"', "  windows:", "    - name: fine", "    - name: broken", `      working_directory: ${JSON.stringify(missing)}`, ""].join("\n"),
    );
    const result = await world.prj(["run", "baddir2"]);
    expect([1, 2]).toContain(result.exitCode);
    expect(result.stderr).toContain(missing);
    expect(await world.tmux.sessionNames()).toEqual([]);
    expect(world.sessionRows().filter((row) => row.ended_at === null)).toEqual([]);
  });
});

describe("faults", () => {
  test("a tmux command that fails in the creation batch is reported with what tmux said, and leaves no session", async () => {
    const world = await newWorld();
    world.writeFile("bad.tmux.conf", "no-such-tmux-command\n");
    world.writeProjectConfig("sessions:\n  tmux_config: bad.tmux.conf\n");
    const result = expectExit(await world.prj(["run", "start-dev", "--json"]), 1);
    const report = jsonOf(result);
    expect(report.error).toStartWith("tmux new-session failed: ");
    expect(report.error).toContain("unknown command: no-such-tmux-command");
    expect(report.error).not.toContain("server exited");
    // The batch went on past the error; the half-made session is not left behind.
    expect(await world.tmux.sessionNames()).toEqual([]);
    expect(world.sessionRows()).toEqual([]);
  });


  test("the tmux server killed by another process while the session is being created: exit 1, run recorded failed", async () => {
    const world = await newWorld();
    // Sourced in the middle of the creation batch; run-shell waits for its child, which kills the server.
    world.writeFile("kill.tmux.conf", `run-shell "tmux -L ${world.socket} kill-server"\n`);
    world.writeProjectConfig("sessions:\n  tmux_config: kill.tmux.conf\n");
    const result = expectExit(await world.prj(["run", "start-dev", "--json"]), 1);
    const report = jsonOf(result);
    expect(report.status).toBe("failed");
    expect(world.event(report.event_id)).toMatchObject({ kind: "run", status: "failed" });
    // Not just "tmux new-session failed": the client exits quietly, so prj has to say what happened.
    expect(report.error).toBe("tmux new-session failed: the tmux server exited while the session was being created");
    expect(world.event(report.event_id)?.error).toBe(report.error);
    expect(result.stderr).toContain("the tmux server exited while the session was being created");
    expect(await world.tmux.sessionNames()).toEqual([]);
    expect(world.sessionRows().filter((row) => row.ended_at === null)).toEqual([]);
  });

  test("a database held by another writer for 2 s: prj run waits for it and succeeds", async () => {
    const world = await newWorld();
    const code = `
      const { Database } = require("bun:sqlite");
      const db = new Database(${JSON.stringify(world.database)});
      db.run("PRAGMA busy_timeout = 5000");
      db.run("BEGIN IMMEDIATE");
      db.run("INSERT INTO events (kind, status, project_path, started_at) VALUES ('error', 'succeeded', 'locker', '2000-01-01T00:00:00Z')");
      console.log("locked");
      setTimeout(() => { db.run("COMMIT"); db.close(); console.log("released " + Date.now()); }, 2000);
    `;
    const locker = Bun.spawn([process.execPath, "-e", code], { cwd: tempDir("locker-"), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    cleanups.push(() => locker.kill("SIGKILL"));
    let lockerOut = "";
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of locker.stdout) lockerOut += decoder.decode(chunk, { stream: true });
    })();
    await waitFor(() => lockerOut.includes("locked\n"), { what: "the other writer to take the lock" });

    const result = await world.prj(["run", "start-dev", "--json"]);
    const finishedAt = Date.now();
    expectExit(result, 0);
    expect(jsonOf(result)).toMatchObject({ status: "succeeded", session: { name: "myproject-main-dev", created: true } });
    expect(await locker.exited).toBe(0);
    await reading;
    const releasedAt = Number(/released (\d+)/.exec(lockerOut)?.[1]);
    // prj could only have finished after the other writer let go.
    expect(releasedAt).toBeGreaterThan(0);
    expect(finishedAt).toBeGreaterThanOrEqual(releasedAt);
    expect(await world.tmux.sessionNames()).toEqual(["myproject-main-dev"]);
  });

  test("prj killed with SIGKILL mid-run leaves a sound database, and reset-sessions marks the run interrupted", async () => {
    const world = await newWorld();
    world.writeCommand(
      "slow",
      ["name: slow", "pre_steps:", '  - { name: wait, run: "sleep 30" }', "session:", '  name_template: "slow"', ""].join("\n"),
    );
    const child = Bun.spawn([prjBinary, "run", "slow"], {
      cwd: world.root,
      env: { ...process.env, ...world.env() } as Record<string, string>,
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
    });
    let stepPids: number[] = [];
    cleanups.push(() => {
      child.kill("SIGKILL");
      for (const pid of stepPids) killGroup(pid);
    });
    const event = await waitFor(() => {
      const running = world.runEvents().find((row) => row.status === "running");
      stepPids = childrenOf(child.pid);
      return running && stepPids.length > 0 ? running : undefined;
    }, { what: "the run to be recorded running with its step started" });
    child.kill("SIGKILL");
    expect(await child.exited).not.toBe(0);
    // The step has its own process group, which outlives prj; it is not under test here.
    for (const pid of stepPids) killGroup(pid);

    const db = world.openDatabase();
    try {
      expect(db.query("PRAGMA integrity_check").all()).toEqual([{ integrity_check: "ok" }]);
    } finally {
      db.close();
    }
    expect(world.event(event.id)).toMatchObject({ status: "running", ended_at: null });

    const reset = jsonOf(expectExit(await world.prj(["reset-sessions", "--json"]), 0));
    expect(reset.interrupted).toBe(1);
    const after = world.event(event.id);
    expect(after?.status).toBe("interrupted");
    expect(after?.ended_at).toBeTruthy();
    expect(await world.tmux.sessionNames()).toEqual([]);
  });
});
