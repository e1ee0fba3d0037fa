import type { Project } from "../project.ts";
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
  last_activity: string;
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
    managed: isManaged(session),
  };
}

/** The sessions tagged with the project at `projectRoot`: never anything prj did not create there. */
export function sessionsOfProject(sessions: TmuxSession[], projectRoot: string): TmuxSession[] {
  return sessions.filter((session) => session.project === projectRoot);
}

/** This project's managed sessions, or with `all` every session on the server. */
export async function listProjectSessions(tmux: TmuxManager, project: Project, all: boolean): Promise<SessionListing[]> {
  const live = await tmux.listSessions();
  return (all ? live : sessionsOfProject(live, project.root)).map(toListing);
}

/** Sessions idle past the timeout and not attached: what `--stale` and auto clean-up remove. */
export function isStale(session: TmuxSession, timeoutSeconds: number, now = Date.now()): boolean {
  return session.attached === 0 && now - session.lastActivity.getTime() > timeoutSeconds * 1000;
}
