import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { atDeadline, earliest } from "../exec/deadline.ts";
import {
  deleteBranchIfUnchanged,
  ensureWorktree,
  resolveCommit,
  rollbackWorktree,
  type WorktreeOutcome,
} from "../git/worktree.ts";
import { redactArguments, secretValues } from "../plan/format.ts";
import { redactText } from "../plan/redact.ts";
import type { RunPlan, StepSpec } from "../plan/types.ts";
import { currentBranch, type Project } from "../project.ts";
import { SessionLifecycleManager, type SessionOutcome } from "../sessions/lifecycle.ts";
import type { StateStore } from "../state/db.ts";
import { explicitBuiltins } from "../steps/builtins.ts";
import { runStepProcess, StepFailure } from "../steps/runner.ts";
import type { TmuxManager } from "../tmux/manager.ts";
import { log } from "../ui/log.ts";
import { sessionLog } from "../ui/session-log.ts";
import { recordWorktree as recordWorktreePort } from "../worktrees/ports.ts";
import type { PreparedRun } from "./prepare.ts";

export interface RunReport {
  event_id: number;
  status: "succeeded" | "failed" | "cancelled";
  session: { name: string; created: boolean } | null;
  worktree: { path: string; created: boolean } | null;
  error?: string;
}

/** How long a `cleanup_on_failure` step may take when it sets no timeout of its own. */
const CLEANUP_STEP_TIMEOUT_SECONDS = 60;

interface RunState {
  plan: RunPlan;
  eventId: number;
  worktree?: WorktreeOutcome;
  session?: SessionOutcome;
  stepNumber: number;
  deadline?: number;
  /** Aborted with reason "cancelled" (a signal) or "timeout" (the run's `timeout`). */
  abort: AbortController;
  redact(text: string): string;
}

interface RunContext {
  state: RunState;
  project: Project;
  prepared: PreparedRun;
  lifecycle: SessionLifecycleManager;
  store: StateStore;
  tmux: TmuxManager;
}

/**
 * Runs a plan in the order of SPEC §7. On failure, timeout or Ctrl-C it stops
 * the current step (its whole process group), runs `cleanup_on_failure`, and
 * rolls back exactly what this run created (see {@link rollBack}).
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
    metadata: { arguments: redactArguments(plan, secrets) },
  });
  const state: RunState = {
    plan,
    eventId,
    stepNumber: 0,
    deadline: plan.timeoutSeconds === undefined ? undefined : Date.now() + plan.timeoutSeconds * 1000,
    abort: new AbortController(),
    redact,
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (!state.abort.signal.aborted) log.warn(`${signal}: stopping the run and rolling back`);
    state.abort.abort("cancelled");
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) process.on(signal, onSignal);
  const cancelRunTimer = state.deadline === undefined ? undefined : atDeadline(state.deadline, () => state.abort.abort("timeout"));
  const run: RunContext = { state, project, prepared, lifecycle: new SessionLifecycleManager(tmux, store, project.root), store, tmux };
  try {
    const explicit = explicitBuiltins(plan.steps);
    // Steps come from state.plan: creating the worktree and the session settle its port and name.
    await runSteps("pre", run);
    if (plan.worktree && !explicit.has("create-worktree")) await createWorktree(run);
    else if (!plan.worktree) recordWorktree(run, project.root, currentBranch(project.root));
    await runSteps("preCreate", run);
    if (plan.session && !explicit.has("start-session")) await startSession(run);
    await runSteps("postCreate", run);
    await runSteps("main", run);
    await runSteps("post", run);
    checkAborted(state);
  } catch (error) {
    const cancelled = state.abort.signal.aborted && state.abort.signal.reason === "cancelled";
    const status = cancelled ? "cancelled" : "failed";
    let message = redact(error instanceof Error ? error.message : String(error));
    if (state.abort.signal.aborted && state.abort.signal.reason === "timeout" && !/timed out/.test(message)) {
      message = `the run timed out after ${plan.timeoutSeconds}s: ${message}`;
    }
    log.error(`run of ${plan.command} ${status}: ${message}`);
    sessionLog("error", { event: eventId, command: plan.command, session: state.session?.name, project: project.root, status, error: message });
    await rollBack(run);
    store.finishEvent(eventId, { status, exitCode: 1, error: message });
    const logs = join(project.paths.artifacts, String(eventId));
    if (existsSync(logs)) log.info(`step logs: ${logs}`);
    return { event_id: eventId, status, error: message, session: null, worktree: null };
  } finally {
    cancelRunTimer?.();
    for (const signal of signals) process.off(signal, onSignal);
  }
  store.finishEvent(eventId, { status: "succeeded", exitCode: 0 });
  const attach = options.attach ?? state.plan.session?.autoAttach ?? false;
  if (attach && state.session) {
    await tmux.attachSession(state.session.name, { insideTmux: tmux.isCurrentServer() });
  }
  return {
    event_id: eventId,
    status: "succeeded",
    session: state.session ? { name: state.session.name, created: state.session.created } : null,
    worktree: state.worktree ? { path: state.worktree.path, created: state.worktree.created } : null,
  };
}

function checkAborted(state: RunState): void {
  if (!state.abort.signal.aborted) return;
  const timeout = state.abort.signal.reason === "timeout";
  throw new StepFailure(timeout ? "the run timed out" : "the run was cancelled", timeout ? "timeout" : "cancelled");
}

function recordWorktree(run: RunContext, path: string, branch: string): void {
  const { project } = run;
  const portBase = project.settings.worktrees.port_base;
  recordWorktreePort(run.store, { root: project.root, mainBranch: currentBranch(project.root), portBase }, { path, branch });
}

async function createWorktree(run: RunContext): Promise<void> {
  const { state, project, store } = run;
  checkAborted(state);
  const spec = state.plan.worktree!;
  // Until a step has run, what prepare learnt from git still holds.
  state.worktree = await ensureWorktree(project.root, spec, state.stepNumber === 0 ? run.prepared.worktree : undefined);
  recordWorktree(run, state.worktree.path, spec.branch);
  // The port is final now that it is recorded; later phases see the recorded value.
  state.plan = run.prepared.replan([]);
  if (state.worktree.created) {
    store.recordEvent({
      kind: "worktree.created",
      status: "succeeded",
      command: state.plan.command,
      worktree: spec.branch,
      projectPath: project.root,
      metadata: { path: state.worktree.path, run_event_id: state.eventId, created_branch: state.worktree.createdBranch },
    });
  }
  log.info(`${state.worktree.created ? "created" : "reusing"} worktree ${state.worktree.path}`);
}

async function startSession(run: RunContext): Promise<void> {
  const { state, project, prepared, lifecycle } = run;
  checkAborted(state);
  if (project.settings.sessions.auto_cleanup) await removeStaleSessions(run);
  let finalPlan = state.plan;
  state.session = await lifecycle.createSessionWithEnvironment({
    eventId: state.eventId,
    // Sessions without a worktree block live in the main checkout.
    worktreePath: state.worktree?.path ?? state.plan.worktree?.path ?? project.root,
    redact: state.redact,
    specFor: (live) => {
      finalPlan = prepared.replan(live);
      return finalPlan.session!;
    },
  });
  // Later steps see the name the session really got.
  state.plan = finalPlan;
  log.info(`${state.session.created ? "created" : "reusing"} session ${state.session.name}`);
  if (!state.session.created && state.session.createdBy && state.session.createdBy !== state.plan.command) {
    log.warn(
      `session ${state.session.name} was created by \`prj run ${state.session.createdBy}\` for the same project, worktree and task; ` +
        `give ${state.plan.command} its own session.task (or name_template) to get a separate session`,
    );
  }
}

/**
 * `sessions.auto_cleanup`: this project's idle, unattached sessions go before
 * a new one is made, killed the way `prj cleanup-sessions --stale` kills them
 * (their `cleanup_steps` first). This happens before the creation lock is
 * taken: cleanup steps may take minutes, and other prj processes would wait
 * for the lock meanwhile. Creation then reads the live sessions afresh.
 */
async function removeStaleSessions(run: RunContext): Promise<void> {
  const { project, tmux } = run;
  const { isStale, sessionsOfProject } = await import("../sessions/queries.ts");
  const { killManagedSession } = await import("../sessions/kill.ts");
  const timeoutSeconds = project.settings.tmux.session_timeout_seconds;
  const stale = sessionsOfProject(await tmux.listSessions(), project.root).filter((session) => isStale(session, timeoutSeconds));
  for (const session of stale) {
    checkAborted(run.state);
    try {
      await killManagedSession(run, session.name, "cleanup");
      log.info(`removed stale session ${session.name}`);
    } catch (error) {
      // Another prj may have removed it first; a stale session left behind must not fail this run.
      log.warn(`could not remove stale session ${session.name}: ${run.state.redact(error instanceof Error ? error.message : String(error))}`);
    }
  }
}

async function runSteps(phase: "pre" | "preCreate" | "postCreate" | "main" | "post", run: RunContext): Promise<void> {
  // By index into the current plan: a built-in step in this phase may replan, and later steps see that.
  for (let index = 0; index < run.state.plan.steps[phase].length; index++) {
    const step = run.state.plan.steps[phase][index]!;
    checkAborted(run.state);
    if (step.kind === "builtin") {
      if (step.name === "create-worktree") await createWorktree(run);
      else if (step.name === "start-session") await startSession(run);
      continue;
    }
    await runOneStep(step, run.state, run.project);
  }
}

/**
 * Runs one step. Steps run in the worktree once the run has it (created or
 * reused), and in the main checkout before that; `working_directory` is
 * relative to that place.
 */
async function runOneStep(step: StepSpec, state: RunState, project: Project): Promise<void> {
  state.stepNumber += 1;
  const logFile = join(project.paths.artifacts, String(state.eventId), `${String(state.stepNumber).padStart(2, "0")}-${step.name}.log`);
  const base = state.worktree?.path ?? project.root;
  const cwd = step.kind !== "builtin" && step.workingDirectory ? resolve(base, step.workingDirectory) : base;
  const stepDeadline = step.timeoutSeconds === undefined ? undefined : Date.now() + step.timeoutSeconds * 1000;
  log.info(`step ${step.name}`);
  await runStepProcess(step, {
    cwd,
    env: stepEnvironment(state),
    logFile,
    deadline: earliest(state.deadline, stepDeadline),
    timeoutSeconds: step.timeoutSeconds,
    signal: state.abort.signal,
    redact: state.redact,
  });
}

/** The run's environment, PRJ_* (SPEC §6), PRJ_COMMAND, PRJ_EVENT_ID and PRJ_ARG_<NAME>. */
export function stepEnvironment(state: Pick<RunState, "plan" | "eventId" | "session">): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  Object.assign(env, state.plan.environment);
  if (state.session) env.PRJ_SESSION_NAME = state.session.name;
  env.PRJ_COMMAND = state.plan.command;
  env.PRJ_EVENT_ID = String(state.eventId);
  for (const [key, value] of Object.entries(state.plan.arguments)) env[`PRJ_ARG_${key.toUpperCase()}`] = value;
  return env;
}

/**
 * Undoes what this run created, and nothing else:
 *
 * - `cleanup_on_failure` runs first (each step bounded by its timeout, or a minute);
 * - the session, if this run created it (a reused one is left alone);
 * - the worktree, if this run created it and nobody has changed it since
 *   (files the run copied in do not count);
 * - the branch, if it did not exist when the run started, is checked out
 *   nowhere else, and still points where the run left it.
 *
 * Every step is attempted even when an earlier one fails, and each outcome is
 * logged and recorded as a `cleanup` event.
 */
async function rollBack(run: RunContext): Promise<void> {
  const { state, project, store, lifecycle } = run;
  const done: Record<string, unknown> = { run_event_id: state.eventId };
  // A second Ctrl-C must not cut the clean-up short, so it gets its own signal.
  const cleanupState: RunState = { ...state, abort: new AbortController(), deadline: undefined };
  for (const step of state.plan.steps.cleanupOnFailure) {
    const bounded = { ...step, timeoutSeconds: step.timeoutSeconds ?? CLEANUP_STEP_TIMEOUT_SECONDS };
    try {
      await runOneStep(bounded, cleanupState, project);
    } catch (error) {
      log.warn(`cleanup step ${step.name} failed: ${state.redact(error instanceof Error ? error.message : String(error))}`);
    }
  }
  state.stepNumber = cleanupState.stepNumber;
  if (state.session?.created) {
    try {
      await lifecycle.killSession(state.session.name, "rollback");
      done.session_killed = state.session.name;
      log.info(`rolled back: killed session ${state.session.name}`);
    } catch (error) {
      log.warn(`could not kill session ${state.session.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const spec = state.plan.worktree;
  const branchIsOurs = spec !== null && run.prepared.worktree?.branchExisted === false;
  let worktreeGone = true;
  if (state.worktree?.created) {
    try {
      worktreeGone = await rollbackWorktree(project.root, state.worktree, spec?.copyFiles ?? []);
      if (worktreeGone) {
        store.markWorktreeRemoved(state.worktree.path);
        store.recordEvent({
          kind: "worktree.removed",
          status: "succeeded",
          command: state.plan.command,
          worktree: state.worktree.branch,
          projectPath: project.root,
          metadata: { path: state.worktree.path, run_event_id: state.eventId, reason: "rollback" },
        });
        done.worktree_removed = state.worktree.path;
        log.info(`rolled back: removed worktree ${state.worktree.path}`);
      } else log.warn(`kept worktree ${state.worktree.path}: it has changes`);
    } catch (error) {
      worktreeGone = false;
      log.warn(`could not remove worktree ${state.worktree.path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else if (state.worktree) {
    worktreeGone = false; // reused: never ours to remove
  }
  if (spec && branchIsOurs && worktreeGone) {
    try {
      // Made by `worktree add -b`, or by one of this run's steps (review-pr's fetch) before the worktree.
      const tip = state.worktree?.tip;
      if (await deleteBranchIfUnchanged(project.root, spec.branch, tip)) {
        done.branch_deleted = spec.branch;
        log.info(`rolled back: deleted branch ${spec.branch}`);
      } else if ((await resolveCommit(project.root, `refs/heads/${spec.branch}`)) !== undefined) {
        log.warn(`kept branch ${spec.branch}: it has moved or is checked out elsewhere`);
      }
    } catch (error) {
      log.warn(`could not delete branch ${spec.branch}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (Object.keys(done).length > 1) {
    store.recordEvent({ kind: "cleanup", status: "succeeded", command: state.plan.command, projectPath: project.root, metadata: done });
  }
}
