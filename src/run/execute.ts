import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ensureWorktree, rollbackWorktree, type WorktreeOutcome } from "../git/worktree.ts";
import { secretValues } from "../plan/format.ts";
import { redactEnvironment, redactText } from "../plan/redact.ts";
import type { RunPlan, StepSpec } from "../plan/types.ts";
import type { Project } from "../project.ts";
import { SessionLifecycleManager, type SessionOutcome } from "../sessions/lifecycle.ts";
import type { StateStore } from "../state/db.ts";
import { runStepProcess, StepFailure } from "../steps/runner.ts";
import type { TmuxManager, TmuxSession } from "../tmux/manager.ts";
import { log } from "../ui/log.ts";
import type { PreparedRun } from "./prepare.ts";

export interface RunReport {
  event_id: number;
  status: "succeeded" | "failed" | "cancelled";
  session: { name: string; created: boolean } | null;
  worktree: { path: string; created: boolean } | null;
  error?: string;
}

interface RunState {
  plan: RunPlan;
  eventId: number;
  worktree?: WorktreeOutcome;
  session?: SessionOutcome;
  stepNumber: number;
  deadline?: number;
  abort: AbortController;
  redact(text: string): string;
}

/**
 * Runs a plan in the order of SPEC §7. On failure, timeout or Ctrl-C it stops
 * the current step, runs `cleanup_on_failure`, and rolls back exactly what this
 * run created: the session it made, and the worktree it made if still clean.
 */
export async function executeRun(
  project: Project,
  prepared: PreparedRun,
  store: StateStore,
  tmux: TmuxManager,
  options: { attach?: boolean } = {},
): Promise<RunReport> {
  const plan = prepared.plan;
  const secrets = secretValues(plan);
  const redact = (text: string) => redactText(text, secrets);
  const eventId = store.startEvent({
    kind: "run",
    command: plan.command,
    projectPath: project.root,
    worktree: plan.worktree?.branch,
    sessionName: plan.session?.name,
    metadata: { arguments: redactEnvironment(plan.arguments, plan.secretKeys) },
  });
  const state: RunState = {
    plan,
    eventId,
    stepNumber: 0,
    deadline: plan.timeoutSeconds === undefined ? undefined : Date.now() + plan.timeoutSeconds * 1000,
    abort: new AbortController(),
    redact,
  };
  const onSignal = () => state.abort.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const runTimer =
    state.deadline === undefined ? undefined : setTimeout(() => state.abort.abort("timeout"), state.deadline - Date.now());
  const lifecycle = new SessionLifecycleManager(tmux, store, project.root);
  try {
    const explicit = new Set(
      [...plan.steps.pre, ...plan.steps.preCreate, ...plan.steps.postCreate, ...plan.steps.main, ...plan.steps.post]
        .filter((step) => step.kind === "builtin")
        .map((step) => step.name),
    );
    const run: RunContext = { state, project, prepared, lifecycle, store };
    await runSteps(plan.steps.pre, run);
    if (plan.worktree && !explicit.has("create-worktree")) await createWorktree(state, project, store);
    await runSteps(plan.steps.preCreate, run);
    if (plan.session && !explicit.has("start-session")) await startSession(state, project, prepared, lifecycle);
    await runSteps(plan.steps.postCreate, run);
    await runSteps(plan.steps.main, run);
    await runSteps(plan.steps.post, run);
    checkAborted(state);
  } catch (error) {
    const cancelled = state.abort.signal.aborted && state.abort.signal.reason !== "timeout";
    const message = redact(error instanceof Error ? error.message : String(error));
    log.error(`run of ${plan.command} ${cancelled ? "cancelled" : "failed"}: ${message}`);
    await recoverFromFailure(state, project, store, lifecycle);
    store.finishEvent(eventId, { status: cancelled ? "cancelled" : "failed", exitCode: 1, error: message });
    return { ...reportOf(state), status: cancelled ? "cancelled" : "failed", error: message, session: null, worktree: null };
  } finally {
    if (runTimer) clearTimeout(runTimer);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  store.finishEvent(eventId, { status: "succeeded", exitCode: 0 });
  const attach = options.attach ?? plan.session?.autoAttach ?? false;
  if (attach && state.session) {
    await tmux.attachSession(state.session.name, { insideTmux: Boolean(process.env.TMUX) && sameServer(tmux) });
  }
  return reportOf(state);
}

function reportOf(state: RunState): RunReport {
  return {
    event_id: state.eventId,
    status: "succeeded",
    session: state.session ? { name: state.session.name, created: state.session.created } : null,
    worktree: state.worktree ? { path: state.worktree.path, created: state.worktree.created } : null,
  };
}

/** `switch-client` only works when the user's client is on the server prj drives. */
function sameServer(tmux: TmuxManager): boolean {
  return tmux.socket === undefined;
}

function checkAborted(state: RunState): void {
  if (!state.abort.signal.aborted) return;
  throw new StepFailure(state.abort.signal.reason === "timeout" ? "the run timed out" : "the run was cancelled", state.abort.signal.reason === "timeout" ? "timeout" : "cancelled");
}

async function createWorktree(state: RunState, project: Project, store: StateStore): Promise<void> {
  checkAborted(state);
  const spec = state.plan.worktree!;
  state.worktree = await ensureWorktree(project.root, spec);
  store.upsertWorktree({
    projectPath: project.root,
    path: state.worktree.path,
    branch: spec.branch,
    portBase: project.settings.worktrees.port_base,
  });
  if (state.worktree.created) {
    store.recordEvent({
      kind: "worktree.created",
      status: "succeeded",
      command: state.plan.command,
      worktree: spec.branch,
      projectPath: project.root,
      metadata: { path: state.worktree.path, run_event_id: state.eventId },
    });
  }
  log.info(`${state.worktree.created ? "created" : "reusing"} worktree ${state.worktree.path}`);
}

async function startSession(
  state: RunState,
  project: Project,
  prepared: PreparedRun,
  lifecycle: SessionLifecycleManager,
): Promise<void> {
  checkAborted(state);
  const timeoutSeconds = project.settings.tmux.session_timeout_seconds;
  let finalPlan = state.plan;
  state.session = await lifecycle.createSessionWithEnvironment({
    eventId: state.eventId,
    worktreePath: state.worktree?.path ?? state.plan.worktree?.path,
    redact: state.redact,
    beforeCreate: project.settings.sessions.auto_cleanup
      ? (live) => removeStaleSessions(live, project, lifecycle, timeoutSeconds)
      : undefined,
    specFor: (live) => {
      finalPlan = prepared.replan(live);
      return finalPlan.session!;
    },
  });
  // Later steps see the name the session really got.
  state.plan = finalPlan;
  log.info(`${state.session.created ? "created" : "reusing"} session ${state.session.name}`);
}

/** `sessions.auto_cleanup`: this project's idle, unattached sessions go before a new one is made. */
async function removeStaleSessions(
  live: TmuxSession[],
  project: Project,
  lifecycle: SessionLifecycleManager,
  timeoutSeconds: number,
): Promise<TmuxSession[]> {
  const now = Date.now();
  const keep: TmuxSession[] = [];
  for (const session of live) {
    const stale =
      session.project === project.root && session.attached === 0 && now - session.lastActivity.getTime() > timeoutSeconds * 1000;
    if (!stale) {
      keep.push(session);
      continue;
    }
    await lifecycle.killSession(session.name, "cleanup");
    log.info(`removed stale session ${session.name}`);
  }
  return keep;
}

interface RunContext {
  state: RunState;
  project: Project;
  prepared: PreparedRun;
  lifecycle: SessionLifecycleManager;
  store: StateStore;
}

async function runSteps(steps: StepSpec[], run: RunContext): Promise<void> {
  const { state, project } = run;
  for (const step of steps) {
    checkAborted(state);
    if (step.kind === "builtin") {
      if (step.name === "create-worktree" && state.plan.worktree) await createWorktree(state, project, run.store);
      else if (step.name === "start-session" && state.plan.session) await startSession(state, project, run.prepared, run.lifecycle);
      continue;
    }
    await runOneStep(step, state, project);
  }
}

async function runOneStep(step: StepSpec, state: RunState, project: Project): Promise<void> {
  state.stepNumber += 1;
  const dir = join(project.paths.artifacts, String(state.eventId));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const logFile = join(dir, `${String(state.stepNumber).padStart(2, "0")}-${step.name}.log`);
  const cwd = step.kind !== "builtin" && step.workingDirectory
    ? join(state.worktree?.path ?? project.root, step.workingDirectory)
    : (state.worktree?.path ?? state.plan.worktree?.path ?? project.root);
  const stepDeadline = step.timeoutSeconds === undefined ? undefined : Date.now() + step.timeoutSeconds * 1000;
  const deadline = [state.deadline, stepDeadline].filter((value): value is number => value !== undefined).sort()[0];
  log.info(`step ${step.name}`);
  await runStepProcess(step, {
    cwd,
    env: stepEnvironment(state),
    logFile,
    deadline,
    signal: state.abort.signal,
    redact: state.redact,
  });
}

function stepEnvironment(state: RunState): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  Object.assign(env, state.plan.environment);
  if (state.session) env.PRJ_SESSION_NAME = state.session.name;
  env.PRJ_COMMAND = state.plan.command;
  env.PRJ_EVENT_ID = String(state.eventId);
  for (const [key, value] of Object.entries(state.plan.arguments)) env[`PRJ_ARG_${key.toUpperCase()}`] = value;
  return env;
}

async function recoverFromFailure(
  state: RunState,
  project: Project,
  store: StateStore,
  lifecycle: SessionLifecycleManager,
): Promise<void> {
  // cleanup_on_failure runs even after Ctrl-C, so it gets a fresh signal.
  const cleanupState: RunState = { ...state, abort: new AbortController(), deadline: Date.now() + 60_000 };
  for (const step of state.plan.steps.cleanupOnFailure) {
    if (step.kind === "builtin") continue;
    try {
      await runOneStep(step, cleanupState, project);
    } catch (error) {
      log.warn(`cleanup step ${step.name} failed: ${state.redact(String(error))}`);
    }
  }
  if (state.session?.created) {
    try {
      await lifecycle.killSession(state.session.name, "rollback");
      log.info(`rolled back: killed session ${state.session.name}`);
    } catch (error) {
      log.warn(`could not kill session ${state.session.name}: ${String(error)}`);
    }
  }
  if (state.worktree?.created) {
    try {
      const removed = await rollbackWorktree(project.root, state.worktree, state.plan.worktree?.copyFiles ?? []);
      if (removed) {
        store.markWorktreeRemoved(state.worktree.path);
        log.info(`rolled back: removed worktree ${state.worktree.path}`);
      } else log.warn(`kept worktree ${state.worktree.path}: it has changes`);
    } catch (error) {
      log.warn(`could not remove worktree ${state.worktree.path}: ${String(error)}`);
    }
  }
}
