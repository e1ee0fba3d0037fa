import type { Project } from "../project.ts";
import type { StateStore } from "../state/db.ts";
import type { TmuxManager, TmuxSession } from "../tmux/manager.ts";
import { byUrgency, parsePublishedState, type AttentionState } from "../attention/states.ts";

export interface SessionListing {
  name: string;
  project: string;
  worktree: string;
  task: string;
  command: string;
  working_directory: string;
  windows: number;
  attached: boolean;
  created_at: string;
  /** The later of the last output and the last input. */
  last_activity: string;
  last_output_at: string;
  idle_seconds: number;
  managed: boolean;
  /** The session's attention state (its most urgent pane's, docs/attention.md); null before the watcher has seen it. */
  state: AttentionState | null;
  state_since: string | null;
}

/** A session is managed by prj when it carries prj's project tag. */
export function isManaged(session: TmuxSession): boolean {
  return session.project !== "";
}

export function toListing(session: TmuxSession): SessionListing {
  return {
    name: session.name,
    project: session.project,
    worktree: session.worktree,
    task: session.task,
    command: session.command,
    working_directory: session.path,
    windows: session.windows,
    attached: session.attached > 0,
    created_at: session.createdAt.toISOString(),
    last_activity: session.lastActivity.toISOString(),
    last_output_at: session.lastOutput.toISOString(),
    idle_seconds: Math.max(0, Math.round((Date.now() - session.lastActivity.getTime()) / 1000)),
    managed: isManaged(session),
    ...attentionOf(session),
  };
}

function attentionOf(session: TmuxSession): { state: AttentionState | null; state_since: string | null } {
  const published = parsePublishedState(session.attention);
  return { state: published?.state ?? null, state_since: published ? new Date(published.since).toISOString() : null };
}

/**
 * Starts the attention watcher when prj sessions are live and none runs (it was
 * killed, or the sessions predate it): the states shown come from it.
 */
export async function reviveWatcher(tmux: TmuxManager, live: readonly TmuxSession[]): Promise<void> {
  if (!live.some(isManaged)) return;
  const { ensureWatcher, watcherRuns } = await import("../attention/launch.ts");
  if (!watcherRuns(live[0]!.watcher)) await ensureWatcher(tmux, live[0]!.watcher);
}

/** Waiting first, then by urgency (docs/attention.md); sessions without a state last; otherwise in tmux's order. */
export function waitingFirst<T extends { state: AttentionState | null }>(listings: T[]): T[] {
  return [...listings].sort((a, b) => (a.state === null ? (b.state === null ? 0 : 1) : b.state === null ? -1 : byUrgency(a.state, b.state)));
}

/** The sessions tagged with the project at `projectRoot`: never anything prj did not create there. */
export function sessionsOfProject(sessions: TmuxSession[], projectRoot: string): TmuxSession[] {
  return sessions.filter((session) => session.project === projectRoot);
}

/**
 * This project's managed sessions, or with `all` every session on the server.
 * With the database, the reconciler runs first (one tmux listing serves both),
 * so the record agrees with what is shown.
 */
export async function listProjectSessions(tmux: TmuxManager, project: Project, all: boolean, store?: StateStore): Promise<SessionListing[]> {
  let live: TmuxSession[];
  if (store) {
    const { reconcile } = await import("./reconcile.ts");
    live = (await reconcile({ project, store, tmux })).observation.live ?? (await tmux.listSessions());
  } else live = await tmux.listSessions();
  await reviveWatcher(tmux, live);
  return waitingFirst((all ? live : sessionsOfProject(live, project.root)).map(toListing));
}

