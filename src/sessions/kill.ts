import { resolve } from "node:path";
import { noSessionError, PrjError } from "../errors.ts";
import { isSecretKey, redactText } from "../plan/redact.ts";
import { secondsBetween } from "../state/durations.ts";
import type { StepSpec } from "../plan/types.ts";
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
  const sessions = await tmux.listSessions();
  const live = sessions.find((session) => session.name === name);
  if (!live) throw noSessionError(name, "prj list-sessions --all", sessions.map((session) => session.name));
  // prj only kills what it manages for this project; anything else is the user's to kill with tmux.
  if (live.project !== project.root) {
    throw new PrjError(
      live.project ? `session ${name} belongs to another prj project (${live.project})` : `session ${name} is not managed by prj`,
      {
        exitCode: 2,
        hint: live.project
          ? `run \`prj kill-session ${name}\` from ${live.project}`
          : `kill it with tmux itself: ${tmux.userCommand(["kill-session", "-t", `=${name}`])}`,
      },
    );
  }
  const row = store.findLiveSession(name, tmux.socket);
  // The run recorded the session's part of its plan: the command file may have changed or gone since.
  const recorded = row?.plan ?? null;
  const commandName = recorded?.command ?? row?.command ?? (live.command || undefined);
  const cleanup = recorded?.cleanupSteps ?? [];
  if (!recorded && commandName) await warnUnrecordedCleanup(project, name, commandName);
  const environment: Record<string, string> = {
    ...recorded?.variables,
    PRJ_PROJECT: project.name,
    PRJ_PROJECT_PATH: project.root,
    PRJ_WORKTREE: live.worktree,
    PRJ_WORKTREE_PATH: recorded?.worktreePath ?? row?.worktreePath ?? live.path,
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
  const secretKeys = new Set(recorded?.secretKeys ?? []);
  const secrets = Object.entries(sessionEnvironment)
    .filter(([key]) => isSecretKey(key) || secretKeys.has(key))
    .map(([, value]) => value);
  const stepDir = recorded?.stepDirectory ?? row?.worktreePath ?? live.path;
  for (const [index, recordedStep] of cleanup.entries()) {
    const step = recordedStep as unknown as StepSpec;
    if (recordedStep.secretsWithheld) {
      // Secret values are never stored, so this step cannot run as the run rendered it; say so loudly.
      const message = `cleanup step ${step.name} of ${name} not run: it was rendered with a secret value, which prj does not store; pass secrets to cleanup steps through the session environment ($NAME) instead`;
      log.warn(message);
      sessionLog("error", { session: name, project: project.root, event: eventId, error: message });
      continue;
    }
    try {
      const dir = `${project.paths.artifacts}/${eventId}`;
      await runStepProcess(step, {
        cwd: step.kind !== "builtin" && step.workingDirectory ? resolve(stepDir, step.workingDirectory) : stepDir,
        env: { ...(process.env as Record<string, string>), ...sessionEnvironment, ...environment },
        logFile: `${dir}/${String(index + 1).padStart(2, "0")}-${step.name}.log`,
        deadline: Date.now() + (step.timeoutSeconds ?? DEFAULT_CLEANUP_TIMEOUT_SECONDS) * 1000,
        signal: new AbortController().signal,
        redact: (text) => redactText(text, secrets),
        secrets,
        secretKeys: [...secretKeys],
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

/**
 * A session with no recorded plan (adopted, or made by an older prj) has no
 * rendered cleanup steps to run: the command file is not rendered again at
 * kill time. When that file lists cleanup steps, say they are not run rather
 * than skip them silently.
 */
async function warnUnrecordedCleanup(project: SessionContext["project"], name: string, commandName: string): Promise<void> {
  let steps: string[] = [];
  try {
    const { loadCommand } = await import("../config/load.ts");
    steps = (loadCommand(project.paths.prj, commandName).config.session?.cleanup_steps ?? []).map((step, index) =>
      typeof step === "string" ? step : (step.name ?? `run-${index}`),
    );
  } catch (error) {
    log.debug(`session ${name}: its command ${commandName} could not be read for its cleanup steps: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (steps.length === 0) return;
  const message = `cleanup steps of ${name} not run (${steps.join(", ")}): the session has no record of how its run rendered them (adopted, or made by an older prj); run them by hand if they are needed`;
  log.warn(message);
  sessionLog("error", { session: name, project: project.root, error: message });
}

/** A cleanup step without its own `timeout` may take this long. */
const DEFAULT_CLEANUP_TIMEOUT_SECONDS = 300;

/**
 * The session this prj runs in (`$TMUX_PANE` on this server), if any. Killing
 * it hangs up prj's own terminal, so commands that kill several sessions kill
 * it last, after everything else is done and recorded.
 */
export async function currentSessionName(context: Pick<SessionContext, "tmux">): Promise<string | undefined> {
  const pane = process.env.TMUX_PANE;
  if (!pane || !context.tmux.isCurrentServer()) return undefined;
  const current = await context.tmux.run(["display-message", "-p", "-t", pane, "#{session_name}"]);
  return current.exitCode === 0 ? current.stdout.trim() || undefined : undefined;
}

/** `names` with the session prj sits in moved to the end. */
export function ownSessionLast(names: readonly string[], current: string | undefined): string[] {
  return current && names.includes(current) ? [...names.filter((name) => name !== current), current] : [...names];
}

/** Killing the session the user is sitting in would drop their client; move it first. */
async function switchAwayIfInside(context: SessionContext, name: string): Promise<void> {
  if ((await currentSessionName(context)) !== name) return;
  const others = (await context.tmux.listSessions()).filter((session) => session.name !== name);
  const next = others.sort((a, b) => b.lastActivity.getTime() - a.lastActivity.getTime())[0];
  if (next) await context.tmux.run(["switch-client", "-t", `=${next.name}:`]);
}
