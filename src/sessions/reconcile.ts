/**
 * The one reconciler (DESIGN "Reconciler"): the only place that decides what
 * is true about a project's streams. It observes tmux (sessions and their
 * activity, the end recorder's file), git (worktrees) and the database,
 * computes the difference as plain data, and either applies it (reset-sessions
 * and the implicit reconcile of read commands) or reports it (doctor).
 *
 *   observe() ──► Observation ──► diffState() (pure) ──► ReconcileDiff ──► applyDiff() | report
 *
 * It sits above the session queries and the worktree commands, which is why
 * it is in neither.
 */
import { existsSync } from "node:fs";
import type { GitWorktree } from "../git/worktree.ts";
import type { Project } from "../project.ts";
import type { EventRow, SessionRow, StateStore, WorktreeRow } from "../state/db.ts";
import type { TmuxManager, TmuxSession } from "../tmux/manager.ts";
import { log } from "../ui/log.ts";
import { sessionLog } from "../ui/session-log.ts";
import { effectiveStatus, isStale } from "./liveness.ts";
import { recordSessionEnd } from "./record-end.ts";
import { findEndTime, readEndRecords, rotateEndRecords, type EndRecord, type EndTimeSource } from "./ends.ts";

/** Everything the reconciler looked at, read once. */
export interface Observation {
  at: Date;
  projectRoot: string;
  /** The live sessions of the project's tmux server; undefined when tmux could not be asked. */
  live: TmuxSession[] | undefined;
  socket: string | undefined;
  socketPath: string;
  /** Rows of this project's sessions recorded as live on this server. */
  rows: SessionRow[];
  /** This project's runs recorded as running. */
  running: EventRow[];
  /** This project's worktrees recorded as live. */
  worktreeRows: WorktreeRow[];
  /** What git lists; undefined when git was not asked (or could not answer). */
  git: GitWorktree[] | undefined;
  /** End times tmux wrote down; read only when a session has gone. */
  endRecords(): readonly EndRecord[];
  isAlive(pid: number): boolean;
  /** Whether a path exists; a parameter so diffs can be tested without a file system. */
  exists(path: string): boolean;
}

/** What is not as the database says, decided in one place. */
export interface ReconcileDiff {
  /** Recorded as live, gone from tmux: when it ended, and how that time was found. */
  endedSessions: { row: SessionRow; endedAt: string; source: EndTimeSource }[];
  /** Live, tagged with this project, not recorded. */
  adoptedSessions: TmuxSession[];
  /** Recorded as running, but the prj process that owns the run is gone. */
  interruptedRuns: EventRow[];
  /** Recorded as live, but git no longer lists them. */
  missingWorktrees: WorktreeRow[];
  /** Listed by git (a run made them and died before recording them), not recorded. */
  adoptedWorktrees: { path: string; branch: string }[];
  /** Idle past `tmux.session_timeout` (no output, no input) and unattached. */
  staleSessions: TmuxSession[];
  /** prj sessions whose project or worktree directory is gone. */
  orphanSessions: { name: string; reason: string }[];
}

export interface ReconcileResult {
  ended: string[];
  adopted: string[];
  /** `run` events whose prj died, now interrupted. */
  interrupted: number;
  /** Other operations whose prj died (a kill, a clean-up), now interrupted: not runs, so counted apart. */
  interrupted_operations: number;
  worktrees_removed: string[];
  worktrees_adopted: string[];
}

/** The parts of a project the reconciler reads. */
export interface ReconciledProject {
  root: string;
  settings: { tmux: { session_timeout_seconds: number }; worktrees: { port_base: number } };
}

export interface ReconcileContext {
  project: ReconciledProject;
  store: StateStore;
  tmux?: TmuxManager;
}

export { isStale } from "./liveness.ts";

/** This project's stale sessions among `live`. */
export function staleSessions(live: readonly TmuxSession[], project: ReconciledProject, now = Date.now()): TmuxSession[] {
  const timeout = project.settings.tmux.session_timeout_seconds;
  return live.filter((session) => session.project === project.root && isStale(session, timeout, now));
}

/** How long a reconcile waits for tmux's session-closed hook to write an end it has not written yet. */
const END_RECORD_GRACE_MS = 300;

/** Reads tmux, the database and (with `git`) git once. */
export async function observe(context: ReconcileContext, options: { git?: boolean; now?: Date } = {}): Promise<Observation> {
  const { project, store, tmux } = context;
  const at = options.now ?? new Date();
  let live: TmuxSession[] | undefined;
  if (tmux) {
    try {
      live = await tmux.listSessions();
    } catch (error) {
      log.debug(`tmux not asked while reconciling (${error instanceof Error ? error.message : String(error)}); sessions are left as recorded`);
    }
  }
  let git: GitWorktree[] | undefined;
  if (options.git) {
    try {
      const { listWorktrees } = await import("../git/worktree.ts");
      git = await listWorktrees(project.root);
    } catch (error) {
      log.debug(`worktrees not reconciled (git could not list them): ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const { processIsAlive } = await import("../state/db.ts");
  const socket = tmux?.socket;
  let records: EndRecord[] | undefined;
  return {
    at,
    projectRoot: project.root,
    live,
    socket,
    socketPath: tmux?.socketPath() ?? "",
    rows: store.liveSessions(project.root).filter((row) => (row.socket ?? undefined) === socket),
    running: store.listEvents({ projectPath: project.root, status: "running" }),
    worktreeRows: store.listWorktrees(project.root),
    git,
    endRecords: () => (records ??= readEndRecords()),
    isAlive: processIsAlive,
    exists: existsSync,
  };
}

/** The difference between what was observed and what the database says. Pure. */
export function diffState(observation: Observation, options: { timeoutSeconds: number }): ReconcileDiff {
  const { live, rows, projectRoot } = observation;
  const diff: ReconcileDiff = {
    endedSessions: [],
    adoptedSessions: [],
    interruptedRuns: observation.running.filter((event) => effectiveStatus(event, observation.isAlive) === "interrupted"),
    missingWorktrees: [],
    adoptedWorktrees: [],
    staleSessions: [],
    orphanSessions: [],
  };
  if (live) {
    const liveIds = new Map(live.map((session) => [session.name, session.id]));
    const observedAt = observation.at.toISOString();
    for (const row of rows) {
      // A row newer than the listing belongs to a session made after tmux was asked.
      if (row.createdAt > observedAt) continue;
      const id = liveIds.get(row.name);
      if (id !== undefined && (row.tmuxId === null || row.tmuxId === id)) continue;
      const found = findEndTime(observation.endRecords(), { socketPath: observation.socketPath, tmuxId: row.tmuxId, createdAt: row.createdAt });
      // tmux writes whole seconds, so a session that lived under a second may read as ending before it began.
      const endedAt = found ? new Date(Math.max(found.at.getTime(), Date.parse(row.createdAt))) : observation.at;
      diff.endedSessions.push({ row, endedAt: endedAt.toISOString(), source: found?.source ?? "reconcile" });
    }
    const recorded = new Set(rows.map((row) => row.name));
    const worktreePaths = new Map(rows.map((row) => [row.name, row.worktreePath]));
    for (const session of live) {
      if (session.project === "") continue;
      if (session.project === projectRoot && !recorded.has(session.name)) diff.adoptedSessions.push(session);
      if (!observation.exists(session.project)) {
        diff.orphanSessions.push({ name: session.name, reason: `its project ${session.project} is gone` });
        continue;
      }
      if (session.project !== projectRoot) continue;
      const directory = worktreePaths.get(session.name) ?? session.path;
      if (directory && !observation.exists(directory)) diff.orphanSessions.push({ name: session.name, reason: `its worktree ${directory} is gone` });
      if (isStale(session, options.timeoutSeconds, observation.at.getTime())) diff.staleSessions.push(session);
    }
  }
  if (observation.git) {
    const listed = new Map(observation.git.map((worktree) => [worktree.path, worktree]));
    const observedAt = observation.at.toISOString();
    for (const row of observation.worktreeRows) {
      if (row.createdAt >= observedAt || listed.has(row.path)) continue;
      diff.missingWorktrees.push(row);
    }
    const recordedPaths = new Set(observation.worktreeRows.map((row) => row.path));
    for (const worktree of observation.git) {
      if (worktree.bare || worktree.prunable || !worktree.branch || worktree.path === projectRoot) continue;
      if (!recordedPaths.has(worktree.path)) diff.adoptedWorktrees.push({ path: worktree.path, branch: worktree.branch });
    }
  }
  return diff;
}

/**
 * Writes the difference, in one write transaction. Each item is checked again
 * under the lock: a prj that was creating a session or worktree while this one
 * looked has recorded it by now, and is left alone.
 */
export async function applyDiff(context: ReconcileContext, observation: Observation, diff: ReconcileDiff): Promise<ReconcileResult> {
  const { project, store } = context;
  const result: ReconcileResult = { ended: [], adopted: [], interrupted: 0, interrupted_operations: 0, worktrees_removed: [], worktrees_adopted: [] };
  const nothing =
    diff.endedSessions.length + diff.adoptedSessions.length + diff.interruptedRuns.length + diff.missingWorktrees.length + diff.adoptedWorktrees.length === 0;
  if (nothing) return result;
  const { recordWorktree, releaseWorktree } = await import("../worktrees/ports.ts");
  const { currentBranch } = await import("../project.ts");
  const { processIsAlive } = await import("../state/db.ts");
  store.immediate(() => {
    for (const { row, endedAt, source } of diff.endedSessions) {
      if (recordSessionEnd(store, project.root, row, { reason: "gone", endedAt: new Date(endedAt), source })) result.ended.push(row.name);
    }
    for (const session of diff.adoptedSessions) {
      if (store.findLiveSession(session.name, observation.socket)) continue;
      store.insertSession({
        name: session.name,
        tmuxId: session.id,
        projectPath: project.root,
        worktree: session.worktree,
        task: session.task,
        command: session.command || undefined,
        workingDirectory: session.path,
        socket: observation.socket,
        createdAt: session.createdAt.toISOString(),
      });
      store.recordEvent({
        kind: "session.adopted",
        status: "succeeded",
        exitCode: 0,
        endedAt: new Date().toISOString(),
        command: session.command || null,
        sessionName: session.name,
        worktree: session.worktree,
        projectPath: project.root,
        metadata: { task: session.task, tmux_id: session.id, created_at: session.createdAt.toISOString() },
      });
      sessionLog("adopted", { session: session.name, project: project.root, worktree: session.worktree, task: session.task, tmux_id: session.id });
      result.adopted.push(session.name);
    }
    if (diff.interruptedRuns.length) {
      // Marked under the lock (another prj may have marked some first); told apart by kind as observed.
      const marked = store.markInterruptedEvents(project.root, processIsAlive);
      const runs = diff.interruptedRuns.filter((event) => event.kind === "run").length;
      result.interrupted = Math.min(runs, marked);
      result.interrupted_operations = Math.max(0, marked - result.interrupted);
    }
    for (const row of diff.missingWorktrees) {
      if (!releaseWorktree(store, { projectPath: project.root, path: row.path })) continue;
      store.recordEvent({
        kind: "worktree.removed",
        status: "succeeded",
        worktree: row.branch,
        projectPath: project.root,
        metadata: { path: row.path, port: row.port, reason: "gone" },
      });
      result.worktrees_removed.push(row.path);
    }
    if (diff.adoptedWorktrees.length) {
      const mainBranch = currentBranch(project.root);
      for (const worktree of diff.adoptedWorktrees) {
        if (store.listWorktrees(project.root).some((row) => row.path === worktree.path)) continue;
        const port = recordWorktree(store, { root: project.root, mainBranch, portBase: project.settings.worktrees.port_base }, worktree);
        store.recordEvent({
          kind: "worktree.adopted",
          status: "succeeded",
          worktree: worktree.branch,
          projectPath: project.root,
          metadata: { path: worktree.path, port },
        });
        result.worktrees_adopted.push(worktree.path);
      }
    }
  });
  if (diff.endedSessions.length) rotateEndRecords();
  return result;
}

/**
 * Observes, diffs and applies: what reset-sessions does, and what read
 * commands do before they show anything. `git` also reconciles worktrees.
 */
export async function reconcile(
  context: ReconcileContext,
  options: { git?: boolean; now?: Date } = {},
): Promise<{ observation: Observation; diff: ReconcileDiff; result: ReconcileResult }> {
  let observation = await observe(context, options);
  const timeoutSeconds = context.project.settings.tmux.session_timeout_seconds;
  let diff = diffState(observation, { timeoutSeconds });
  // A session that has just closed on a running server gets its end line from tmux's hook a moment
  // later (run-shell -b is asynchronous): wait for it briefly rather than record "now" for ever.
  if (observation.live?.length && diff.endedSessions.some((ended) => ended.source === "reconcile")) {
    const deadline = Date.now() + END_RECORD_GRACE_MS;
    while (Date.now() < deadline && diff.endedSessions.some((ended) => ended.source === "reconcile")) {
      await Bun.sleep(25);
      const records = readEndRecords();
      observation = { ...observation, endRecords: () => records };
      diff = diffState(observation, { timeoutSeconds });
    }
  }
  const result = await applyDiff(context, observation, diff);
  return { observation, diff, result };
}

/**
 * Ends the row of a session that tmux no longer has, found by the creation
 * path (its name was free in tmux but still recorded as live): at the time
 * tmux wrote down, or now.
 */
export function recordVanishedSession(store: StateStore, projectPath: string, row: SessionRow, socketPath: string): void {
  const found = findEndTime(readEndRecords(undefined, { tmuxId: row.tmuxId }), { socketPath, tmuxId: row.tmuxId, createdAt: row.createdAt });
  const endedAt = found ? new Date(Math.max(found.at.getTime(), Date.parse(row.createdAt))) : new Date();
  recordSessionEnd(store, projectPath, row, { reason: "gone", endedAt, source: found?.source ?? "reconcile" });
}

/** Observes and diffs without writing anything: doctor's view. */
export async function reportDrift(context: ReconcileContext, options: { git?: boolean } = {}): Promise<{ observation: Observation; diff: ReconcileDiff }> {
  const observation = await observe(context, options);
  return { observation, diff: diffState(observation, { timeoutSeconds: context.project.settings.tmux.session_timeout_seconds }) };
}

/** `prj reset-sessions`: everything, worktrees included. */
export async function reconcileState(store: StateStore, project: Project, tmux: TmuxManager): Promise<ReconcileResult> {
  return (await reconcile({ project, store, tmux }, { git: true })).result;
}
