import { existsSync } from "node:fs";
import { PrjError } from "../errors.ts";
import { join, resolve } from "node:path";
import { atDeadline, earliest } from "../exec/deadline.ts";
import { commitsBehindRemoteBase, ensureWorktree, listWorktrees, preflightWorktree, type WorktreeOutcome } from "../git/worktree.ts";
import { redactArguments, secretValues } from "../plan/format.ts";
import { recordedSessionPlan } from "../plan/record.ts";
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
import { popUndoStack, type UndoEntry } from "./undo.ts";
import { PHASE_NAMES, runOrder, sessionOperation, stepOperation, worktreeOperation, type Operation, type StepPhaseKey } from "../plan/operations.ts";

export interface RunReport {
  event_id: number;
  status: "succeeded" | "failed" | "cancelled";
  session: { name: string; created: boolean } | null;
  worktree: { path: string; created: boolean } | null;
  error?: string;
  /** The signal that cancelled the run (SIGINT, SIGTERM, SIGHUP). */
  signal?: string;
  /** Where the run's step logs are, when a step had started. */
  step_logs?: string;
  /** The failure's own hint, secrets redacted. */
  hint?: string;
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
  /** What each successful operation left to undo, newest last; a rollback pops it and does nothing else. */
  undo: UndoEntry[];
  /** The operations performed, as the dry run describes them (plan/operations.ts); recorded with the run event. */
  executed: Operation[];
  secrets: string[];
  /** Set when the run's success was recorded in the session's write transaction (nothing follows the session). */
  finished?: boolean;
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
 * Runs a plan in the order of SPEC §7. Each operation that changes something
 * pushes its own undo when it succeeds. On failure, timeout, Ctrl-C or a
 * hang-up it stops the current step (its whole process group), runs
 * `cleanup_on_failure`, and pops the undo stack (see {@link rollBack}).
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
  // A run in the main checkout with no pre steps records the checkout's worktree row in the same
  // write transaction as its start: one commit fewer (SPEC §11 counts them).
  const checkoutAtStart = !plan.worktree && plan.steps.pre.length === 0;
  const eventId = store.immediate(() => {
    const id = store.startEvent({
      kind: "run",
      command: plan.command,
      projectPath: project.root,
      worktree: plan.worktree?.branch,
      sessionName: plan.session?.name,
      metadata: { arguments: redactArguments(plan, secrets) },
    });
    if (checkoutAtStart) recordCheckout(store, project, plan.checkout);
    return id;
  });
  const state: RunState = {
    plan,
    eventId,
    stepNumber: 0,
    deadline: plan.timeoutSeconds === undefined ? undefined : Date.now() + plan.timeoutSeconds * 1000,
    abort: new AbortController(),
    redact,
    undo: [],
    executed: [],
    secrets,
  };
  // A signal handler only sets state: the run notices, stops and rolls back. It writes
  // nothing itself, so a dead terminal (the tab closed, ssh dropped) cannot stop it.
  const onSignal = (signal: NodeJS.Signals) => {
    if (!state.abort.signal.aborted) state.abort.abort({ reason: "cancelled", signal });
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) process.on(signal, onSignal);
  const cancelRunTimer = state.deadline === undefined ? undefined : atDeadline(state.deadline, () => state.abort.abort({ reason: "timeout" }));
  const run: RunContext = { state, project, prepared, lifecycle: new SessionLifecycleManager(tmux, store, project.root), store, tmux };
  try {
    // In runOrder's order; steps come from state.plan, by place: creating the worktree and the session settle its port and name.
    for (const item of runOrder(plan)) {
      checkAborted(state);
      if (item.item === "step") await runStepAt(item.phase, item.index, run);
      else if (item.item === "session") await startSession(run);
      else if (plan.worktree) await createWorktree(run);
      else {
        if (!checkoutAtStart) recordCheckout(store, project, plan.checkout);
        state.executed.push(worktreeOperation(state.plan, "checkout"));
      }
    }
    checkAborted(state);
  } catch (error) {
    const reason = abortReason(state);
    const status = reason === "cancelled" ? "cancelled" : "failed";
    let message = redact(error instanceof Error ? error.message : String(error));
    if (reason === "timeout" && !/timed out/.test(message)) message = `the run timed out after ${plan.timeoutSeconds}s: ${message}`;
    const signal = (state.abort.signal.reason as { signal?: string } | undefined)?.signal;
    if (signal) log.warn(`${signal}: stopping the run and rolling back`);
    // The error itself is said once, by the caller (commands/run.ts through main.ts), after the rollback's lines.
    sessionLog("error", { event: eventId, command: plan.command, session: state.session?.name, project: project.root, status, error: message });
    await rollBack(run);
    store.finishEvent(eventId, { status, exitCode: 1, error: message, sessionName: state.session?.name, metadata: runMetadata(state) });
    const logs = join(project.paths.artifacts, String(eventId));
    return {
      event_id: eventId,
      status,
      error: message,
      session: null,
      worktree: null,
      ...(signal ? { signal } : {}),
      ...(existsSync(logs) ? { step_logs: logs } : {}),
      // What to do about it (a version mismatch, a missing base branch…) goes with the error.
      ...(error instanceof PrjError && error.hint ? { hint: redact(error.hint) } : {}),
    };
  } finally {
    cancelRunTimer?.();
    for (const signal of signals) process.off(signal, onSignal);
  }
  // The run event names the session the run really used (a `-2` when the name was taken).
  if (!state.finished) store.finishEvent(eventId, { status: "succeeded", exitCode: 0, sessionName: state.session?.name, metadata: runMetadata(state) });
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

/** The run event's metadata: its redacted arguments and the operations it performed. */
function runMetadata(state: RunState): Record<string, unknown> {
  return { arguments: redactArguments(state.plan, state.secrets), operations: state.executed };
}

function abortReason(state: RunState): "cancelled" | "timeout" | undefined {
  if (!state.abort.signal.aborted) return undefined;
  return (state.abort.signal.reason as { reason?: "cancelled" | "timeout" } | undefined)?.reason ?? "cancelled";
}

function checkAborted(state: RunState): void {
  const reason = abortReason(state);
  if (!reason) return;
  throw new StepFailure(reason === "timeout" ? "the run timed out" : "the run was cancelled", reason);
}

function recordWorktree(run: RunContext, path: string, branch: string): void {
  const { project } = run;
  const portBase = project.settings.worktrees.port_base;
  recordWorktreePort(run.store, { root: project.root, mainBranch: currentBranch(project.root), portBase }, { path, branch });
}

/** The row of the worktree a run without a worktree block acts for: the one prj was run in (the main checkout first). */
function recordCheckout(store: StateStore, project: Project, checkout: { path: string; branch: string } | null): void {
  const mainBranch = currentBranch(project.root);
  const here = checkout ?? { path: project.root, branch: mainBranch };
  recordWorktreePort(store, { root: project.root, mainBranch, portBase: project.settings.worktrees.port_base }, here);
}

/**
 * Creates or reuses the worktree under the database's write lock, so ten runs
 * for one branch started at once make it once and the other nine reuse it,
 * and ten for different branches get ten port blocks. git is asked afresh
 * under the lock: what prepare saw may be stale by now.
 */
async function createWorktree(run: RunContext): Promise<void> {
  const { state, project, store } = run;
  checkAborted(state);
  const spec = state.plan.worktree!;
  state.worktree = await store.immediateAsync(async () => {
    const now = await preflightWorktree(project.root, spec, await listWorktrees(project.root));
    const outcome = await ensureWorktree(project.root, spec, now);
    if (outcome.created) {
      // A branch that did not exist when the run began was made by it: by `worktree add -b`,
      // or by one of its steps (review-pr's fetch). Either way the undo deletes it only if unmoved.
      if (run.prepared.worktree?.branchExisted === false) {
        state.undo.push({ kind: "delete-branch", branch: spec.branch, tip: outcome.tip });
      }
      state.undo.push({ kind: "remove-worktree", path: outcome.path, branch: spec.branch, copiedFiles: spec.copyFiles });
    }
    recordWorktree(run, outcome.path, spec.branch);
    return outcome;
  });
  if (!state.worktree.createdBranch) await sayIfBehindBase(state.worktree.path, spec.branch, spec.baseBranch, project.root);
  // The port is final now that it is recorded; later phases see the recorded value.
  state.plan = run.prepared.replan([]);
  state.executed.push(worktreeOperation(state.plan, state.worktree.created ? "create" : "reuse"));
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
}

/**
 * A branch that already existed is never moved under the user; when its base
 * is a remote-tracking ref a pre step refreshed (review-pr's origin/pr/N), the
 * run says how far behind it is and how to catch up.
 */
async function sayIfBehindBase(path: string, branch: string, base: string, root: string): Promise<void> {
  const behind = await commitsBehindRemoteBase(root, branch, base);
  if (!behind) return;
  log.warn(`branch ${branch} is ${behind} commit${behind === 1 ? "" : "s"} behind ${base}; to take ${behind === 1 ? "it" : "them"}: git -C ${path} merge --ff-only ${base}`);
}

async function startSession(run: RunContext): Promise<void> {
  const { state, project, prepared, lifecycle, store } = run;
  checkAborted(state);
  if (project.settings.sessions.auto_cleanup) await removeStaleSessions(run);
  let finalPlan = state.plan;
  const worktreePath = state.worktree?.path ?? state.plan.worktree?.path ?? state.plan.checkout?.path ?? project.root;
  // With nothing after the session, the run's success is recorded in the session's write transaction.
  const nothingFollows = runOrder(state.plan).at(-1)?.item === "session";
  state.session = await lifecycle.createSessionWithEnvironment({
    eventId: state.eventId,
    // Sessions without a worktree block live in the worktree prj was run in.
    worktreePath,
    redact: state.redact,
    specFor: (live) => {
      finalPlan = prepared.replan(live);
      return finalPlan.session!;
    },
    recordFor: () => recordedSessionPlan(finalPlan, worktreePath),
    alsoRecord:
      nothingFollows && !explicitBuiltins(state.plan.steps).has("start-session")
        ? (outcome) => {
            if (state.abort.signal.aborted) return; // the rollback records how the run ended
            const operations = [...state.executed, sessionOperation(finalPlan, outcome.created ? "create" : "reuse", state.secrets)];
            const metadata = { arguments: redactArguments(finalPlan, state.secrets), operations };
            store.finishEvent(state.eventId, { status: "succeeded", exitCode: 0, sessionName: outcome.name, metadata });
            state.finished = true;
          }
        : undefined,
  });
  if (state.session.created) state.undo.push({ kind: "kill-session", name: state.session.name, tmuxId: state.session.tmuxId });
  // Later steps see the name the session really got.
  state.plan = finalPlan;
  state.executed.push(sessionOperation(finalPlan, state.session.created ? "create" : "reuse", state.secrets));
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
 * (their `cleanup_steps` first), except the one this run is about to reuse
 * (same identity). This happens before the creation lock is taken: cleanup
 * steps may take minutes, and other prj processes would wait for the lock
 * meanwhile. Creation then reads the live sessions afresh.
 */
async function removeStaleSessions(run: RunContext): Promise<void> {
  const { project, tmux } = run;
  const { staleSessions } = await import("../sessions/reconcile.ts");
  const { killManagedSession } = await import("../sessions/kill.ts");
  const planned = run.state.plan.session;
  // The session this run would reuse (its name, or its -N, with the same identity) is never a stale one to remove.
  const wouldReuse = (session: { name: string; worktree: string; task: string }) =>
    planned !== null &&
    session.worktree === planned.identity.worktree &&
    session.task === planned.identity.task &&
    (session.name === planned.name || new RegExp(`^${planned.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d+$`).test(session.name));
  const stale = staleSessions(await tmux.listSessions(), project).filter((session) => !wouldReuse(session));
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

/** Runs the step at `phase[index]` of the current plan: the worktree and the session may have replanned it since. */
async function runStepAt(phase: StepPhaseKey, index: number, run: RunContext): Promise<void> {
  const step = run.state.plan.steps[phase][index]!;
  run.state.executed.push(stepOperation(PHASE_NAMES[phase], step, run.state.secrets));
  try {
    await runOneStep(step, run.state, run.project);
  } catch (error) {
    // continue_on_error covers the step's own failure or timeout; Ctrl-C and the run's deadline still stop the run.
    const runStopped = run.state.abort.signal.aborted || (run.state.deadline !== undefined && Date.now() >= run.state.deadline);
    if (!(step.kind === "inline" && step.continueOnError && error instanceof StepFailure && !runStopped)) throw error;
    log.warn(`${run.state.redact(error.message)}; continuing (continue_on_error)`);
  }
}

/**
 * Runs one step. Steps run in the worktree once the run has it (created or
 * reused), and in the main checkout before that; without a worktree block, in
 * the worktree prj was run in. `working_directory` is relative to that place.
 */
async function runOneStep(step: StepSpec, state: RunState, project: Project): Promise<void> {
  state.stepNumber += 1;
  const logFile = join(project.paths.artifacts, String(state.eventId), `${String(state.stepNumber).padStart(2, "0")}-${step.name}.log`);
  const base = state.worktree?.path ?? state.plan.checkout?.path ?? project.root;
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
    secrets: state.secrets,
    secretKeys: state.plan.secretKeys,
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
 * Undoes what this run did, and nothing else: `cleanup_on_failure` runs first
 * (each step bounded by its timeout, or a minute), then the undo stack is
 * popped. Every entry is attempted even when an earlier one fails; what was
 * undone and what was kept is logged and recorded as one `cleanup` event.
 */
async function rollBack(run: RunContext): Promise<void> {
  const { state, project, store, lifecycle } = run;
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
  const done = await popUndoStack(state.undo, { root: project.root, store, lifecycle, command: state.plan.command, runEventId: state.eventId });
  if (Object.keys(done).length > 0) {
    store.recordEvent({
      kind: "cleanup",
      status: "succeeded",
      command: state.plan.command,
      projectPath: project.root,
      metadata: { run_event_id: state.eventId, ...done },
    });
  }
}
