import { redactEnvironment } from "../plan/redact.ts";
import type { Project } from "../project.ts";
import type { StateStore } from "../state/db.ts";
import type { TmuxManager } from "../tmux/manager.ts";
import { sessionNotFound } from "./context.ts";
import { ProcessIndex, readProcessTable } from "./processes.ts";
import { isManaged } from "./queries.ts";

/**
 * What `prj session-info` shows of one live session: its tags, windows and
 * panes, the memory of its process trees, its environment (secrets redacted)
 * and its recorded history. A session that is not there is an error.
 */
export async function describeSession(
  { tmux, store, project }: { tmux: TmuxManager; store: StateStore | undefined; project: Pick<Project, "root"> | undefined },
  name: string,
) {
  const info = await tmux.getSessionInfo(name);
  if (!info) throw await sessionNotFound(tmux, name, project ? "prj list-sessions --all" : tmux.userCommand(["list-sessions"]));
  const tree = new ProcessIndex(await readProcessTable()).tree(info.panes.map((pane) => pane.pid));
  // Outside a project (or before its first run) there is no recorded history.
  const history = (store && project ? store.sessionHistory(name, project.root) : []).map((row) => ({
    created_at: row.createdAt,
    ended_at: row.endedAt,
    end_reason: row.endReason,
    command: row.command,
    event_id: row.eventId,
  }));
  const windows = new Map<number, { index: number; name: string; active: boolean; layout: string; panes: { index: number; pid: number; command: string; path: string; active: boolean }[] }>();
  for (const pane of info.panes) {
    const window = windows.get(pane.windowIndex) ?? { index: pane.windowIndex, name: pane.windowName, active: pane.windowActive, layout: pane.windowLayout, panes: [] };
    window.panes.push({ index: pane.index, pid: pane.pid, command: pane.command, path: pane.path, active: pane.active });
    windows.set(pane.windowIndex, window);
  }
  const session = info.session;
  const recordedRow = store?.findLiveSession(name, tmux.socket);
  return {
    name: session.name,
    id: session.id,
    managed: isManaged(session),
    project: session.project,
    worktree: session.worktree,
    task: session.task,
    command: session.command,
    working_directory: session.path,
    attached: session.attached > 0,
    created_at: session.createdAt.toISOString(),
    last_activity: session.lastActivity.toISOString(),
    memory_bytes: tree.reduce((sum, row) => sum + row.rssKb * 1024, 0),
    processes: tree.length,
    // The sensitive keys the run recorded (its secret_env, and keys whose values held a secret): the command file may be gone.
    environment: redactEnvironment(info.environment, recordedRow?.plan?.secretKeys ?? []),
    ...(recordedRow?.plan ? { arguments: recordedRow.plan.arguments, port: recordedRow.plan.port } : {}),
    windows: [...windows.values()].sort((a, b) => a.index - b.index),
    history,
  };
}
