import { openProject, type Project } from "../project.ts";
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
