import { resolve } from "node:path";
import { parseDuration } from "../config/defaults.ts";
import { noSessionError, PrjError } from "../errors.ts";
import { isSecretKey, redactText } from "../plan/redact.ts";
import { secondsBetween } from "../state/durations.ts";
import type { StepSpec } from "../plan/types.ts";
import { findStepFiles } from "../project.ts";
import { runStepProcess } from "../steps/runner.ts";
import { log } from "../ui/log.ts";
import { sessionLog } from "../ui/session-log.ts";
import type { SessionContext } from "./context.ts";
import type { TerminationReport } from "./terminate.ts";

export interface KillResult {
  name: string;
  killed: boolean;
  cleanup_steps: string[];
  ended_at: string;
  duration_seconds: number | null;
  /** Processes that ignored the hang-up and had to be killed with SIGKILL. */
  force_killed: { pid: number; command: string }[];
}

/**
 * Kills one session the way SPEC §6 says: its command's `cleanup_steps` first,
 * then a switch away if the user sits in it, then the kill, then the record.
 */
export async function killManagedSession(
  context: SessionContext,
  name: string,
  reason: "killed" | "cleanup",
): Promise<KillResult> {
  const { project, tmux, store, lifecycle } = context;
  const live = (await tmux.listSessions()).find((session) => session.name === name);
  if (!live) throw noSessionError(name);
  // prj only kills what it manages for this project; anything else is the user's to kill with tmux.
  if (live.project !== project.root) {
    throw new PrjError(
      live.project ? `session ${name} belongs to another prj project (${live.project})` : `session ${name} is not managed by prj`,
      { hint: live.project ? `run prj kill-session from ${live.project}` : `kill it with tmux itself: tmux kill-session -t '=${name}'` },
    );
  }
  const row = store.findLiveSession(name, tmux.socket);
  const commandName = row?.command ?? (live.command || undefined);
  const { steps: cleanup, secretEnv } = commandName ? await cleanupStepsOf(context, commandName) : { steps: [], secretEnv: [] };
  const environment = {
    PRJ_PROJECT: project.name,
    PRJ_PROJECT_PATH: project.root,
    PRJ_WORKTREE: live.worktree,
    PRJ_WORKTREE_PATH: row?.worktreePath ?? live.path,
    PRJ_TASK: live.task,
    PRJ_SESSION_NAME: name,
    PRJ_COMMAND: commandName ?? "",
  };
  const eventId = store.startEvent({
    kind: reason === "cleanup" ? "cleanup" : "session.killed",
    command: commandName,
    sessionName: name,
    worktree: live.worktree,
    projectPath: project.root,
    metadata: { reason, tmux_id: live.id, task: live.task },
  });
  const ran: string[] = [];
  // Cleanup steps see the session's own environment, as the run's steps saw the run's; its secrets stay out of the output.
  const sessionEnvironment = cleanup.length ? ((await tmux.getSessionInfo(name))?.environment ?? {}) : {};
  const secrets = Object.entries(sessionEnvironment)
    .filter(([key]) => isSecretKey(key) || secretEnv.includes(key))
    .map(([, value]) => value);
  const stepDir = row?.worktreePath ?? live.path;
  for (const [index, step] of cleanup.entries()) {
    try {
      const dir = `${project.paths.artifacts}/${eventId}`;
      await runStepProcess(step, {
        cwd: step.kind !== "builtin" && step.workingDirectory ? resolve(stepDir, step.workingDirectory) : stepDir,
        env: { ...(process.env as Record<string, string>), ...sessionEnvironment, ...environment },
        logFile: `${dir}/${String(index + 1).padStart(2, "0")}-${step.name}.log`,
        deadline: Date.now() + (step.timeoutSeconds ?? DEFAULT_CLEANUP_TIMEOUT_SECONDS) * 1000,
        signal: new AbortController().signal,
        redact: (text) => redactText(text, secrets),
      });
      ran.push(step.name);
    } catch (error) {
      // A failing cleanup must not keep a session alive that the user asked to kill.
      const message = `cleanup step ${step.name} of ${name} failed: ${error instanceof Error ? error.message : String(error)}`;
      log.warn(message);
      sessionLog("error", { session: name, project: project.root, event: eventId, error: message });
    }
  }
  let terminated: TerminationReport;
  try {
    await switchAwayIfInside(context, name);
    terminated = await lifecycle.killSession(name, reason, { eventRecorded: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    store.finishEvent(eventId, { status: "failed", exitCode: 1, error: message });
    sessionLog("error", { session: name, project: project.root, event: eventId, error: message });
    throw error;
  }
  const endedAt = new Date();
  const createdAt = row ? new Date(row.createdAt) : live.createdAt;
  store.finishEvent(eventId, { status: "succeeded", exitCode: 0, endedAt: endedAt.toISOString() });
  return {
    name,
    killed: true,
    cleanup_steps: ran,
    ended_at: endedAt.toISOString(),
    duration_seconds: secondsBetween(createdAt, endedAt),
    force_killed: terminated.forceKilled,
  };
}

/** A cleanup step without its own `timeout` may take this long. */
const DEFAULT_CLEANUP_TIMEOUT_SECONDS = 300;

/**
 * The command's `session.cleanup_steps`, resolved, with its `secret_env`;
 * inline steps that need run arguments are skipped with a warning.
 */
async function cleanupStepsOf(context: SessionContext, commandName: string): Promise<{ steps: StepSpec[]; secretEnv: string[] }> {
  const { loadCommand } = await import("../config/load.ts");
  let config;
  try {
    config = loadCommand(context.project.paths.prj, commandName).config;
  } catch (error) {
    log.warn(`cleanup steps of ${commandName} not run: ${error instanceof Error ? error.message : String(error)}`);
    return { steps: [], secretEnv: [] };
  }
  const out: StepSpec[] = [];
  const steps = config.session?.cleanup_steps ?? [];
  const files = findStepFiles(context.project.paths.steps);
  for (const [index, step] of steps.entries()) {
    if (typeof step !== "string") {
      if (step.run.includes("{{")) {
        log.warn(`cleanup step ${step.name ?? index} uses templates and is skipped at kill time; use PRJ_* variables instead`);
        continue;
      }
      out.push({
        kind: "inline",
        name: step.name ?? `cleanup-${index}`,
        run: step.run,
        timeoutSeconds: step.timeout === undefined ? undefined : parseDuration(step.timeout),
        workingDirectory: step.working_directory,
      });
    } else if (files[step]) out.push({ kind: "script", name: step, path: files[step]! });
    else log.warn(`cleanup step ${step} not found in .prj/steps; skipped`);
  }
  return { steps: out, secretEnv: config.secret_env ?? [] };
}

/** Killing the session the user is sitting in would drop their client; move it first. */
async function switchAwayIfInside(context: SessionContext, name: string): Promise<void> {
  if (!context.tmux.isCurrentServer()) return;
  const current = await context.tmux.run(["display-message", "-p", "#{session_name}"]);
  if (current.exitCode !== 0 || current.stdout.trim() !== name) return;
  const others = (await context.tmux.listSessions()).filter((session) => session.name !== name);
  const next = others.sort((a, b) => b.lastActivity.getTime() - a.lastActivity.getTime())[0];
  if (next) await context.tmux.run(["switch-client", "-t", `=${next.name}:`]);
}
