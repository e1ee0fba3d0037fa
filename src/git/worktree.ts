import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { GitError } from "../errors.ts";
import { runProcess } from "../exec/runner.ts";
import type { WorktreeSpec } from "../plan/types.ts";

export interface GitWorktree {
  path: string;
  branch: string | undefined;
  head: string;
  bare: boolean;
}

/** Parses `git worktree list --porcelain`: blank-line separated records of `key value` lines. */
export function parseWorktreeList(text: string): GitWorktree[] {
  const out: GitWorktree[] = [];
  for (const record of text.split("\n\n")) {
    const lines = record.split("\n").filter(Boolean);
    if (lines.length === 0) continue;
    const entry: GitWorktree = { path: "", branch: undefined, head: "", bare: false };
    for (const line of lines) {
      const space = line.indexOf(" ");
      const key = space === -1 ? line : line.slice(0, space);
      const value = space === -1 ? "" : line.slice(space + 1);
      if (key === "worktree") entry.path = value;
      else if (key === "HEAD") entry.head = value;
      else if (key === "branch") entry.branch = value.replace(/^refs\/heads\//, "");
      else if (key === "bare") entry.bare = true;
    }
    if (!entry.path) throw new GitError("worktree list", `unexpected record: ${JSON.stringify(record)}`);
    out.push(entry);
  }
  return out;
}

export async function git(repo: string, args: string[]): Promise<string> {
  const result = await runProcess(["git", "-C", repo, ...args]);
  if (result.exitCode !== 0) throw new GitError(args[0] ?? "", result.stderr);
  return result.stdout;
}

export async function listWorktrees(repo: string): Promise<GitWorktree[]> {
  return parseWorktreeList(await git(repo, ["worktree", "list", "--porcelain"]));
}

async function refExists(repo: string, ref: string): Promise<boolean> {
  const result = await runProcess(["git", "-C", repo, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  return result.exitCode === 0;
}

/** Checks a branch name with git's own rules, so a name with spaces or `..` is refused before anything changes. */
export async function checkBranchName(repo: string, branch: string): Promise<void> {
  const result = await runProcess(["git", "-C", repo, "check-ref-format", "--branch", branch]);
  if (result.exitCode !== 0) {
    throw new GitError("check-ref-format", `"${branch}" is not a valid branch name`, { exitCode: 2 });
  }
}

export interface WorktreeOutcome {
  path: string;
  branch: string;
  created: boolean;
  createdBranch: boolean;
}

/**
 * Reuses the worktree that has the branch checked out, wherever it is, or
 * creates one at the planned path: from the existing branch, or as a new
 * branch from the base.
 */
export async function ensureWorktree(repo: string, spec: WorktreeSpec): Promise<WorktreeOutcome> {
  await checkBranchName(repo, spec.branch);
  const existing = (await listWorktrees(repo)).find((worktree) => worktree.branch === spec.branch);
  if (existing) return { path: existing.path, branch: spec.branch, created: false, createdBranch: false };
  if (existsSync(spec.path)) {
    throw new GitError("worktree add", `${spec.path} already exists and is not a worktree of ${spec.branch}`, { exitCode: 2 });
  }
  const branchExists = await refExists(repo, `refs/heads/${spec.branch}`);
  if (!branchExists && !(await refExists(repo, spec.baseBranch))) {
    throw new GitError("worktree add", `base branch "${spec.baseBranch}" does not exist`, { exitCode: 2 });
  }
  mkdirSync(dirname(spec.path), { recursive: true });
  const args = branchExists
    ? ["worktree", "add", "--", spec.path, spec.branch]
    : ["worktree", "add", "-b", spec.branch, "--", spec.path, spec.baseBranch];
  await git(repo, args);
  for (const file of spec.copyFiles) {
    const from = resolve(repo, file);
    if (!existsSync(from)) continue;
    const to = join(spec.path, file);
    mkdirSync(dirname(to), { recursive: true });
    if (!existsSync(to)) copyFileSync(from, to);
  }
  return { path: spec.path, branch: spec.branch, created: true, createdBranch: !branchExists };
}

/** True when the worktree has no uncommitted or untracked changes. */
export async function isClean(path: string): Promise<boolean> {
  const status = await git(path, ["status", "--porcelain", "--untracked-files=normal"]);
  return status.trim() === "";
}

/** Removes a worktree this run created (only when clean) and the branch it created. */
export async function rollbackWorktree(repo: string, outcome: WorktreeOutcome, copied: string[]): Promise<boolean> {
  const dirty = (await git(outcome.path, ["status", "--porcelain"])).split("\n").filter(Boolean);
  // Files we copied in (.env) show as untracked; they are ours, not the user's.
  const userChanges = dirty.filter((line) => !copied.some((file) => line.slice(3) === file));
  if (userChanges.length > 0) return false;
  await git(repo, ["worktree", "remove", "--force", outcome.path]);
  if (outcome.createdBranch) await git(repo, ["branch", "-D", outcome.branch]);
  return true;
}
