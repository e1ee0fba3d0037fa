/**
 * The attention watcher (`prj __watch`): one per tmux server, started by the
 * session batch the way the end recorder's sentinel is (see
 * tmux/script.ts `watcherCommands`), so transitions are recorded while no prj
 * command runs. Every second it reads all panes with one `list-panes -a` and
 * each prj pane's processes from /proc, classifies them (classify.ts), and for
 * what changed:
 *
 * - appends the change, with its evidence, to the project's database (the
 *   session's `@prj_project` names the project root);
 * - publishes the state in tmux options (`@prj_pane_state` per pane,
 *   `@prj_session_state` per session, `@prj_attention` for the server) with one
 *   tmux client, so `list-sessions`, `status`, `wait` and status lines read it
 *   without walking /proc themselves;
 * - runs the session's recorded `on_state` steps.
 *
 * It leaves when its server does (SIGHUP from setpriv's parent-death signal,
 * SIGTERM from tmux, or the server's pid gone at the next sample) and 5 s after
 * the last prj session on the server has gone; it gives up the server option first, in
 * the same tmux command list that checks for sessions, so a batch that makes a
 * session at that moment starts a new watcher rather than finding none.
 */
import type { Database } from "bun:sqlite";
import { UsageError } from "../errors.ts";
import { projectPaths } from "../paths.ts";
import { openConnection } from "../state/connection.ts";
import { StateStore } from "../state/db.ts";
import type { RecordedSessionPlan } from "../state/rows.ts";
import { TmuxManager } from "../tmux/manager.ts";
import { tmuxCommandLine } from "../tmux/quote.ts";
import { WATCHER_OPTION } from "../tmux/script.ts";
import { log } from "../ui/log.ts";
import { sessionLog } from "../ui/session-log.ts";
import { classifyPane, PaneTracker, type PaneVerdict } from "./classify.ts";
import { listPaneRows, PANE_MESSAGE_OPTION, PANE_STATE_OPTION, SESSION_STATE_OPTION, SUMMARY_OPTION, type PaneRow } from "./panes.ts";
import { paneCommandStatus, procAvailable, readPaneProcesses } from "./procfs.ts";
import { insertStateChanges, type StateChange } from "./record.ts";
import { ATTENTION_STATES, formatPublishedState, mostUrgent, type AttentionState } from "./states.ts";
import { serverOfTmuxVariable } from "./tmux-env.ts";

/** One sample a second: a transition is recorded within a second of its evidence, plus the time to read it. */
export const SAMPLE_INTERVAL_MS = 1000;
/** How long the watcher stays on a server with no prj session left. */
export const LINGER_MS = 5000;


interface PaneRecord {
  verdict: PaneVerdict;
  since: number;
  row: PaneRow;
}

interface SessionRecord {
  state: AttentionState;
  since: number;
  name: string;
  project: string;
}

/** `2 waiting, 1 failed, 3 working`: sessions by state, most urgent first, for a status line. */
export function summaryText(states: Iterable<AttentionState>): string {
  const counts = new Map<AttentionState, number>();
  for (const state of states) counts.set(state, (counts.get(state) ?? 0) + 1);
  return ATTENTION_STATES.filter((state) => counts.get(state)).map((state) => `${counts.get(state)} ${state}`).join(", ");
}

export class Watcher {
  private readonly tracker = new PaneTracker();
  private readonly panes = new Map<string, PaneRecord>();
  private readonly sessions = new Map<string, SessionRecord>();
  private summary: string | undefined;
  /** Open databases by project root; null for a project whose database cannot be used. */
  private readonly stores = new Map<string, WatcherStore | null>();
  /** Changes a busy database could not take yet, retried at the next sample. */
  private readonly pending = new Map<string, StateChange[]>();
  private readonly hooks = new Set<Promise<void>>();
  private stopped = false;
  private emptySince: number | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly tmux: TmuxManager,
    private readonly serverPid: number,
    private readonly options: { intervalMs?: number; now?: () => number } = {},
  ) {}

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  async run(): Promise<void> {
    await this.tmux.run(["set-option", "-g", WATCHER_OPTION, String(process.pid)]);
    const interval = this.options.intervalMs ?? SAMPLE_INTERVAL_MS;
    let next = Date.now();
    try {
      while (!this.stopped) {
        const keepGoing = await this.sample().catch((error: unknown) => {
          // A sample that fails (a tmux hiccup, a process gone mid-read) is skipped, not fatal.
          log.debug(`attention sample failed: ${error instanceof Error ? error.message : String(error)}`);
          return true;
        });
        if (!keepGoing) break;
        next += interval;
        const delay = next - Date.now();
        if (delay < 0) next = Date.now();
        else await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    } finally {
      await Promise.allSettled([...this.hooks]);
      for (const store of this.stores.values()) store?.store.close();
    }
  }

  /** One sample; false when the watcher should leave. */
  async sample(): Promise<boolean> {
    if (!serverAlive(this.serverPid)) return false;
    const rows = await listPaneRows(this.tmux);
    if (rows === undefined) return false;
    const owner = rows[0]?.watcher;
    // Another watcher took the server over (ours was thought gone): one is enough.
    if (owner && owner !== String(process.pid) && owner !== "starting") return false;
    const managed = rows.filter((row) => row.project !== "");
    if (managed.length === 0) {
      // A while without prj sessions before leaving: a session killed and made again (a script, a benchmark's
      // rounds) finds the watcher still there instead of starting one each time.
      this.emptySince ??= Date.now();
      if (Date.now() - this.emptySince >= LINGER_MS && (await this.giveUpServer())) return false;
    } else this.emptySince = undefined;

    const now = this.options.now?.() ?? Date.now();
    const at = new Date(now).toISOString();
    const changes = new Map<string, StateChange[]>();
    const publish: string[][] = [];
    const entered: { record: PaneRecord; change: StateChange }[] = [];
    const add = (project: string, change: StateChange) => {
      const list = changes.get(project);
      if (list) list.push(change);
      else changes.set(project, [change]);
    };

    const seen = new Set<string>();
    for (const row of managed) {
      seen.add(row.paneId);
      const processes = procAvailable() ? readPaneProcesses(row.panePid, row.tty) : undefined;
      const exitStatus = row.facts.wrapped && processes ? paneCommandStatus(row.panePid, processes.shell.start) : undefined;
      const verdict = classifyPane(row.facts, this.tracker.context(row.facts, processes, exitStatus, now));
      const before = this.panes.get(row.paneId);
      if (!before && row.published?.state === verdict.state && row.published.status === verdict.status) {
        // A watcher that (re)starts takes over what the last one published instead of recording it again.
        this.panes.set(row.paneId, { verdict, since: row.published.since, row });
        continue;
      }
      if (before && before.verdict.state === verdict.state && before.verdict.status === verdict.status) {
        if (before.verdict.message !== verdict.message) publish.push(["set-option", "-p", "-t", row.paneId, PANE_MESSAGE_OPTION, verdict.message]);
        before.verdict = verdict;
        before.row = row;
        continue;
      }
      const record = { verdict, since: now, row };
      this.panes.set(row.paneId, record);
      const change: StateChange = {
        sessionName: row.sessionName,
        tmuxSessionId: row.sessionId,
        paneId: row.paneId,
        state: verdict.state,
        previous: before?.verdict.state ?? row.published?.state,
        at,
        exitStatus: verdict.status,
        message: verdict.message,
        evidence: verdict.evidence,
      };
      add(row.project, change);
      entered.push({ record, change });
      publish.push(
        ["set-option", "-p", "-t", row.paneId, PANE_STATE_OPTION, formatPublishedState({ state: verdict.state, since: now, status: verdict.status })],
        ["set-option", "-p", "-t", row.paneId, PANE_MESSAGE_OPTION, verdict.message],
      );
    }
    // A pane that closed (its shell exited, someone killed it) is dead from now on, and then forgotten.
    for (const [paneId, record] of this.panes) {
      if (seen.has(paneId)) continue;
      this.panes.delete(paneId);
      if (record.verdict.state === "dead") continue;
      add(record.row.project, {
        sessionName: record.row.sessionName,
        tmuxSessionId: record.row.sessionId,
        paneId,
        state: "dead",
        previous: record.verdict.state,
        at,
        message: "the pane closed",
        evidence: { reason: "the pane closed" },
      });
    }
    this.tracker.retain(seen);

    // Each session is its most urgent pane.
    const bySession = new Map<string, { row: PaneRow; states: AttentionState[] }>();
    for (const row of managed) {
      const entry = bySession.get(row.sessionId) ?? { row, states: [] };
      entry.states.push(this.panes.get(row.paneId)!.verdict.state);
      bySession.set(row.sessionId, entry);
    }
    for (const [sessionId, { row, states }] of bySession) {
      const state = mostUrgent(states)!;
      const before = this.sessions.get(sessionId);
      if (before?.state === state) continue;
      const published = row.sessionPublished;
      if (!before && published?.state === state) {
        this.sessions.set(sessionId, { state, since: published.since, name: row.sessionName, project: row.project });
        continue;
      }
      this.sessions.set(sessionId, { state, since: now, name: row.sessionName, project: row.project });
      add(row.project, { sessionName: row.sessionName, tmuxSessionId: sessionId, state, previous: before?.state ?? published?.state, at });
      publish.push(["set-option", "-t", sessionId, SESSION_STATE_OPTION, formatPublishedState({ state, since: now })]);
    }
    for (const sessionId of this.sessions.keys()) if (!bySession.has(sessionId)) this.sessions.delete(sessionId);
    const summary = summaryText([...this.sessions.values()].map((session) => session.state));
    if (summary !== this.summary) {
      this.summary = summary;
      publish.push(["set-option", "-g", SUMMARY_OPTION, summary]);
    }

    this.write(changes);
    if (publish.length) await this.publish(publish);
    for (const { record, change } of entered) this.runSteps(record, change);
    return true;
  }

  /**
   * Every option change of a sample through one tmux client, on its stdin:
   * messages are programs' text, and an argv word ending in `;` would split
   * tmux's command list.
   */
  private async publish(commands: string[][]): Promise<void> {
    const result = await this.tmux.run(["source-file", "-"], { stdin: `${commands.map(tmuxCommandLine).join(" ; ")}\n` });
    // A pane or session that went between the listing and now makes tmux stop at it; the next sample catches up.
    if (result.exitCode !== 0) log.debug(`publishing attention states: ${result.stderr.trim()}`);
  }

  /** Appends each project's changes in one transaction; a busy database keeps them for the next sample. */
  private write(changes: Map<string, StateChange[]>): void {
    for (const [project, list] of changes) {
      const queued = this.pending.get(project);
      if (queued) queued.push(...list);
      else this.pending.set(project, [...list]);
    }
    for (const [project, list] of this.pending) {
      const store = this.storeOf(project);
      if (!store) {
        this.pending.delete(project);
        continue;
      }
      try {
        insertStateChanges(store.db, list);
        this.pending.delete(project);
      } catch (error) {
        const busy = /locked|busy/i.test(error instanceof Error ? error.message : String(error));
        if (busy && list.length < 10_000) continue;
        this.pending.delete(project);
        sessionLog("error", { command: "__watch", project, error: `state changes not recorded: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
  }

  private storeOf(project: string): WatcherStore | undefined {
    if (this.stores.has(project)) return this.stores.get(project) ?? undefined;
    let store: WatcherStore | null = null;
    try {
      store = openWatcherStore(projectPaths(project).database);
    } catch (error) {
      // No database (a project without `prj init`, or gone): its sessions are published, not recorded.
      log.debug(`attention for ${project} not recorded: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.stores.set(project, store);
    return store ?? undefined;
  }

  /** The session's recorded `on_state` steps for the state a pane entered, run without holding up sampling. */
  private runSteps(record: PaneRecord, change: StateChange): void {
    const store = this.storeOf(record.row.project)?.store;
    if (!store) return;
    let plan: RecordedSessionPlan | null = null;
    try {
      plan = liveSessionPlan(store, record.row);
    } catch (error) {
      log.debug(`on_state of ${record.row.sessionName} not read: ${String(error)}`);
    }
    const steps = plan?.onState?.[change.state];
    if (!plan || !steps?.length) return;
    const running = import("./steps.ts")
      .then(({ runStateSteps }) => runStateSteps({ tmux: this.tmux, store, project: record.row.project, plan: plan!, row: record.row, change }))
      .catch((error: unknown) => log.debug(`on_state steps failed: ${String(error)}`));
    this.hooks.add(running);
    void running.finally(() => this.hooks.delete(running));
  }

  /**
   * Leaves the server when no prj session is on it: in one command list, tmux
   * unsets the option only if it is still this watcher's and no session has
   * `@prj_project`. True when it did.
   */
  private async giveUpServer(): Promise<boolean> {
    const condition = `#{&&:#{==:#{${WATCHER_OPTION}},${process.pid}},#{==:#{S:#{?@prj_project,1,}},}}`;
    const result = await this.tmux.run([
      "if-shell", "-F", condition, `set-option -gu ${WATCHER_OPTION} ; set-option -gu ${SUMMARY_OPTION}`, ";",
      "show-options", "-gqv", WATCHER_OPTION,
    ]);
    return result.exitCode !== 0 || result.stdout.trim() === "";
  }
}

/** The plan of the live session a pane belongs to, found by tmux id when the name lookup needs the socket. */
function liveSessionPlan(store: StateStore, row: PaneRow): RecordedSessionPlan | null {
  const [found] = store.select<{ plan: string | null }>(
    "read a session's recorded plan",
    "SELECT plan FROM sessions WHERE name = $name AND tmux_id = $tmuxId AND ended_at IS NULL ORDER BY id DESC LIMIT 1",
    { name: row.sessionName, tmuxId: row.sessionId },
  );
  if (!found?.plan) return null;
  try {
    return JSON.parse(found.plan) as RecordedSessionPlan;
  } catch {
    return null; // a damaged record runs no steps
  }
}

/** A project's database as the watcher holds it: the raw connection for its own table, the store for the rest. */
interface WatcherStore {
  db: Database;
  store: StateStore;
}

function openWatcherStore(path: string): WatcherStore {
  const db = openConnection(path, { create: false });
  // A run holds the write lock while it creates a session; the watcher retries at the next sample instead of waiting.
  db.run("PRAGMA busy_timeout = 250");
  return { db, store: new StateStore(db, path) };
}

function serverAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** `prj __watch`: runs until the server or its last prj session goes. */
export async function watchServer(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const server = serverOfTmuxVariable(env.TMUX);
  if (!server) throw new UsageError("prj __watch is started by tmux for its server ($TMUX is not set)");
  // Holding no directory open: the one tmux started it in may be a worktree that gets removed.
  process.chdir("/");
  const watcher = new Watcher(new TmuxManager({ socket: server.socket }), server.pid);
  for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"] as const) process.on(signal, () => watcher.stop());
  await watcher.run();
}
