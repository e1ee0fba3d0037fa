/**
 * One frame of `prj monitor sessions`: every session's windows, attached
 * clients, idle time, and the processes, CPU and memory of the process trees
 * under its panes. A frame costs one `tmux list-panes -a` and one `ps`,
 * however many sessions there are.
 */
import { TmuxError } from "../errors.ts";
import type { StateStore } from "../state/db.ts";
import type { TmuxManager } from "../tmux/manager.ts";
import { formatOf, isNoServer, parseRows } from "../tmux/parse.ts";
import { ProcessIndex, readProcessTable, type ProcessRow } from "./processes.ts";
import { parsePublishedState, type AttentionState } from "../attention/states.ts";
import { waitingFirst } from "./queries.ts";

const PANE_FIELDS = [
  "session_id",
  "session_name",
  "session_windows",
  "session_attached",
  "session_activity",
  // Output moves window_activity; input moves session_activity. Idle is since the later of the two.
  "window_activity",
  "pane_pid",
  "@prj_project",
  // The attention state the watcher published (docs/attention.md).
  "@prj_session_state",
] as const;

export type PaneRow = Record<(typeof PANE_FIELDS)[number], string>;

export interface SessionSample {
  name: string;
  id: string;
  managed: boolean;
  windows: number;
  panes: number;
  attached: boolean;
  idle_seconds: number;
  processes: number;
  cpu_percent: number;
  rss_bytes: number;
  /** The session's attention state and since when; null before the watcher has seen it. */
  state: AttentionState | null;
  state_since: string | null;
}

export interface MonitorFrame {
  taken_at: string;
  sessions: SessionSample[];
}

/** Every pane on the server with its session's fields; no server means no panes. */
export async function listAllPanes(tmux: TmuxManager): Promise<PaneRow[]> {
  const result = await tmux.run(["list-panes", "-a", "-F", formatOf(PANE_FIELDS)]);
  if (result.exitCode !== 0) {
    if (isNoServer(result.stderr)) return [];
    throw new TmuxError("list-panes", result.stderr);
  }
  return parseRows(result.stdout, PANE_FIELDS, "list-panes");
}

/**
 * Folds panes and the process table into one sample per session. `project`
 * keeps only sessions tagged with that project; sessions come out by name.
 */
export function summariseSessions(panes: PaneRow[], processes: ProcessRow[], options: { now: Date; project?: string }): SessionSample[] {
  const index = new ProcessIndex(processes);
  const sessions = new Map<string, { pane: PaneRow; roots: number[]; lastActivity: number }>();
  for (const pane of panes) {
    if (options.project !== undefined && pane["@prj_project"] !== options.project) continue;
    const entry = sessions.get(pane.session_id) ?? { pane, roots: [], lastActivity: Number(pane.session_activity) };
    entry.roots.push(Number(pane.pane_pid));
    entry.lastActivity = Math.max(entry.lastActivity, Number(pane.window_activity) || 0);
    sessions.set(pane.session_id, entry);
  }
  const out: SessionSample[] = [];
  for (const { pane, roots, lastActivity } of sessions.values()) {
    const tree = index.tree(roots);
    const count = tree.length;
    const cpu = tree.reduce((sum, row) => sum + (Number.isFinite(row.cpuPercent) ? row.cpuPercent : 0), 0);
    const rssKb = tree.reduce((sum, row) => sum + (Number.isFinite(row.rssKb) ? row.rssKb : 0), 0);
    const published = parsePublishedState(pane["@prj_session_state"]);
    out.push({
      name: pane.session_name,
      id: pane.session_id,
      managed: pane["@prj_project"] !== "",
      windows: Number(pane.session_windows),
      panes: roots.length,
      attached: Number(pane.session_attached) > 0,
      idle_seconds: Math.max(0, Math.round(options.now.getTime() / 1000 - lastActivity)),
      processes: count,
      cpu_percent: Math.round(cpu * 10) / 10,
      rss_bytes: rssKb * 1024,
      state: published?.state ?? null,
      state_since: published ? new Date(published.since).toISOString() : null,
    });
  }
  return waitingFirst(out.sort((a, b) => a.name.localeCompare(b.name)));
}

/** Takes one frame and, with a store, records it as resource samples (one transaction). */
export async function takeFrame(tmux: TmuxManager, options: { project?: string; store?: StateStore }): Promise<MonitorFrame> {
  const [panes, processes] = await Promise.all([listAllPanes(tmux), readProcessTable()]);
  const now = new Date();
  const sessions = summariseSessions(panes, processes, { now, project: options.project });
  const takenAt = now.toISOString();
  const store = options.store;
  if (store && sessions.length) {
    store.immediate(() => {
      for (const session of sessions) {
        store.insertSample({
          sessionName: session.name,
          processes: session.processes,
          cpuPercent: session.cpu_percent,
          rssBytes: session.rss_bytes,
          takenAt,
        });
      }
    });
  }
  return { taken_at: takenAt, sessions };
}
