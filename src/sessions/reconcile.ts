// Bringing the database in line with tmux and git. It sits above both the
// session queries and the worktree commands, which is why it is not in either.
import type { Project } from "../project.ts";
import type { StateStore } from "../state/db.ts";
import type { TmuxManager } from "../tmux/manager.ts";

/**
 * Marks runs left `running` by a dead prj as interrupted, sessions gone from
 * tmux as ended, and worktrees git no longer lists as removed.
 */
export async function reconcileState(store: StateStore, project: Project, tmux: TmuxManager) {
  const { processIsAlive } = await import("../state/db.ts");
  const interrupted = store.markInterruptedEvents(project.root, processIsAlive);
  const { SessionLifecycleManager } = await import("./lifecycle.ts");
  const result = await new SessionLifecycleManager(tmux, store, project.root).reconcile();
  const { reconcileWorktrees } = await import("../worktrees/manage.ts");
  const worktreesRemoved = await reconcileWorktrees(project, store);
  return { ...result, interrupted, worktrees_removed: worktreesRemoved };
}
