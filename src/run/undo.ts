/**
 * The executor's undo stack (DESIGN "Executor"). Each operation of a run that
 * changes something pushes, when it succeeds, how to undo exactly that: kill
 * this session (if it is still the one the run made), remove this worktree
 * (if nothing but the run's own copies is in it), delete this branch (if it
 * still points where the run left it). A rollback pops the stack and does
 * nothing else: nothing is inferred afterwards from flags or names.
 */
import { deleteBranchIfUnchanged, git } from "../git/worktree.ts";
import type { SessionLifecycleManager } from "../sessions/lifecycle.ts";
import type { StateStore } from "../state/db.ts";
import { log } from "../ui/log.ts";
import { releaseWorktree } from "../worktrees/ports.ts";

export type UndoEntry =
  | { kind: "kill-session"; name: string; tmuxId: string }
  | { kind: "remove-worktree"; path: string; branch: string; copiedFiles: string[] }
  | { kind: "delete-branch"; branch: string; tip: string | undefined };

export interface UndoContext {
  root: string;
  store: StateStore;
  lifecycle: SessionLifecycleManager;
  command: string;
  runEventId: number;
}

/** What a rollback did and kept, for the `cleanup` event. */
export interface UndoReport {
  session_killed?: string;
  worktree_removed?: string;
  worktree_kept?: { path: string; reason: string };
  branch_deleted?: string;
  branch_kept?: string;
  failed?: string[];
}

/** Pops every entry, newest first; one failing does not stop the others. */
export async function popUndoStack(stack: UndoEntry[], context: UndoContext): Promise<UndoReport> {
  const report: UndoReport = {};
  while (stack.length > 0) {
    const entry = stack.pop()!;
    try {
      await undo(entry, context, report);
    } catch (error) {
      const message = `could not undo ${describe(entry)}: ${error instanceof Error ? error.message : String(error)}`;
      log.warn(message);
      (report.failed ??= []).push(message);
    }
  }
  return report;
}

async function undo(entry: UndoEntry, context: UndoContext, report: UndoReport): Promise<void> {
  switch (entry.kind) {
    case "kill-session": {
      // Only the session this run made: a session of that name with another id is someone else's.
      const live = await context.lifecycle.liveSessionId(entry.name);
      if (live !== entry.tmuxId) {
        log.debug(`session ${entry.name} (${entry.tmuxId}) is already gone`);
        return;
      }
      await context.lifecycle.killSession(entry.name, "rollback");
      report.session_killed = entry.name;
      log.info(`rolled back: killed session ${entry.name}`);
      return;
    }
    case "remove-worktree": {
      const foreign = await filesNotPutThereByTheRun(entry.path, entry.copiedFiles);
      if (foreign.length > 0) {
        const shown = foreign.slice(0, 5).join(", ") + (foreign.length > 5 ? `, and ${foreign.length - 5} more` : "");
        report.worktree_kept = { path: entry.path, reason: `files the run did not put there: ${shown}` };
        log.warn(`kept worktree ${entry.path}: it has files the run did not put there (${shown})`);
        return;
      }
      // --force only because of the copied files; the check above is the guard.
      await git(context.root, ["worktree", "remove", "--force", entry.path]);
      releaseWorktree(context.store, { projectPath: context.root, path: entry.path });
      context.store.recordEvent({
        kind: "worktree.removed",
        status: "succeeded",
        command: context.command,
        worktree: entry.branch,
        projectPath: context.root,
        metadata: { path: entry.path, run_event_id: context.runEventId, reason: "rollback" },
      });
      report.worktree_removed = entry.path;
      log.info(`rolled back: removed worktree ${entry.path}`);
      return;
    }
    case "delete-branch": {
      if (await deleteBranchIfUnchanged(context.root, entry.branch, entry.tip)) {
        report.branch_deleted = entry.branch;
        log.info(`rolled back: deleted branch ${entry.branch}`);
      } else {
        report.branch_kept = entry.branch;
        log.warn(`kept branch ${entry.branch}: it has moved, or is checked out in a worktree`);
      }
      return;
    }
  }
}

function describe(entry: UndoEntry): string {
  if (entry.kind === "kill-session") return `session ${entry.name}`;
  if (entry.kind === "remove-worktree") return `worktree ${entry.path}`;
  return `branch ${entry.branch}`;
}

/**
 * Changed, untracked and ignored paths in a worktree other than the files the
 * run copied in (`copy_files`): a user's `.env.local` or notes written into a
 * fresh worktree while the run went on are never deleted with it.
 */
export async function filesNotPutThereByTheRun(path: string, copied: readonly string[]): Promise<string[]> {
  const status = await git(path, ["status", "--porcelain", "-z", "--untracked-files=all", "--ignored=matching"]);
  const fields = status.split("\0");
  const out: string[] = [];
  const ours = (file: string) =>
    copied.some((copy) => {
      const root = copy.replace(/\/+$/, "");
      return file === root || file === `${root}/` || file.startsWith(`${root}/`);
    });
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.length < 4) continue;
    const file = field.slice(3);
    if (!ours(file)) out.push(file);
    // A rename or copy is followed by its source path.
    if (field[0] === "R" || field[0] === "C") i += 1;
  }
  return out;
}
