import type { Project } from "../project.ts";
import type { StateStore } from "../state/db.ts";
import type { TmuxManager, TmuxSession } from "../tmux/manager.ts";

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
  };
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
  return (all ? live : sessionsOfProject(live, project.root)).map(toListing);
}

