import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { insertStateChanges } from "../../src/attention/record.ts";
import type { AttentionState } from "../../src/attention/states.ts";
import { attentionUsage, renderAttentionUsage } from "../../src/attention/usage.ts";
import { openConnection } from "../../src/state/connection.ts";
import { openStateDatabase, type StateStore } from "../../src/state/db.ts";
import { tempDir } from "../helpers/world.ts";

let store: StateStore | undefined;
afterEach(() => store?.close());

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 1, 12, 0, seconds)).toISOString();

/**
 * A session (task, worktree) that lived from `created` to `ended` (seconds), with its own state changes, written
 * through the watcher's own path (insertStateChanges links each change to the live session's row).
 */
function session(store: StateStore, name: string, task: string, created: number, ended: number | null, changes: [number, AttentionState][]): void {
  const id = store.insertSession({ name, tmuxId: `$${name}`, projectPath: "/p", worktree: "main", task, workingDirectory: "/p", createdAt: at(created) });
  const db = openConnection(store.path, { create: false });
  try {
    insertStateChanges(db, changes.flatMap(([second, state]) => [
      { sessionName: name, tmuxSessionId: `$${name}`, state, at: at(second) },
      // A pane's change is not the session's, and counts for nothing here.
      { sessionName: name, tmuxSessionId: `$${name}`, paneId: "%1", state: "failed" as const, at: at(second) },
    ]));
  } finally {
    db.close();
  }
  if (ended !== null) store.endSession(id, { reason: "killed", endedAt: at(ended) });
}

describe("time by attention state", () => {
  test("a state lasts until the next change or the session's end; per session, task and worktree", () => {
    store = openStateDatabase(join(tempDir("usage-"), "prunejuice.db"), { create: true });
    session(store, "a", "dev", 0, 100, [[0, "working"], [30, "waiting"], [90, "idle"]]);
    session(store, "b", "review", 0, 40, [[5, "working"], [25, "waiting"]]);
    const usage = attentionUsage(store, { now: new Date(at(200)) });
    expect(usage.sessions_tracked).toBe(2);
    expect(usage.total).toEqual({ working_seconds: 50, waiting_seconds: 75, idle_seconds: 10, done_seconds: 0, failed_seconds: 0 });
    expect(usage.by_session.map((row) => [row.session, row.waiting_seconds])).toEqual([["a", 60], ["b", 15]]);
    expect(usage.by_task.map((row) => row.task)).toEqual(["dev", "review"]);
    expect(usage.by_worktree).toEqual([{ worktree: "main", working_seconds: 50, waiting_seconds: 75, idle_seconds: 10, done_seconds: 0, failed_seconds: 0 }]);
    expect(renderAttentionUsage(usage)).toContain("waiting for you 1m 15s");
  });

  test("changes seen before the run recorded its session are linked to the row once it exists", () => {
    store = openStateDatabase(join(tempDir("usage-"), "prunejuice.db"), { create: true });
    const db = openConnection(store.path, { create: false });
    try {
      // A session of the same name and tmux id an hour before (another server, or before a restart) is not this one.
      insertStateChanges(db, [{ sessionName: "early", tmuxSessionId: "$7", state: "idle", at: at(-3600) }]);
      insertStateChanges(db, [{ sessionName: "early", tmuxSessionId: "$7", state: "working", at: at(1) }]);
      store.insertSession({ name: "early", tmuxId: "$7", projectPath: "/p", worktree: "main", task: "dev", workingDirectory: "/p", createdAt: at(2) });
      insertStateChanges(db, [{ sessionName: "early", tmuxSessionId: "$7", state: "waiting", at: at(10) }]);
    } finally {
      db.close();
    }
    const linked = store.select<{ state: string; session_id: number | null }>("read", "SELECT state, session_id FROM state_changes ORDER BY at");
    expect(linked.map((row) => [row.state, row.session_id !== null])).toEqual([["idle", false], ["working", true], ["waiting", true]]);
  });

  test("clipped to the timeframe; a live session's last state runs until now", () => {
    store = openStateDatabase(join(tempDir("usage-"), "prunejuice.db"), { create: true });
    session(store, "live", "dev", 0, null, [[0, "working"], [50, "waiting"]]);
    const usage = attentionUsage(store, { window: { from: at(40), to: at(70) }, now: new Date(at(70)) });
    expect(usage.total).toMatchObject({ working_seconds: 10, waiting_seconds: 20 });
    expect(attentionUsage(store, { window: { from: at(100), to: at(120) }, now: new Date(at(80)) }).sessions_tracked).toBe(0);
  });
});
