import { cpSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { GitError } from "../errors.ts";
import { runProcess } from "../exec/runner.ts";
import type { WorktreeSpec } from "../plan/types.ts";
import { branchNameProblem } from "./refs.ts";

export interface GitWorktree {
  path: string;
  branch: string | undefined;
  head: string;
  bare: boolean;
  /** The directory is gone; `git worktree prune` would drop the record. */
  prunable: boolean;
  locked: boolean;
}

/** Parses `git worktree list --porcelain`: blank-line separated records of `key value` lines. */
export function parseWorktreeList(text: string): GitWorktree[] {
  const out: GitWorktree[] = [];
  for (const record of text.split("\n\n")) {
    const lines = record.split("\n").filter(Boolean);
    if (lines.length === 0) continue;
    const entry: GitWorktree = { path: "", branch: undefined, head: "", bare: false, prunable: false, locked: false };
    for (const line of lines) {
      const space = line.indexOf(" ");
      const key = space === -1 ? line : line.slice(0, space);
      const value = space === -1 ? "" : line.slice(space + 1);
      if (key === "worktree") entry.path = value;
      else if (key === "HEAD") entry.head = value;
      else if (key === "branch") entry.branch = value.replace(/^refs\/heads\//, "");
      else if (key === "bare") entry.bare = true;
      else if (key === "prunable") entry.prunable = true;
      else if (key === "locked") entry.locked = true;
    }
    if (!entry.path) throw new GitError("worktree list", `unexpected record: ${JSON.stringify(record)}`);
    out.push(entry);
  }
  return out;
}

export async function git(repo: string, args: string[]): Promise<string> {
  const result = await runProcess(["git", "-C", repo, ...args]);
  if (result.exitCode !== 0) {
    // Worktrees need a repository: outside one, the input (where prj was run) is what is wrong.
    if (/not a git repository/i.test(result.stderr)) {
      throw new GitError(args[0] ?? "", `${repo} is not in a git repository`, {
        exitCode: 2,
        hint: "run prj in a git repository (or `git init` this one); only commands without worktrees work outside git",
      });
    }
    throw new GitError(args[0] ?? "", result.stderr);
  }
  return result.stdout;
}

export async function listWorktrees(repo: string): Promise<GitWorktree[]> {
  return parseWorktreeList(await git(repo, ["worktree", "list", "--porcelain"]));
}

/** The commit a revision names, or undefined when it names none. */
export async function resolveCommit(repo: string, revision: string): Promise<string | undefined> {
  // A leading "-" would read as an option (and --end-of-options needs git 2.30).
  if (revision.startsWith("-")) return undefined;
  const result = await runProcess(["git", "-C", repo, "rev-parse", "--verify", "--quiet", `${revision}^{commit}`]);
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** Refuses a name git would refuse as a branch, with exit status 2: nothing has changed yet. */
export function checkBranchName(branch: string): void {
  const problem = branchNameProblem(branch);
  if (problem) throw new GitError("check-ref-format", `"${branch}" is not a valid branch name: ${problem}`, { exitCode: 2 });
}

/** What a run needs to know about its worktree before it changes anything. */
export interface WorktreePreflight {
  /** The worktree that already has the branch checked out, reused wherever it is. */
  existing: GitWorktree | undefined;
  /** Whether the branch existed before the run; a branch that did not is the run's to delete on rollback. */
  branchExisted: boolean;
  /** The commit of the existing branch, or of the base a new branch starts from. */
  startCommit?: string;
  /** The base of a new branch does not exist yet, and the run's pre_steps are expected to make it (a fetch). */
  baseAwaited?: boolean;
}

/**
 * Checks, before anything runs, that the worktree can be made: the branch name
 * is valid, an existing worktree of the branch is still there, and when the
 * branch has no worktree yet, the planned path is free and (for a new branch)
 * the base exists. Problems are input errors (exit 2). With `baseFromPreSteps`
 * (the command has pre_steps, such as review-pr's fetch) a missing base is
 * awaited instead: it is checked again when the worktree is made.
 */
export async function preflightWorktree(
  repo: string,
  spec: WorktreeSpec,
  worktrees: GitWorktree[],
  options: { baseFromPreSteps?: boolean } = {},
): Promise<WorktreePreflight> {
  checkBranchName(spec.branch);
  const existing = worktrees.find((worktree) => worktree.branch === spec.branch);
  if (existing && (existing.prunable || !existsSync(existing.path))) {
    // Deleted by hand: git still lists it, and "reusing" it would start a session in a directory that is gone.
    throw new GitError("worktree", `the worktree of branch ${spec.branch} at ${existing.path} is missing: its directory was deleted`, {
      exitCode: 2,
      hint: `run \`git worktree prune\` (git forgets it, the branch stays) or \`prj worktree remove ${spec.branch}\` (prj's record and sessions too), then run again`,
    });
  }
  if (existing) return { existing, branchExisted: true };
  const branchCommit = await resolveCommit(repo, `refs/heads/${spec.branch}`);
  const branchExisted = branchCommit !== undefined;
  if (existsSync(spec.path)) {
    throw new GitError("worktree add", `${spec.path} already exists and is not the worktree of branch ${spec.branch}`, {
      exitCode: 2,
      hint: "remove it, or set `worktree.path` in the command",
    });
  }
  const startCommit = branchCommit ?? (await resolveCommit(repo, spec.baseBranch));
  if (startCommit === undefined && options.baseFromPreSteps) return { existing, branchExisted, baseAwaited: true };
  if (startCommit === undefined) {
    throw new GitError("worktree add", `base branch "${spec.baseBranch}" does not exist`, {
      exitCode: 2,
      hint: "set `worktree.base_branch` to an existing branch, or pass --base",
    });
  }
  return { existing, branchExisted, startCommit };
}

export interface WorktreeOutcome {
  path: string;
  branch: string;
  /** False when an existing worktree was reused. */
  created: boolean;
  /** True when `git worktree add -b` made the branch. */
  createdBranch: boolean;
  /** The branch's commit right after the worktree was made; rollback deletes a branch only if it is still there. */
  tip?: string;
}

/**
 * Reuses the worktree that has the branch checked out, wherever it is, or
 * creates one at the planned path: from the existing branch, or as a new
 * branch from the base. Files in `copyFiles` (the project's `.env` and such)
 * are copied into a new worktree when they exist and the worktree lacks them.
 *
 * `known` is a preflight of the same spec with nothing run since; it saves
 * asking git again. Without it (steps ran in between and may have made the
 * branch, as review-pr's fetch does) git is asked afresh.
 */
export async function ensureWorktree(repo: string, spec: WorktreeSpec, known?: WorktreePreflight): Promise<WorktreeOutcome> {
  const state = known ?? (await preflightWorktree(repo, spec, await listWorktrees(repo)));
  if (state.existing) return { path: state.existing.path, branch: spec.branch, created: false, createdBranch: false };
  mkdirSync(dirname(spec.path), { recursive: true });
  // A new branch does not track its base: a base like origin/pr/7 is no branch on the remote to pull from.
  const args = state.branchExisted
    ? ["worktree", "add", "--quiet", "--", spec.path, spec.branch]
    : ["worktree", "add", "--quiet", "--no-track", "-b", spec.branch, "--", spec.path, spec.baseBranch];
  await git(repo, args);
  copyIntoWorktree(repo, spec.path, spec.copyFiles);
  return { path: spec.path, branch: spec.branch, created: true, createdBranch: !state.branchExisted, tip: state.startCommit };
}

/**
 * How many commits a branch lacks of its base, when the base is a
 * remote-tracking ref (`origin/pr/7`, refreshed by a fetch) that has moved on;
 * undefined when it is not one, or when either is missing.
 */
export async function commitsBehindRemoteBase(repo: string, branch: string, base: string): Promise<number | undefined> {
  if (base.startsWith("-")) return undefined;
  const full = await runProcess(["git", "-C", repo, "rev-parse", "--verify", "--quiet", "--symbolic-full-name", base]);
  if (full.exitCode !== 0 || !full.stdout.trim().startsWith("refs/remotes/")) return undefined;
  const count = await runProcess(["git", "-C", repo, "rev-list", "--count", `refs/heads/${branch}..${full.stdout.trim()}`]);
  return count.exitCode === 0 ? Number(count.stdout.trim()) : undefined;
}

/** Copies files (or directories) from the main worktree into a new one; a missing source is skipped. */
function copyIntoWorktree(repo: string, worktree: string, files: string[]): void {
  for (const file of files) {
    const from = resolve(repo, file);
    if (!existsSync(from)) continue;
    const to = join(worktree, file);
    if (existsSync(to)) continue;
    mkdirSync(dirname(to), { recursive: true });
    cpSync(from, to, { recursive: true, errorOnExist: false, force: false, preserveTimestamps: true });
  }
}

export interface WorktreeChange {
  path: string;
  /** A file git does not track (`??`), as opposed to a change to a tracked one. */
  untracked: boolean;
}

/** Uncommitted and untracked changes (ignored files do not count). */
export async function worktreeChanges(path: string): Promise<WorktreeChange[]> {
  const status = await git(path, ["status", "--porcelain", "-z", "--untracked-files=all"]);
  const out: WorktreeChange[] = [];
  const fields = status.split("\0");
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.length < 4) continue;
    out.push({ path: field.slice(3), untracked: field.startsWith("??") });
    // A rename or copy is followed by its source path.
    if (field[0] === "R" || field[0] === "C") i += 1;
  }
  return out;
}

/** Paths with uncommitted or untracked changes (ignored files do not count). */
export async function changedPaths(path: string): Promise<string[]> {
  return (await worktreeChanges(path)).map((change) => change.path);
}

/** Whether the worktree at `path` has uncommitted or untracked changes. */
export async function isDirty(path: string): Promise<boolean> {
  return (await changedPaths(path)).length > 0;
}

/**
 * How many commits `revision` (checked out in `worktree`) has that no other
 * branch, local or remote, contains: the work `git worktree remove` plus
 * `git branch -D` would lose.
 */
export async function commitsOnlyHere(worktree: string, branch: string | undefined): Promise<number> {
  const args = branch
    ? ["rev-list", "--count", `refs/heads/${branch}`, "--not", `--exclude=${branch}`, "--branches", "--remotes"]
    : ["rev-list", "--count", "HEAD", "--not", "--branches", "--remotes"];
  return Number((await git(worktree, args)).trim());
}

/**
 * Removes a worktree this run created, only when the user has not changed it
 * (files the run copied in do not count). Returns false when it was kept.
 */
export async function rollbackWorktree(repo: string, outcome: WorktreeOutcome, copied: string[]): Promise<boolean> {
  const changes = await changedPaths(outcome.path);
  const ours = (path: string) => copied.some((file) => path === file || path.startsWith(`${file.replace(/\/+$/, "")}/`));
  if (changes.some((path) => !ours(path))) return false;
  // --force only because of the copied files; the check above is the guard.
  await git(repo, ["worktree", "remove", "--force", outcome.path]);
  return true;
}

/**
 * Deletes a branch the run created, unless it has moved since (`tip`), or is
 * checked out somewhere. Returns whether it was deleted.
 */
export async function deleteBranchIfUnchanged(repo: string, branch: string, tip: string | undefined): Promise<boolean> {
  const now = await resolveCommit(repo, `refs/heads/${branch}`);
  if (now === undefined) return false;
  if (tip !== undefined && now !== tip) return false;
  if ((await listWorktrees(repo)).some((worktree) => worktree.branch === branch)) return false;
  await git(repo, ["branch", "-D", "--", branch]);
  return true;
}
