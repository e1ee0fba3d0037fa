import { userInfo } from "node:os";
import { UsageError } from "../errors.ts";
import { listWorktrees } from "../git/worktree.ts";
import { buildRunPlan, type ObservedSession, type PlanInput } from "../plan/build.ts";
import type { RunPlan } from "../plan/types.ts";
import { currentBranch, findStepFiles, type Project } from "../project.ts";
import type { StateStore } from "../state/db.ts";

/** `key=value` tokens into a map; a token without `=` or with an empty key is a usage error. */
export function parseAssignments(tokens: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const token of tokens) {
    const equals = token.indexOf("=");
    if (equals <= 0) {
      throw new UsageError(`"${token}" is not a key=value argument`, "pass command arguments as name=value, e.g. `prj run feature-branch branch=user-auth`");
    }
    const key = token.slice(0, equals);
    if (Object.hasOwn(out, key)) throw new UsageError(`argument "${key}" is given twice`);
    out[key] = token.slice(equals + 1);
  }
  return out;
}

/** The terminal's size, so a session created detached still gets the right layout. */
export function terminalSize(): { columns: number; rows: number } | undefined {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.isTTY && stream.columns && stream.rows) return { columns: stream.columns, rows: stream.rows };
  }
  return undefined;
}

export interface PreparedRun {
  input: PlanInput;
  plan: RunPlan;
  /** Rebuilds the plan against a fresh list of live sessions (under the run's lock). */
  replan(sessions: ObservedSession[]): RunPlan;
}

/** Loads the command, observes the world read-only and builds the plan. */
export async function prepareRun(
  project: Project,
  commandName: string,
  cliArguments: Record<string, string>,
  context: { sessions: ObservedSession[]; store: StateStore | undefined },
): Promise<PreparedRun> {
  const { loadCommand } = await import("../config/load.ts");
  const loaded = loadCommand(project.paths.prj, commandName);
  const store = context.store;
  // Only commands with a worktree block pay for asking git.
  const worktrees = loaded.config.worktree ? await listWorktrees(project.root) : [];
  const portBase = project.settings.worktrees.port_base;
  const input: PlanInput = {
    project: { name: project.name, path: project.root },
    settings: project.settings,
    command: {
      config: loaded.config,
      file: loaded.source.displayPath,
      positionOf: (path) => loaded.source.positionOf(path),
    },
    cliArguments,
    observed: {
      currentBranch: currentBranch(project.root),
      sessions: context.sessions,
      worktrees,
      stepFiles: findStepFiles(project.paths.steps),
      portFor: (path) => previewPort(store, project.root, path, portBase),
      user: safeUser(),
      now: new Date(),
      terminalSize: terminalSize(),
    },
  };
  const plan = buildRunPlan(input);
  return {
    input,
    plan,
    replan: (sessions) => buildRunPlan({ ...input, observed: { ...input.observed, sessions } }),
  };
}

/** The port a worktree has, or would get: base + 10 × the first free slot. */
function previewPort(store: StateStore | undefined, projectPath: string, path: string, base: number): number {
  const rows = store?.listWorktrees(projectPath) ?? [];
  const known = rows.find((row) => row.path === path);
  if (known) return known.port;
  const used = new Set(rows.map((row) => row.port));
  let port = base;
  while (used.has(port)) port += 10;
  return port;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? "unknown"; // no passwd entry (containers)
  }
}
