/**
 * What `prj pick` offers (SPEC §12): every live session of every registered
 * project (waiting ones first), each project's commands, and its worktrees
 * that have no session. Read fast and read-only: the registry, one tmux
 * listing per server, a directory listing of each `.prj/commands`, and each
 * project's database opened read-only for its worktrees. No YAML is parsed
 * and no process table is walked.
 */
import { Database } from "bun:sqlite";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { AttentionState } from "../attention/states.ts";

export type PickKind = "session" | "command" | "worktree";

export interface PickItem {
  kind: PickKind;
  project: string;
  project_path: string;
  /** The tmux server of the project (null: tmux's default server). */
  socket: string | null;
  /** A session's name, a command's name, or a worktree's path. */
  target: string;
  /** The line shown (and filtered on). */
  label: string;
  state: AttentionState | null;
  /** For worktrees, the branch. */
  branch?: string;
  attached?: boolean;
}

/** The items, sessions first (waiting first across projects), then commands, then worktrees without a session. */
export async function pickItems(): Promise<PickItem[]> {
  const { readProjects } = await import("../projects/registry.ts");
  const { groupByProject, liveSessionsByServer, serversOf } = await import("../projects/across.ts");
  const projects = readProjects();
  const live = await liveSessionsByServer(serversOf(projects));
  const streams = groupByProject(projects, live);
  const { waitingFirst } = await import("../sessions/queries.ts");
  const sessions: PickItem[] = waitingFirst(
    streams.flatMap((project) =>
      project.sessions.map((session) => ({
        kind: "session" as const,
        project: project.name,
        project_path: project.path,
        socket: project.socket,
        target: session.name,
        label: `${badge(session.state)} ${project.name}: ${session.name}${session.worktree && session.worktree !== "main" ? `  [${session.worktree}]` : ""}${session.attached ? "  (attached)" : ""}`,
        state: session.state,
        attached: session.attached,
      })),
    ),
  );
  const commands: PickItem[] = [];
  const worktrees: PickItem[] = [];
  for (const project of streams) {
    if (!project.registered) continue;
    for (const name of commandNames(project.path)) {
      commands.push({ kind: "command", project: project.name, project_path: project.path, socket: project.socket, target: name, label: `  run  ${project.name}: ${name}`, state: null });
    }
    const busy = new Set(project.sessions.map((session) => session.working_directory));
    for (const worktree of liveWorktrees(project.path)) {
      if (busy.has(worktree.path) || !existsSync(worktree.path)) continue;
      worktrees.push({
        kind: "worktree",
        project: project.name,
        project_path: project.path,
        socket: project.socket,
        target: worktree.path,
        branch: worktree.branch,
        label: `  tree ${project.name}: ${worktree.branch}  ${worktree.path}`,
        state: null,
      });
    }
  }
  return [...sessions, ...commands, ...worktrees];
}

const BADGES: Record<AttentionState, string> = { waiting: "[WAIT]", failed: "[FAIL]", working: "[work]", done: "[done]", idle: "[idle]", dead: "[dead]" };

export function badge(state: AttentionState | null): string {
  return state ? BADGES[state] : "[ -- ]";
}

/** The command files' names, from the directory listing alone. */
function commandNames(root: string): string[] {
  try {
    return readdirSync(join(root, ".prj", "commands"))
      .filter((file) => /\.ya?ml$/.test(file) && !file.startsWith("."))
      .map((file) => file.replace(/\.ya?ml$/, ""))
      .sort();
  } catch {
    return [];
  }
}

/** The project's live worktrees, read-only; none when it has no database yet. */
function liveWorktrees(root: string): { path: string; branch: string }[] {
  const database = join(root, ".prj", "prunejuice.db");
  if (!existsSync(database)) return [];
  let db: Database | undefined;
  try {
    db = new Database(database, { readonly: true });
    return db.query<{ path: string; branch: string }, [string]>("SELECT path, branch FROM worktrees WHERE removed_at IS NULL AND project_path = ? ORDER BY branch").all(root);
  } catch {
    return []; // a busy or damaged database costs the picker its worktrees, not its sessions
  } finally {
    db?.close();
  }
}

/**
 * Fuzzy match: every character of `query` in order (case-insensitive).
 * Higher is better: consecutive runs and matches at word starts score more.
 * undefined when it does not match.
 */
export function fuzzyScore(text: string, query: string): number | undefined {
  if (query === "") return 0;
  const haystack = text.toLowerCase();
  const needle = query.toLowerCase();
  let score = 0;
  let at = -1;
  let run = 0;
  for (const char of needle) {
    if (char === " ") continue;
    const found = haystack.indexOf(char, at + 1);
    if (found === -1) return undefined;
    run = found === at + 1 ? run + 1 : 0;
    score += 1 + run * 2 + (found === 0 || /[\s:/\-_[]/.test(haystack[found - 1]!) ? 3 : 0);
    at = found;
  }
  return score - haystack.length / 1000;
}

/** The items matching `query`, best first; the original order breaks ties (and is kept for an empty query). */
export function filterItems<T extends { label: string }>(items: readonly T[], query: string): T[] {
  if (query.trim() === "") return [...items];
  const scored: { item: T; score: number; index: number }[] = [];
  items.forEach((item, index) => {
    const score = fuzzyScore(item.label, query);
    if (score !== undefined) scored.push({ item, score, index });
  });
  return scored.sort((a, b) => b.score - a.score || a.index - b.index).map((entry) => entry.item);
}
