import { fstatSync, readFileSync, statSync } from "node:fs";
import { UsageError } from "../errors.ts";
import { listWorktrees, preflightWorktree, type WorktreePreflight } from "../git/worktree.ts";
import { buildRunPlan, type ObservedSession, type PlanInput } from "../plan/build.ts";
import type { RunPlan } from "../plan/types.ts";
import { linkedWorktreeAround } from "../paths.ts";
import { currentBranch, scanStepFiles, type Project } from "../project.ts";
import type { StateStore } from "../state/db.ts";
import { plannedPort } from "../worktrees/ports.ts";
import { prjArgv, sessionEndsFile } from "../paths.ts";
import { parentDeathTool } from "../tmux/manager.ts";

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
export async function terminalSize(): Promise<{ columns: number; rows: number } | undefined> {
  // node:tty costs ~3 ms and process.stdout/stderr ~10 ms more (Node's stream
  // stack) in the compiled binary, so they are only asked when fd 1 or 2 can be
  // a terminal at all: a pipe, a file or /dev/null (a benchmark, a script) cannot.
  const fds = [1, 2].filter(mayBeTerminal);
  if (fds.length === 0) return undefined;
  const { isatty } = await import("node:tty");
  for (const fd of fds) {
    if (!isatty(fd)) continue;
    const { columns, rows } = fd === 1 ? process.stdout : process.stderr;
    if (columns && rows) return { columns, rows };
  }
  return undefined;
}

/** A character device other than /dev/null; isatty has the final word. */
function mayBeTerminal(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isCharacterDevice() && stat.rdev !== statSync("/dev/null").rdev;
  } catch {
    return false; // a closed fd is no terminal
  }
}

export interface PreparedRun {
  input: PlanInput;
  plan: RunPlan;
  /** What git said about the planned worktree; undefined without a `worktree:` block. */
  worktree: WorktreePreflight | undefined;
  /** Rebuilds the plan against a fresh list of live sessions (under the run's lock). */
  replan(sessions: ObservedSession[]): RunPlan;
}

/** Loads the command, observes the world read-only and builds the plan. */
export async function prepareRun(
  project: Project,
  commandName: string,
  cliArguments: Record<string, string>,
  context: { sessions: ObservedSession[]; store: StateStore | undefined; lockedCheck?: boolean },
): Promise<PreparedRun> {
  const { loadCommandCached } = await import("../config/cache.ts");
  const loaded = await loadCommandCached(project.paths.prj, commandName);
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
      currentWorktree: worktreeHere(project.root),
      sessions: context.sessions,
      worktrees,
      ...stepFilesOf(project.paths.steps),
      portFor: (path) => plannedPort(store?.listWorktrees(project.root) ?? [], { mainPath: project.root, path, base: portBase }),
      user: safeUser(),
      now: new Date(),
      terminalSize: await terminalSize(),
      serverSetup: { recordEndsTo: sessionEndsFile(), parentDeathSignal: parentDeathTool(), watcher: prjArgv() },
    },
  };
  const plan = buildRunPlan(input);
  // Git's part of "validate everything": a missing base branch or a taken path stops the run here.
  // A real run checks under the database's write lock, which a run making a worktree holds until it has
  // made and recorded it: a path half-made by a racing run of the same branch then reads as that branch's worktree.
  const spec = plan.worktree;
  const worktree = !spec
    ? undefined
    : context.lockedCheck && store
      ? await store.immediateAsync(async () => preflightWorktree(project.root, spec, await listWorktrees(project.root), { baseFromPreSteps: plan.steps.pre.length > 0 }))
      : await preflightWorktree(project.root, spec, worktrees, { baseFromPreSteps: plan.steps.pre.length > 0 });
  return {
    input,
    plan,
    worktree,
    replan: (sessions) => buildRunPlan({ ...input, observed: { ...input.observed, sessions } }),
  };
}

function stepFilesOf(stepsDir: string): { stepFiles: Record<string, string>; stepFilesNotExecutable: Record<string, string> } {
  const { steps, notExecutable } = scanStepFiles(stepsDir);
  return { stepFiles: steps, stepFilesNotExecutable: notExecutable };
}

/** The worktree prj runs in: the linked one around the working directory, else the main checkout. */
function worktreeHere(root: string): { path: string; branch: string } {
  const path = linkedWorktreeAround(process.cwd(), root) ?? root;
  return { path, branch: currentBranch(path) };
}

/**
 * `{{user}}`: USER, else LOGNAME, else the operating system's name for this
 * uid. Bun's os.userInfo() reads only those two variables (it says "unknown"
 * without them), so the OS is asked here: /etc/passwd, then `id -un` (macOS
 * keeps users elsewhere), then `uid<N>` for a uid with no name (containers).
 */
export function safeUser(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.USER || env.LOGNAME;
  if (fromEnv) return fromEnv;
  const uid = process.getuid?.() ?? 0;
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const fields = line.split(":");
      if (fields.length >= 3 && fields[2] === String(uid) && fields[0]) return fields[0];
    }
  } catch {
    // no readable /etc/passwd: ask id(1) below
  }
  const id = Bun.spawnSync(["id", "-un"], { stdout: "pipe", stderr: "ignore" });
  const name = id.success ? id.stdout.toString().trim() : "";
  return name || `uid${uid}`;
}
