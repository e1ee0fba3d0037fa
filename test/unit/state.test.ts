import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { StateError } from "../../src/errors.ts";
import { migrations } from "../../src/state/migrations.ts";
import { openStateDatabase, processIsAlive, type StateStore } from "../../src/state/db.ts";
import { tempDir, waitFor } from "../helpers/world.ts";
import { plannedPort, recordPort } from "../../src/worktrees/ports.ts";

const dbModule = resolve(import.meta.dir, "../../src/state/db.ts");
const project = "/home/u/myproject";

const opened: StateStore[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

function freshPath(): string {
  return join(tempDir("state-"), "nested", "state.db");
}

function open(path: string, create = true): StateStore {
  const store = openStateDatabase(path, { create });
  opened.push(store);
  return store;
}

function userVersion(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version;
  } finally {
    db.close();
  }
}

/** Spawns `bun -e script` with stdout piped, so the test can wait for what the child says. */
function spawnBun(script: string) {
  return Bun.spawn(["bun", "-e", script], { cwd: tempDir("child-"), stdout: "pipe", stderr: "pipe" });
}

/** Resolves once `marker` appears on the child's stdout; rejects if the stream ends first. */
async function waitForLine(stream: ReadableStream<Uint8Array>, marker: string): Promise<void> {
  const decoder = new TextDecoder();
  let seen = "";
  for await (const chunk of stream) {
    seen += decoder.decode(chunk, { stream: true });
    if (seen.includes(marker)) return;
  }
  throw new Error(`child ended without printing "${marker}" (printed: ${JSON.stringify(seen)})`);
}

describe("opening", () => {
  test("migrations set user_version and are idempotent on reopen", () => {
    const path = freshPath();
    const first = open(path);
    expect(first.schemaVersion()).toBe(migrations.length);
    first.startEvent({ kind: "run", projectPath: project });
    first.close();
    expect(userVersion(path)).toBe(migrations.length);

    const second = open(path, false);
    expect(second.schemaVersion()).toBe(migrations.length);
    expect(second.listEvents({ projectPath: project })).toHaveLength(1);
    expect(second.integrityCheck()).toBe("ok");
  });

  test("database and WAL files are private (0600)", () => {
    const path = freshPath();
    const store = open(path);
    store.insertSample({ sessionName: "s", processes: 1, cpuPercent: 0.5, rssBytes: 1024 });
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      expect(existsSync(file)).toBe(true);
      expect((statSync(file).mode & 0o777).toString(8)).toBe("600");
    }
  });

  test("create:false on a missing file throws StateError with an init hint", () => {
    const path = freshPath();
    let thrown: unknown;
    try {
      openStateDatabase(path, { create: false });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StateError);
    expect((thrown as StateError).hint).toContain("prj init");
    expect(existsSync(path)).toBe(false);
  });

  test("a relative path is refused", () => {
    expect(() => openStateDatabase("state.db", { create: true })).toThrow(StateError);
  });

  test("a file that is not a database is a StateError", async () => {
    const path = freshPath();
    open(path).close();
    // The write-ahead log outlives a connection (connection.ts); without it the file alone decides.
    for (const file of [`${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
    await Bun.write(path, "this is not sqlite, just some text that is long enough to fill a header page");
    expect(() => openStateDatabase(path, { create: false })).toThrow(StateError);
  });

  test("two processes racing to create and migrate both succeed", async () => {
    const path = freshPath();
    const script = `
      import { openStateDatabase } from ${JSON.stringify(dbModule)};
      const store = openStateDatabase(${JSON.stringify(path)}, { create: true });
      console.log(store.schemaVersion());
      store.close();
    `;
    const children = [spawnBun(script), spawnBun(script), spawnBun(script)];
    const results = await Promise.all(
      children.map(async (child) => {
        const [out, err, code] = await Promise.all([
          new Response(child.stdout).text(),
          new Response(child.stderr).text(),
          child.exited,
        ]);
        return { out: out.trim(), err, code };
      }),
    );
    for (const result of results) expect(result).toEqual({ out: String(migrations.length), err: "", code: 0 });
    expect(open(path, false).integrityCheck()).toBe("ok");
  });
});

describe("events", () => {
  test("start, finish and list newest first with filters", () => {
    const store = open(freshPath());
    const a = store.startEvent({
      kind: "run",
      command: "dev",
      projectPath: project,
      metadata: { args: { issue: "42" } },
      startedAt: "2026-01-01T10:00:00.000Z",
    });
    const b = store.startEvent({ kind: "run", command: "review", projectPath: project, startedAt: "2026-01-01T11:00:00.000Z" });
    const c = store.recordEvent({
      kind: "session.killed",
      status: "succeeded",
      sessionName: "myproject-main-dev",
      projectPath: project,
      startedAt: "2026-01-01T12:00:00.000Z",
      endedAt: "2026-01-01T12:00:01.000Z",
    });
    store.startEvent({ kind: "run", command: "dev", projectPath: "/elsewhere" });

    store.finishEvent(a, { status: "failed", exitCode: 3, error: "step failed", endedAt: "2026-01-01T10:05:00.000Z" });

    const all = store.listEvents({ projectPath: project });
    expect(all.map((event) => event.id)).toEqual([c, b, a]);
    const first = all[2]!;
    expect(first).toMatchObject({
      kind: "run",
      status: "failed",
      command: "dev",
      exitCode: 3,
      error: "step failed",
      endedAt: "2026-01-01T10:05:00.000Z",
      metadata: { args: { issue: "42" } },
      pid: process.pid,
    });
    expect(all[0]).toMatchObject({ status: "succeeded", pid: null, sessionName: "myproject-main-dev" });
    expect(all[1]).toMatchObject({ status: "running", endedAt: null, metadata: null });

    expect(store.listEvents({ projectPath: project, status: "running" }).map((e) => e.id)).toEqual([b]);
    expect(store.listEvents({ projectPath: project, command: "dev" }).map((e) => e.id)).toEqual([a]);
    expect(store.listEvents({ projectPath: project, limit: 2 }).map((e) => e.id)).toEqual([c, b]);
    expect(store.listEvents({ projectPath: project, status: "failed", command: "review" })).toEqual([]);
  });

  test("default times are ISO-8601 UTC", () => {
    const store = open(freshPath());
    const id = store.startEvent({ kind: "run", projectPath: project });
    store.finishEvent(id, { status: "succeeded", exitCode: 0 });
    const [event] = store.listEvents({ projectPath: project });
    expect(event!.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(event!.endedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test("finishing an unknown event is a StateError", () => {
    const store = open(freshPath());
    expect(() => store.finishEvent(999, { status: "succeeded" })).toThrow(StateError);
  });

  test("markInterruptedEvents marks only running events whose owner is dead", async () => {
    const store = open(freshPath());
    const dead = Bun.spawn(["true"]);
    await dead.exited;
    const orphan = store.startEvent({ kind: "run", projectPath: project, pid: dead.pid });
    const mine = store.startEvent({ kind: "run", projectPath: project });
    const done = store.recordEvent({ kind: "run", status: "succeeded", projectPath: project, pid: dead.pid });
    const otherProject = store.startEvent({ kind: "run", projectPath: "/elsewhere", pid: dead.pid });

    expect(store.markInterruptedEvents(project, processIsAlive)).toBe(1);
    expect(store.markInterruptedEvents(project, processIsAlive)).toBe(0);

    const byId = new Map(store.listEvents({ projectPath: project }).map((event) => [event.id, event]));
    expect(byId.get(orphan)).toMatchObject({ status: "interrupted" });
    expect(byId.get(orphan)!.endedAt).not.toBeNull();
    expect(byId.get(orphan)!.error).toContain(String(dead.pid));
    expect(byId.get(mine)!.status).toBe("running");
    expect(byId.get(done)!.status).toBe("succeeded");
    expect(store.listEvents({ projectPath: "/elsewhere" })[0]!.id).toBe(otherProject);
    expect(store.listEvents({ projectPath: "/elsewhere" })[0]!.status).toBe("running");
  });
});

describe("sessions", () => {
  const base = {
    projectPath: project,
    worktree: "main",
    task: "dev",
    workingDirectory: project,
  };

  test("a live name is unique per socket, default socket included", () => {
    const store = open(freshPath());
    const first = store.insertSession({ ...base, name: "myproject-main-dev" });
    expect(() => store.insertSession({ ...base, name: "myproject-main-dev" })).toThrow(StateError);
    expect(() => store.insertSession({ ...base, name: "myproject-main-dev", socket: "" })).toThrow(StateError);

    const elsewhere = store.insertSession({ ...base, name: "myproject-main-dev", socket: "other" });
    expect(() => store.insertSession({ ...base, name: "myproject-main-dev", socket: "other" })).toThrow(/already recorded/);

    expect(store.findLiveSession("myproject-main-dev")?.id).toBe(first);
    expect(store.findLiveSession("myproject-main-dev", null)?.id).toBe(first);
    expect(store.findLiveSession("myproject-main-dev", "other")?.id).toBe(elsewhere);
    expect(store.findLiveSession("myproject-main", "other")).toBeUndefined();

    // Once ended, the name is free again on that socket.
    store.endSession(first, { reason: "killed" });
    const again = store.insertSession({ ...base, name: "myproject-main-dev", tmuxId: "$3" });
    expect(store.findLiveSession("myproject-main-dev")).toMatchObject({ id: again, tmuxId: "$3", socket: null });
  });

  test("live sessions, ending and history", () => {
    const store = open(freshPath());
    const eventId = store.startEvent({ kind: "run", projectPath: project });
    const a = store.insertSession({
      ...base,
      name: "a",
      command: "dev",
      worktreePath: "/wt/a",
      eventId,
      createdAt: "2026-01-01T10:00:00.000Z",
    });
    const b = store.insertSession({ ...base, name: "b", createdAt: "2026-01-01T11:00:00.000Z" });
    const other = store.insertSession({ ...base, name: "c", projectPath: "/elsewhere" });

    expect(store.liveSessions(project).map((s) => s.id)).toEqual([a, b]);
    expect(store.liveSessions().map((s) => s.id)).toEqual([a, b, other]);
    expect(store.liveSessions(project)[0]).toMatchObject({
      name: "a",
      command: "dev",
      worktreePath: "/wt/a",
      workingDirectory: project,
      eventId,
      endedAt: null,
      endReason: null,
    });

    store.endSession(a, { reason: "gone", endedAt: "2026-01-01T12:00:00.000Z" });
    // A second end (kill racing reset-sessions) keeps the first record.
    store.endSession(a, { reason: "killed" });
    expect(store.liveSessions(project).map((s) => s.id)).toEqual([b]);
    expect(() => store.endSession(12345, { reason: "killed" })).toThrow(StateError);

    const later = store.insertSession({ ...base, name: "a", createdAt: "2026-01-02T10:00:00.000Z" });
    const history = store.sessionHistory("a", project);
    expect(history.map((s) => s.id)).toEqual([later, a]);
    expect(history[1]).toMatchObject({ endReason: "gone", endedAt: "2026-01-01T12:00:00.000Z" });
  });

  test("a session must point at an existing event", () => {
    const store = open(freshPath());
    expect(() => store.insertSession({ ...base, name: "x", eventId: 999 })).toThrow(StateError);
  });
});

describe("worktrees", () => {
  test("ports are distinct, stable across reopen, and reuse a freed slot", () => {
    const path = freshPath();
    let store = open(path);
    const a = recordPort(store, { projectPath: project, path: "/wt/a", branch: "a", portBase: 4000 });
    const b = recordPort(store, { projectPath: project, path: "/wt/b", branch: "b", portBase: 4000 });
    const c = recordPort(store, { projectPath: project, path: "/wt/c", branch: "c", portBase: 4000 });
    const foreign = recordPort(store, { projectPath: "/elsewhere", path: "/wt/x", branch: "x", portBase: 4000 });
    expect([a.port, b.port, c.port]).toEqual([4000, 4010, 4020]);
    expect(foreign.port).toBe(4000);
    store.close();

    store = open(path, false);
    const bAgain = recordPort(store, { projectPath: project, path: "/wt/b", branch: "b2", portBase: 4000 });
    expect(bAgain).toMatchObject({ id: b.id, port: 4010, branch: "b2" });

    expect(store.markWorktreeRemoved("/wt/a")).toBe(true);
    expect(store.markWorktreeRemoved("/wt/a")).toBe(false);
    expect(store.listWorktrees(project).map((w) => w.path)).toEqual(["/wt/b", "/wt/c"]);

    const d = recordPort(store, { projectPath: project, path: "/wt/d", branch: "d", portBase: 4000 });
    expect(d.port).toBe(4000);
    const e = recordPort(store, { projectPath: project, path: "/wt/e", branch: "e", portBase: 4000 });
    expect(e.port).toBe(4030);

    // Re-creating a removed worktree whose old slot is taken moves it to a free one.
    const aAgain = recordPort(store, { projectPath: project, path: "/wt/a", branch: "a", portBase: 4000 });
    expect(aAgain).toMatchObject({ id: a.id, removedAt: null, port: 4040 });
    expect(store.listWorktrees(project).map((w) => w.port)).toEqual([4000, 4010, 4020, 4030, 4040]);
  });

  test("the store writes the port it is given; a removed worktree re-added gets the port its plan showed", () => {
    const store = open(freshPath());
    expect(store.saveWorktree({ projectPath: project, path: "/wt/a", branch: "a", port: 5123 }).port).toBe(5123);
    for (const name of ["b", "c"]) recordPort(store, { projectPath: project, path: `/wt/${name}`, branch: name, portBase: 4000 });
    store.markWorktreeRemoved("/wt/b");
    store.markWorktreeRemoved("/wt/c");
    // c's old block (4010) is free, but so is a lower one: the plan and the record agree on the lowest.
    const planned = plannedPort(store.listWorktrees(project), { mainPath: "/wt/a", path: "/wt/c", base: 4000 });
    expect(recordPort(store, { projectPath: project, path: "/wt/c", branch: "c", portBase: 4000 }).port).toBe(planned);
    expect(planned).toBe(4000);
  });

  test("an invalid port base is refused", () => {
    const store = open(freshPath());
    expect(() => recordPort(store, { projectPath: project, path: "/wt/a", branch: "a", portBase: 0 })).toThrow(
      StateError,
    );
  });
});

describe("transactions", () => {
  test("immediate rolls back when fn throws and nests as savepoints", () => {
    const store = open(freshPath());
    expect(() =>
      store.immediate(() => {
        store.startEvent({ kind: "run", projectPath: project });
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(store.listEvents({ projectPath: project })).toEqual([]);

    store.immediate(() => {
      store.startEvent({ kind: "run", command: "outer", projectPath: project });
      expect(() =>
        store.immediate(() => {
          store.startEvent({ kind: "run", command: "inner", projectPath: project });
          throw new Error("inner boom");
        }),
      ).toThrow("inner boom");
    });
    expect(store.listEvents({ projectPath: project }).map((e) => e.command)).toEqual(["outer"]);
  });

  test("immediate refuses an async function", () => {
    const store = open(freshPath());
    expect(() => store.immediate(async () => 1)).toThrow(TypeError);
    // The refused transaction was rolled back, so the next one can begin.
    expect(store.immediate(() => 2)).toBe(2);
  });

  test("immediateAsync holds the transaction across awaits", async () => {
    const store = open(freshPath());
    await expect(
      store.immediateAsync(async () => {
        store.startEvent({ kind: "run", projectPath: project });
        await Bun.sleep(0);
        throw new Error("late boom");
      }),
    ).rejects.toThrow("late boom");
    expect(store.listEvents({ projectPath: project })).toEqual([]);

    const id = await store.immediateAsync(async () => {
      await Bun.sleep(0);
      return store.startEvent({ kind: "run", projectPath: project });
    });
    expect(store.listEvents({ projectPath: project }).map((e) => e.id)).toEqual([id]);
  });

  test("immediate waits for another process's write lock instead of failing", async () => {
    const path = freshPath();
    const store = open(path);
    // The helper is a deliberately slow writer: it takes the write lock, says
    // so, and holds it for 2 s before committing.
    const child = spawnBun(`
      import { Database } from "bun:sqlite";
      import { writeSync } from "node:fs";
      const db = new Database(${JSON.stringify(path)}, { readwrite: true, create: false });
      db.run("PRAGMA busy_timeout = 10000");
      db.run("BEGIN IMMEDIATE");
      db.run("INSERT INTO resource_samples (session_name, taken_at) VALUES ('helper', '2026-01-01T00:00:00.000Z')");
      writeSync(1, "locked\\n");
      Bun.sleepSync(2000);
      db.run("COMMIT");
      db.close();
    `);
    const stderr = new Response(child.stderr).text();
    await waitForLine(child.stdout, "locked");

    const started = performance.now();
    const id = store.immediate(() =>
      store.insertSample({ sessionName: "mine", processes: 2, cpuPercent: 1.5, rssBytes: 4096 }),
    );
    const waited = performance.now() - started;

    expect(await child.exited).toBe(0);
    expect(await stderr).toBe("");
    expect(waited).toBeGreaterThanOrEqual(1500);
    expect(id).toBeGreaterThan(1);
    const raw = new Database(path, { readonly: true });
    try {
      const names = raw.query<{ session_name: string }, []>("SELECT session_name FROM resource_samples ORDER BY id").all();
      expect(names.map((row) => row.session_name)).toEqual(["helper", "mine"]);
    } finally {
      raw.close();
    }
  });

  test("a prj killed mid-transaction leaves a consistent database and a recoverable event", async () => {
    const path = freshPath();
    open(path).close();
    const child = spawnBun(`
      import { writeSync } from "node:fs";
      import { openStateDatabase } from ${JSON.stringify(dbModule)};
      const store = openStateDatabase(${JSON.stringify(path)}, { create: false });
      const eventId = store.startEvent({ kind: "run", command: "dev", projectPath: ${JSON.stringify(project)} });
      store.immediate(() => {
        store.insertSession({
          name: "half-made",
          projectPath: ${JSON.stringify(project)},
          worktree: "main",
          task: "dev",
          workingDirectory: "/",
          eventId,
        });
        // Written synchronously: the SIGKILL below must not race a buffered write.
        writeSync(1, "in transaction\\n");
        process.kill(process.pid, "SIGKILL");
      });
    `);
    const stderr = new Response(child.stderr).text();
    await waitForLine(child.stdout, "in transaction");
    expect(await child.exited).not.toBe(0);
    expect(child.signalCode).toBe("SIGKILL");
    await stderr;
    await waitFor(() => !processIsAlive(child.pid), { what: "child to be reaped" });

    const store = open(path, false);
    expect(store.integrityCheck()).toBe("ok");
    expect(store.findLiveSession("half-made")).toBeUndefined();
    expect(store.sessionHistory("half-made", project)).toEqual([]);

    const [event] = store.listEvents({ projectPath: project });
    expect(event).toMatchObject({ status: "running", pid: child.pid });
    expect(store.markInterruptedEvents(project, processIsAlive)).toBe(1);
    expect(store.listEvents({ projectPath: project })[0]).toMatchObject({ id: event!.id, status: "interrupted" });
  });
});
