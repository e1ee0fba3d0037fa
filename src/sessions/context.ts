import { noSessionError, type PrjError } from "../errors.ts";
import { openProject, tmuxSocketOf, type Project } from "../project.ts";
import type { StateStore } from "../state/db.ts";
import { TmuxManager } from "../tmux/manager.ts";
import { SessionLifecycleManager } from "./lifecycle.ts";

/** What every session command works with. */
export interface SessionContext {
  project: Project;
  tmux: TmuxManager;
  store: StateStore;
  lifecycle: SessionLifecycleManager;
}

/** Opens the project, its database and its tmux server; `close()` the store when done. */
export async function openSessionContext(): Promise<SessionContext> {
  const project = await openProject();
  const tmux = new TmuxManager({ socket: project.socket });
  await tmux.ensureSupported();
  const { openStateDatabase } = await import("../state/db.ts");
  const store = openStateDatabase(project.paths.database, { create: true });
  return { project, tmux, store, lifecycle: new SessionLifecycleManager(tmux, store, project.root) };
}

/** Runs `body` with a session context and always closes the database. */
export async function withSessionContext<T>(body: (context: SessionContext) => Promise<T>): Promise<T> {
  const context = await openSessionContext();
  try {
    return await body(context);
  } finally {
    context.store.close();
  }
}

/**
 * Opens the project and its database for a report (history, stats, analyze).
 * Sessions that ended behind prj's back are recorded first, with the end time
 * tmux wrote down, so the figures are current. Reports do not need tmux: when
 * it is missing or fails, they show what the database holds.
 */
export async function withReportContext<T>(body: (context: { project: Project; store: StateStore }) => T | Promise<T>): Promise<T> {
  const project = await openProject();
  const { openStateDatabase } = await import("../state/db.ts");
  const store = openStateDatabase(project.paths.database, { create: true });
  try {
    let tmux: TmuxManager | undefined = new TmuxManager({ socket: project.socket });
    try {
      await tmux.ensureSupported();
    } catch (error) {
      const { log } = await import("../ui/log.ts");
      log.debug(`sessions not reconciled before the report (tmux: ${error instanceof Error ? error.message : String(error)}); runs still are`);
      tmux = undefined;
    }
    // Without tmux the reconciler still records interrupted runs; sessions stay as recorded.
    const { reconcile } = await import("./reconcile.ts");
    await reconcile({ project, store, tmux });
    return await body({ project, store });
  } finally {
    store.close();
  }
}

/**
 * The project around the working directory and its tmux server; outside a
 * project, no project and the server PRJ_TMUX_SOCKET or the global config's
 * `tmux.socket_name` names. For commands that work on any session by its exact
 * name (attach, session-info).
 */
export async function openProjectOrServer(): Promise<{ project: Project | undefined; tmux: TmuxManager }> {
  const { findProjectRoot } = await import("../paths.ts");
  if (findProjectRoot()) {
    const project = await openProject();
    return { project, tmux: new TmuxManager({ socket: project.socket }) };
  }
  const { loadGlobalConfig } = await import("../config/load.ts");
  return { project: undefined, tmux: new TmuxManager({ socket: tmuxSocketOf(loadGlobalConfig().config.tmux?.socket_name) }) };
}

/** "no session named X" (exit 2), offering the live session nearest to what was typed. */
export async function sessionNotFound(tmux: TmuxManager, name: string, listCommand?: string): Promise<PrjError> {
  const live = await tmux.listSessions().catch(() => []);
  return noSessionError(name, listCommand, live.map((session) => session.name));
}
