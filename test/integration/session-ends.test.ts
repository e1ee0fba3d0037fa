// Sessions that end behind prj's back keep an accurate duration: tmux writes
// the end time down (session-closed hook, or the sentinel on server exit) and
// reconcile uses it, however late it runs. Real tmux on private sockets.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { SessionSpec } from "../../src/plan/types.ts";
import type { Project } from "../../src/project.ts";
import { SessionLifecycleManager } from "../../src/sessions/lifecycle.ts";
import { reconcile } from "../../src/sessions/reconcile.ts";
import { openStateDatabase, type StateStore } from "../../src/state/db.ts";
import { TmuxManager } from "../../src/tmux/manager.ts";
import { sessionEndsFile } from "../../src/paths.ts";
import { run, tempDir, waitFor } from "../helpers/world.ts";

const project = "/home/u/ends-project";
const savedDataHome = process.env.XDG_DATA_HOME;
const servers: SocketServer[] = [];
const stores: StateStore[] = [];
let counter = 0;

/**
 * A private tmux server addressed by socket path (-S) under the test's
 * TMUX_TMPDIR. In-process tmux clients (TmuxManager) inherit the environment
 * Bun started with, not the preload's, so a path is the only address both
 * sides agree on; the server itself is started here, with the test's
 * environment and no tmux.conf, by an "anchor" session.
 */
class SocketServer {
  readonly path = join(process.env.TMUX_TMPDIR!, `ends-${process.pid}-${++counter}`);

  async tmux(...args: string[]) {
    return run(["tmux", "-S", this.path, "-f", "/dev/null", ...args]);
  }

  async ok(...args: string[]): Promise<string> {
    const result = await this.tmux(...args);
    if (result.exitCode !== 0) throw new Error(`tmux ${args.join(" ")} failed: ${result.stderr}`);
    return result.stdout;
  }

  async dispose(): Promise<void> {
    await this.tmux("kill-server");
  }
}

beforeAll(() => {
  // The hook and the sentinel must cope with spaces, quotes and `#` in the path.
  process.env.XDG_DATA_HOME = join(tempDir("ends-"), "it's a #data dir");
  mkdirSync(process.env.XDG_DATA_HOME, { recursive: true });
});
afterAll(() => {
  process.env.XDG_DATA_HOME = savedDataHome;
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.dispose();
  for (const store of stores.splice(0)) store.close();
});

async function world() {
  const server = new SocketServer();
  servers.push(server);
  await server.ok("new-session", "-d", "-s", "anchor");
  const tmux = new TmuxManager({ socket: server.path });
  const store = openStateDatabase(join(tempDir("ends-db-"), "state.db"), { create: true });
  stores.push(store);
  const lifecycle = new SessionLifecycleManager(tmux, store, project);
  const create = async (name: string, command = "sleep 600") => {
    const spec: SessionSpec = {
      name,
      workingDirectory: "/",
      environment: {},
      windows: [{ name: "main", workingDirectory: "/", environment: {}, focus: false, panes: [{ command, workingDirectory: "/", environment: {}, focus: false }] }],
      identity: { project, worktree: "main", task: name, command: "test" },
      shell: "/bin/sh",
    };
    return lifecycle.createSessionWithEnvironment({ specFor: () => spec, redact: (text) => text });
  };
  return { server, tmux, store, lifecycle, create };
}

function endLines(kind: "closed" | "server", socketPath: string, id: string): string[] {
  const file = sessionEndsFile();
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.startsWith(`${kind}\t${socketPath}\t${id}\t`));
}

/** Reconciles as if prj only ran again an hour later: only tmux's record can give the right end. */
async function reconcileAnHourLater(context: { tmux: TmuxManager; store: StateStore }) {
  return (await reconcile({ ...context, project: reconcileProject }, { now: new Date(Date.now() + 3_600_000) })).result;
}

/** The project as the reconciler needs it: its root and the settings it reads. */
const reconcileProject = { root: project, settings: { tmux: { session_timeout_seconds: 86_400 }, worktrees: { port_base: 3000 } } } as unknown as Project;

function endedRow(store: StateStore, name: string) {
  return store.sessionHistory(name, project)[0]!;
}

function endedEvent(store: StateStore, name: string) {
  return store.listEvents({ projectPath: project }).find((event) => event.kind === "session.ended" && event.sessionName === name);
}

describe("recorded end times", () => {
  test("the socket path prj works out is the one tmux reports", async () => {
    const { server, tmux, create } = await world();
    await create("probe");
    expect(tmux.socketPath()).toBe((await server.ok("display-message", "-p", "#{socket_path}")).trim());
  });

  test("tmux kill-session: the session-closed hook records the end", async () => {
    const { server, tmux, store, lifecycle, create } = await world();
    const victim = await create("victim");
    await create("bystander");
    const killedAt = Date.now();
    await server.ok("kill-session", "-t", "=victim");
    await waitFor(() => endLines("closed", tmux.socketPath(), victim.tmuxId).length > 0, { what: "the session-closed record" });
    const result = await reconcileAnHourLater({ tmux, store });
    expect(result.ended).toEqual(["victim"]);
    const row = endedRow(store, "victim");
    expect(row.endReason).toBe("gone");
    // tmux writes whole seconds.
    expect(Date.parse(row.endedAt!)).toBeGreaterThanOrEqual(Math.max(Date.parse(row.createdAt), killedAt - 1000));
    expect(Date.parse(row.endedAt!)).toBeLessThanOrEqual(Date.now());
    expect(endedEvent(store, "victim")?.metadata).toMatchObject({ end_time_source: "tmux-hook", reason: "gone" });
    expect(store.findLiveSession("bystander", server.path)).toBeDefined();
  });

  test("the last shell exiting: recorded by the hook", async () => {
    const { server, tmux, store, lifecycle, create } = await world();
    const quitter = await create("quitter", "true");
    await create("stayer");
    // After its command the pane is a login shell; typing exit ends it, and with it the session.
    await waitFor(async () => (await server.tmux("display-message", "-p", "-t", "=quitter:", "#{pane_current_command}")).stdout.trim() === "sh", { what: "the login shell" });
    const exitedAt = Date.now();
    await server.ok("send-keys", "-t", "=quitter:", "exit", "Enter");
    await waitFor(() => endLines("closed", tmux.socketPath(), quitter.tmuxId).length > 0, { what: "the session-closed record" });
    await reconcileAnHourLater({ tmux, store });
    const endedAt = Date.parse(endedRow(store, "quitter").endedAt!);
    expect(endedAt).toBeGreaterThanOrEqual(exitedAt - 1000);
    expect(endedAt).toBeLessThanOrEqual(Date.now());
    expect(endedEvent(store, "quitter")?.metadata).toMatchObject({ end_time_source: "tmux-hook" });
  });

  test("tmux kill-server: the sentinel records the server's exit for every session", async () => {
    const { server, tmux, store, lifecycle, create } = await world();
    await create("one");
    await create("two");
    const pid = (await server.ok("display-message", "-p", "#{pid}")).trim();
    const killedAt = Date.now();
    await server.ok("kill-server");
    await waitFor(() => endLines("server", tmux.socketPath(), pid).length > 0, { what: "the server-exit record" });
    const result = await reconcileAnHourLater({ tmux, store });
    expect(result.ended.sort()).toEqual(["one", "two"]);
    for (const name of ["one", "two"]) {
      const endedAt = Date.parse(endedRow(store, name).endedAt!);
      expect(endedAt).toBeGreaterThanOrEqual(killedAt - 1000);
      expect(endedAt).toBeLessThanOrEqual(Date.now());
      expect(endedEvent(store, name)?.metadata).toMatchObject({ end_time_source: "server-exit" });
    }
  });

  test("the sentinel starts once per server and does not keep an empty server alive", async () => {
    const { server, tmux, create } = await world();
    await create("a");
    await create("b");
    const serverPid = Number((await server.ok("display-message", "-p", "#{pid}")).trim());
    const ps = await Bun.$`ps -A -o ppid=,args=`.text();
    const sentinels = ps.split("\n").filter((line) => line.trim().startsWith(`${serverPid} `) && line.includes("prj_end"));
    expect(sentinels).toHaveLength(1);
    expect((await server.ok("show-hooks", "-g")).split("\n").filter((line) => line.startsWith("session-closed[8461]"))).toHaveLength(1);
    for (const name of ["a", "b", "anchor"]) await server.ok("kill-session", "-t", `=${name}`);
    await waitFor(async () => (await server.tmux("list-sessions")).exitCode !== 0, { what: "the server to exit" });
    await waitFor(() => endLines("server", tmux.socketPath(), String(serverPid)).length > 0, { what: "the server-exit record" });
  });

  test("a crashed server (SIGKILL): the sentinel records the exit and leaves no process behind", async () => {
    const { server, tmux, store, lifecycle, create } = await world();
    await create("crash-victim");
    const serverPid = Number((await server.ok("display-message", "-p", "#{pid}")).trim());
    const sentinelPids = async () =>
      (await Bun.$`ps -A -o pid=,ppid=,args=`.text())
        .split("\n")
        .map((line) => line.trim().split(/\s+/))
        .filter((row) => row.includes("prj_end") || row.join(" ").includes("prj_end"))
        .filter((row) => Number(row[1]) === serverPid || Number(row[1]) === 1)
        .map((row) => Number(row[0]));
    // The sentinel's first `ps` sighting; its `sleep` child is found through its parent.
    const [sentinel] = await waitFor(async () => {
      const found = (await sentinelPids()).filter(Boolean);
      return found.length ? found : undefined;
    }, { what: "the sentinel" });
    process.kill(serverPid, "SIGKILL");
    await waitFor(() => endLines("server", tmux.socketPath(), String(serverPid)).length > 0, { what: "the server-exit record" });
    await waitFor(async () => {
      const table = await Bun.$`ps -A -o pid=,ppid=,args=`.text();
      const rows = table.split("\n").map((line) => line.trim().split(/\s+/));
      return !rows.some((row) => Number(row[0]) === sentinel || Number(row[1]) === sentinel);
    }, { what: "the sentinel and its sleep to exit" });
    expect((await sentinelPids()).filter((pid) => pid === sentinel)).toEqual([]);
    const result = await reconcileAnHourLater({ tmux, store });
    expect(result.ended).toContain("crash-victim");
    expect(endedEvent(store, "crash-victim")?.metadata).toMatchObject({ end_time_source: "server-exit" });
  });

  test("without any record (no hook ran), the end is when reconcile noticed", async () => {
    const { server, tmux, store, create } = await world();
    await create("silent");
    await create("keeper");
    await server.ok("set-hook", "-gu", "session-closed[8461]");
    await server.ok("kill-session", "-t", "=silent");
    const now = new Date(Date.now() + 7_200_000);
    await reconcile({ tmux, store, project: reconcileProject }, { now });
    expect(endedRow(store, "silent").endedAt).toBe(now.toISOString());
    expect(endedEvent(store, "silent")?.metadata).toMatchObject({ end_time_source: "reconcile" });
  });
});
