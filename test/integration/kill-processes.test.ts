// A kill ends everything the session's panes started: a hang-up first, a
// bounded grace period, then SIGKILL for what ignored it, also for commands in
// their own process groups and for children that ignore SIGHUP. Real tmux on a
// private socket, real shells.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { SessionSpec } from "../../src/plan/types.ts";
import { SessionLifecycleManager } from "../../src/sessions/lifecycle.ts";
import { readProcesses } from "../../src/sessions/terminate.ts";
import { openStateDatabase, type StateStore } from "../../src/state/db.ts";
import { TmuxManager } from "../../src/tmux/manager.ts";
import { run, tempDir, waitFor } from "../helpers/world.ts";

const project = "/home/u/kill-project";
const sockets: string[] = [];
const stores: StateStore[] = [];
let counter = 0;

beforeAll(() => {
  // The grace period is the behaviour under test, not its length.
  process.env.PRJ_KILL_GRACE_MS = "300";
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) await run(["tmux", "-S", socket, "kill-server"]);
  for (const store of stores.splice(0)) store.close();
});

async function world() {
  const socket = join(process.env.TMUX_TMPDIR!, `kill-${process.pid}-${++counter}`);
  sockets.push(socket);
  await run(["tmux", "-S", socket, "-f", "/dev/null", "new-session", "-d", "-s", "anchor"]);
  const tmux = new TmuxManager({ socket });
  const store = openStateDatabase(join(tempDir("kill-db-"), "state.db"), { create: true });
  stores.push(store);
  const lifecycle = new SessionLifecycleManager(tmux, store, project);
  const create = async (name: string, commands: string[], shell = "/bin/bash") => {
    const spec: SessionSpec = {
      name,
      workingDirectory: "/",
      environment: {},
      windows: commands.map((command, index) => ({
        name: `w${index}`,
        workingDirectory: "/",
        environment: {},
        focus: index === 0,
        panes: [{ command, workingDirectory: "/", environment: {}, focus: false }],
      })),
      identity: { project, worktree: "main", task: name, command: "test" },
      shell,
    };
    return lifecycle.createSessionWithEnvironment({ specFor: () => spec, redact: (text) => text });
  };
  const panePids = async (name: string) =>
    (await tmux.run(["list-panes", "-s", "-t", `=${name}:`, "-F", "#{pane_pid}"])).stdout.split("\n").filter(Boolean).map(Number);
  return { tmux, store, lifecycle, create, panePids };
}

/** Live processes whose command line holds `marker` (the tests' sleeps carry unusual durations). */
async function withMarker(marker: string) {
  return (await readProcesses()).filter((entry) => !entry.zombie && entry.command !== "" && cmdline(entry.pid).includes(marker));
}

function cmdline(pid: number): string {
  try {
    return require("node:fs").readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

describe("a kill ends every process of the session", () => {
  test.skipIf(process.platform !== "linux")("a loop in its own process group that ignores SIGTERM and SIGHUP is killed, and reported", async () => {
    const { store, lifecycle, create, panePids } = await world();
    await create("stubborn", ["trap '' TERM HUP INT; while true; do sleep 4711; done"]);
    await waitFor(async () => (await withMarker("sleep 4711")).length > 0, { what: "the loop to start" });
    const sessionIds = await panePids("stubborn");
    const report = await lifecycle.killSession("stubborn", "killed");
    expect(report.forceKilled.length).toBeGreaterThan(0);
    expect(report.forceKilled.some((entry) => entry.command === "bash")).toBe(true);
    // Nothing left: no process in the panes' terminal sessions, no orphaned sleep.
    await waitFor(async () => (await readProcesses()).every((entry) => entry.zombie || !sessionIds.includes(entry.sid ?? -1)), {
      what: "the pane sessions to be empty",
      timeoutMs: 3000,
    });
    expect(await withMarker("sleep 4711")).toEqual([]);
    const row = store.sessionHistory("stubborn", project)[0]!;
    expect(row.endReason).toBe("killed");
    expect(row.endedAt).not.toBeNull();
  });

  test.skipIf(process.platform !== "linux")("a child that ignores SIGHUP (nohup) is killed too, and reported", async () => {
    const { lifecycle, create } = await world();
    await create("mixed", ["nohup sleep 4712 >/dev/null 2>&1 & sleep 4713", "sleep 4714"], "/bin/sh");
    await waitFor(async () => (await withMarker("sleep 471")).length >= 3, { what: "the sleeps to start" });
    const report = await lifecycle.killSession("mixed", "killed");
    expect(report.forceKilled.map((entry) => entry.command)).toContain("sleep");
    await waitFor(async () => (await withMarker("sleep 471")).length === 0, { what: "every sleep to end", timeoutMs: 3000 });
  });

  test.skipIf(process.platform !== "linux")("a session whose processes all exit on the hang-up is killed without SIGKILL", async () => {
    const { lifecycle, create } = await world();
    await create("polite", ["sleep 4715"], "/bin/sh");
    await waitFor(async () => (await withMarker("sleep 4715")).length > 0, { what: "the sleep to start" });
    const report = await lifecycle.killSession("polite", "killed");
    expect(report.forceKilled).toEqual([]);
    await waitFor(async () => (await withMarker("sleep 4715")).length === 0, { what: "the sleep to end", timeoutMs: 3000 });
  });
});
