/**
 * The streams of every project (SPEC §12): the registry says which tmux
 * servers to ask, each server is listed once, and its prj sessions are grouped
 * by the project they are tagged with. Nothing is written: no project's
 * database is opened, and no reconcile runs (each project's own commands do
 * that); what is shown is what tmux says now.
 */
import { basename } from "node:path";
import { toListing, waitingFirst, type SessionListing } from "../sessions/queries.ts";
import type { TmuxSession } from "../tmux/manager.ts";
import type { ProjectEntry } from "./registry.ts";

export interface ProjectStreams {
  name: string;
  path: string;
  /** The tmux server its sessions were found on (null: tmux's default server). */
  socket: string | null;
  /** False for a project found only through a session's tag, never registered (made by an older prj). */
  registered: boolean;
  last_used_at: string | null;
  sessions: SessionListing[];
}

export interface CrossProjectListing extends SessionListing {
  project_name: string;
  socket: string | null;
}

/** The tmux servers the registered projects drive, each once. */
export function serversOf(projects: readonly ProjectEntry[]): (string | null)[] {
  return [...new Set(projects.map((project) => project.socket))];
}

/** Every registered project with its live sessions, waiting ones first within a project; projects by last use. */
export async function streamsOfAllProjects(): Promise<ProjectStreams[]> {
  const { readProjects } = await import("./registry.ts");
  const projects = readProjects();
  const live = await liveSessionsByServer(serversOf(projects));
  return groupByProject(projects, live);
}

/** Lists each server's sessions, in parallel; a server that cannot be asked has none (and says so at debug level). */
export async function liveSessionsByServer(servers: readonly (string | null)[]): Promise<Map<string | null, TmuxSession[]>> {
  const { TmuxManager } = await import("../tmux/manager.ts");
  const { log } = await import("../ui/log.ts");
  const lists = await Promise.all(
    servers.map(async (socket) => {
      try {
        return await new TmuxManager({ socket: socket ?? undefined }).listSessions();
      } catch (error) {
        log.debug(`tmux server ${socket ?? "default"} not listed: ${error instanceof Error ? error.message : String(error)}`);
        return [];
      }
    }),
  );
  return new Map(servers.map((socket, index) => [socket, lists[index]!]));
}

/** Pure: the managed sessions of each server, under the project they are tagged with. */
export function groupByProject(projects: readonly ProjectEntry[], live: Map<string | null, TmuxSession[]>): ProjectStreams[] {
  const byPath = new Map<string, ProjectStreams>();
  for (const project of projects) {
    byPath.set(project.path, { name: project.name, path: project.path, socket: project.socket, registered: true, last_used_at: project.lastUsedAt, sessions: [] });
  }
  const seen = new Set<string>();
  for (const [socket, sessions] of live) {
    for (const session of sessions) {
      if (session.project === "") continue;
      // Two projects on one server list it once; the same name on two servers is two sessions.
      const key = `${socket ?? ""}\0${session.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let entry = byPath.get(session.project);
      if (!entry) {
        entry = { name: basename(session.project), path: session.project, socket, registered: false, last_used_at: null, sessions: [] };
        byPath.set(session.project, entry);
      }
      entry.sessions.push(toListing(session));
    }
  }
  const all = [...byPath.values()];
  for (const project of all) project.sessions = waitingFirst(project.sessions);
  return all;
}

/** Every session of every project, one list: waiting first across projects, then by project. */
export function flatten(projects: readonly ProjectStreams[]): CrossProjectListing[] {
  return waitingFirst(projects.flatMap((project) => project.sessions.map((session) => ({ ...session, project_name: project.name, socket: project.socket }))));
}
