/**
 * `prj worktree list|create|remove` (SPEC §8): the project's git worktrees
 * with their sessions and port blocks.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import { PrjError } from "../errors.ts";
import {
  checkBranchName,
  commitsOnlyHere,
  ensureWorktree,
  git,
  isDirty,
  listWorktrees,
  preflightWorktree,
  worktreeChanges,
  type GitWorktree,
} from "../git/worktree.ts";
import { currentBranch, type Project } from "../project.ts";
import type { SessionContext } from "../sessions/context.ts";
import { sessionsOfProject } from "../sessions/queries.ts";
import type { StateStore } from "../state/db.ts";
import type { TmuxManager, TmuxSession } from "../tmux/manager.ts";
import { log } from "../ui/log.ts";
import { recordWorktree, releaseWorktree } from "./ports.ts";

export interface WorktreeListing {
  path: string;
  branch: string | null;
  head: string;
  /** Uncommitted or untracked changes; null when the directory is gone. */
  dirty: boolean | null;
  main: boolean;
  /** The directory is gone (`git worktree prune` would drop it). */
  missing: boolean;
  sessions: string[];
  port: number | null;
}

/**
 * Which live sessions belong to which worktree: by the worktree path recorded
 * with the session, else by the session's worktree tag (its branch).
 */
function sessionsOf(worktree: GitWorktree, live: TmuxSession[], recordedPaths: Map<string, string | null>, projectRoot: string): string[] {
  return sessionsOfProject(live, projectRoot)
    .filter((session) => {
      const recorded = recordedPaths.get(session.name);
      if (recorded) return recorded === worktree.path;
      return worktree.branch !== undefined && session.worktree === worktree.branch;
    })
    .map((session) => session.name);
}

function recordedSessionPaths(store: StateStore | undefined, projectRoot: string): Map<string, string | null> {
  return new Map((store?.liveSessions(projectRoot) ?? []).map((row) => [row.name, row.worktreePath]));
}

/**
 * Every worktree of the repository with its state, sessions and port.
 * Recorded worktrees that git no longer lists are recorded as removed on the
 * way (see {@link forgetUnlistedWorktrees}).
 */
export async function listProjectWorktrees(project: Project, tmux: TmuxManager, store: StateStore | undefined): Promise<WorktreeListing[]> {
  let worktrees: GitWorktree[];
  let live: TmuxSession[];
  if (store) {
    // The one reconciler records worktrees gone from git and adopts those git has but the database lacks.
    const { reconcile } = await import("../sessions/reconcile.ts");
    const { observation } = await reconcile({ project, store, tmux }, { git: true });
    worktrees = observation.git ?? (await listWorktrees(project.root));
    live = observation.live ?? [];
  } else {
    [worktrees, live] = await Promise.all([listWorktrees(project.root), tmux.listSessions()]);
  }
  const ports = new Map((store?.listWorktrees(project.root) ?? []).map((row) => [row.path, row.port]));
  const recorded = recordedSessionPaths(store, project.root);
  return Promise.all(
    worktrees
      .filter((worktree) => !worktree.bare)
      .map(async (worktree) => {
        const missing = worktree.prunable || !existsSync(worktree.path);
        return {
          path: worktree.path,
          branch: worktree.branch ?? null,
          head: worktree.head,
          dirty: missing ? null : await isDirty(worktree.path),
          main: worktree.path === project.root,
          missing,
          sessions: sessionsOf(worktree, live, recorded, project.root),
          port: ports.get(worktree.path) ?? null,
        };
      }),
  );
}

export interface CreatedWorktree {
  path: string;
  branch: string;
  base_branch: string;
  port: number;
  created: boolean;
}

/** Makes (or finds) the worktree of BRANCH at the project's default place, from `base` or the current branch. */
export async function createProjectWorktree(project: Project, store: StateStore, branch: string, base: string | undefined): Promise<CreatedWorktree> {
  checkBranchName(branch);
  const { DEFAULT_WORKTREE_PATH } = await import("../plan/build.ts");
  const { renderTemplate } = await import("../template/render.ts");
  const path = resolve(
    project.root,
    renderTemplate(DEFAULT_WORKTREE_PATH, { "worktrees.base_path": project.settings.worktrees.base_path, project: project.name, branch }),
  );
  const mainBranch = currentBranch(project.root);
  const spec = { path, branch, baseBranch: base ?? mainBranch, copyFiles: project.settings.worktrees.copy_files };
  const known = await preflightWorktree(project.root, spec, await listWorktrees(project.root));
  const outcome = await ensureWorktree(project.root, spec, known);
  const port = recordWorktree(
    store,
    { root: project.root, mainBranch, portBase: project.settings.worktrees.port_base },
    { path: outcome.path, branch },
  );
  if (outcome.created) {
    store.recordEvent({
      kind: "worktree.created",
      status: "succeeded",
      worktree: branch,
      projectPath: project.root,
      metadata: { path: outcome.path, base_branch: spec.baseBranch, created_branch: outcome.createdBranch },
    });
  }
  return { path: outcome.path, branch, base_branch: spec.baseBranch, port, created: outcome.created };
}

export interface RemovedWorktree {
  path: string;
  branch: string | null;
  sessions_killed: string[];
  branch_deleted: boolean;
}

/** The worktree named by a branch or a path (relative to `cwd`). */
export function findWorktree(worktrees: GitWorktree[], target: string, cwd: string): GitWorktree | undefined {
  const byBranch = worktrees.find((worktree) => worktree.branch === target);
  if (byBranch) return byBranch;
  const wanted = canonical(resolve(cwd, target));
  return worktrees.find((worktree) => canonical(worktree.path) === wanted);
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path); // gone from disk: compare as written
  }
}

/**
 * Removes a linked worktree: refuses one with changes or with commits that no
 * other branch has (unless `force`), kills its sessions (running their
 * cleanup steps), removes it, and deletes its branch only when asked.
 */
export async function removeProjectWorktree(
  context: SessionContext,
  target: string,
  options: { force: boolean; deleteBranch: boolean; cwd?: string },
): Promise<RemovedWorktree> {
  const { project, store, tmux } = context;
  const worktrees = await listWorktrees(project.root);
  const worktree = findWorktree(worktrees, target, options.cwd ?? process.cwd());
  if (!worktree) {
    const known = worktrees.filter((each) => each.path !== project.root).map((each) => each.branch ?? each.path);
    throw new PrjError(`no worktree for branch or path "${target}"`, {
      exitCode: 2,
      hint: known.length ? `worktrees: ${known.join(", ")}` : "this repository has no linked worktrees",
    });
  }
  if (worktree.path === project.root || worktree.bare) {
    throw new PrjError(`${worktree.path} is the main worktree; it cannot be removed`, { exitCode: 2 });
  }
  const missing = worktree.prunable || !existsSync(worktree.path);
  if (!options.force && !missing) await refuseToLoseWork(project, worktree);

  const live = await tmux.listSessions();
  const names = sessionsOf(worktree, live, recordedSessionPaths(store, project.root), project.root);
  const { currentSessionName, killManagedSession } = await import("../sessions/kill.ts");
  // The session prj runs in (if it is one of these) is killed after the worktree is gone and recorded:
  // its kill hangs up prj's own terminal.
  const own = await currentSessionName(context);
  for (const name of names) if (name !== own) await killManagedSession(context, name, "killed");

  if (missing) await git(project.root, ["worktree", "prune"]);
  else {
    // Our own checks above are the guard; --force also lets copied files (.env) go. Twice unlocks a locked one.
    const force = options.force && worktree.locked ? ["--force", "--force"] : ["--force"];
    await git(project.root, ["worktree", "remove", ...force, worktree.path]);
  }
  releaseWorktree(store, { projectPath: project.root, path: worktree.path });
  let branchDeleted = false;
  if (options.deleteBranch && worktree.branch) {
    await git(project.root, ["branch", "-D", "--", worktree.branch]);
    branchDeleted = true;
  }
  store.recordEvent({
    kind: "worktree.removed",
    status: "succeeded",
    worktree: worktree.branch ?? null,
    projectPath: project.root,
    metadata: { path: worktree.path, sessions_killed: names, branch_deleted: branchDeleted, forced: options.force },
  });
  log.debug(`removed worktree ${worktree.path}`);
  if (own && names.includes(own)) await killManagedSession(context, own, "killed");
  return { path: worktree.path, branch: worktree.branch ?? null, sessions_killed: names, branch_deleted: branchDeleted };
}

/** Refuses a worktree whose removal would lose changes or commits. */
async function refuseToLoseWork(project: Project, worktree: GitWorktree): Promise<void> {
  const changes = (await worktreeChanges(worktree.path))
    .filter((change) => !(change.untracked && isCopyOfMain(project.root, worktree.path, change.path)))
    .map((change) => change.path);
  if (changes.length > 0) {
    const shown = changes.slice(0, 5).join(", ") + (changes.length > 5 ? `, and ${changes.length - 5} more` : "");
    throw new PrjError(`worktree ${worktree.path} has uncommitted changes (${shown})`, {
      exitCode: 2,
      hint: "commit or stash them, or pass --force to discard them",
    });
  }
  const commits = await commitsOnlyHere(worktree.path, worktree.branch);
  if (commits > 0) {
    throw new PrjError(
      `${worktree.branch ? `branch ${worktree.branch}` : `the detached HEAD of ${worktree.path}`} has ${commits} commit(s) that no other branch contains`,
      { exitCode: 2, hint: "push or merge them first, or pass --force (the branch itself is kept unless --delete-branch)" },
    );
  }
}

/**
 * An untracked file identical to the main checkout's file at the same path
 * (what `copy_files` put there) loses nothing when the worktree goes.
 */
function isCopyOfMain(root: string, worktreePath: string, path: string): boolean {
  try {
    return readFileSync(resolve(root, path)).equals(readFileSync(resolve(worktreePath, path)));
  } catch {
    return false; // missing or unreadable in either place: the user's
  }
}
