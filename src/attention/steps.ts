/**
 * `session.on_state` steps, run by the watcher when a pane enters a state,
 * from the session's recorded plan (the command file is never read again).
 * They run like cleanup steps: the run's PRJ_* variables and the session's
 * environment, secrets masked in their output, a log per step under
 * `.prj/artifacts/<event id>/`, and one `session.on_state` event each time.
 */
import { resolve } from "node:path";
import { isSecretKey, redactText } from "../plan/redact.ts";
import type { StepSpec } from "../plan/types.ts";
import { projectPaths } from "../paths.ts";
import type { StateStore } from "../state/db.ts";
import type { RecordedSessionPlan } from "../state/rows.ts";
import { runStepProcess } from "../steps/runner.ts";
import type { TmuxManager } from "../tmux/manager.ts";
import { sessionLog } from "../ui/session-log.ts";
import type { PaneRow } from "./panes.ts";
import type { StateChange } from "./record.ts";

/** A step without its own `timeout` may take this long; the watcher never waits for it. */
const DEFAULT_STEP_TIMEOUT_SECONDS = 60;

export interface StateStepsRun {
  tmux: TmuxManager;
  store: StateStore;
  project: string;
  plan: RecordedSessionPlan;
  row: PaneRow;
  change: StateChange;
}

/** Runs the steps for the state `change` entered, one after another; a failing step is recorded and the rest still run. */
export async function runStateSteps(run: StateStepsRun): Promise<void> {
  const { plan, row, change, store } = run;
  const steps = plan.onState?.[change.state] ?? [];
  if (steps.length === 0) return;
  const environment = (await run.tmux.getSessionInfo(row.sessionName))?.environment ?? {};
  const secretKeys = new Set(plan.secretKeys);
  const secrets = Object.entries(environment)
    .filter(([key]) => isSecretKey(key) || secretKeys.has(key))
    .map(([, value]) => value);
  const variables: Record<string, string> = {
    ...plan.variables,
    PRJ_SESSION_NAME: row.sessionName,
    PRJ_PROJECT_PATH: run.project,
    PRJ_PANE: row.paneId,
    PRJ_WINDOW: `${row.sessionName}:${row.windowIndex}`,
    PRJ_STATE: change.state,
    PRJ_PREVIOUS_STATE: change.previous ?? "",
    PRJ_STATE_MESSAGE: redactText(change.message ?? "", secrets),
    PRJ_STATE_STATUS: change.exitStatus === undefined ? "" : String(change.exitStatus),
    PRJ_COMMAND: plan.command,
  };
  const eventId = store.startEvent({
    kind: "session.on_state",
    command: plan.command,
    sessionName: row.sessionName,
    projectPath: run.project,
    metadata: { pane: row.paneId, state: change.state, message: variables.PRJ_STATE_MESSAGE, steps: steps.map((step) => step.name) },
  });
  const failures: string[] = [];
  for (const [index, recorded] of steps.entries()) {
    const step = recorded as unknown as StepSpec;
    if (recorded.secretsWithheld) {
      failures.push(`${step.name}: rendered with a secret value, which prj does not store (pass it through the session environment)`);
      continue;
    }
    try {
      await runStepProcess(step, {
        cwd: step.kind !== "builtin" && step.workingDirectory ? resolve(plan.stepDirectory, step.workingDirectory) : plan.stepDirectory,
        env: { ...(process.env as Record<string, string>), ...environment, ...variables },
        logFile: `${projectPaths(run.project).artifacts}/${eventId}/${String(index + 1).padStart(2, "0")}-${step.name}.log`,
        deadline: Date.now() + (step.timeoutSeconds ?? DEFAULT_STEP_TIMEOUT_SECONDS) * 1000,
        signal: new AbortController().signal,
        redact: (text) => redactText(text, secrets),
        secrets,
        secretKeys: [...secretKeys],
      });
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  store.finishEvent(eventId, {
    status: failures.length ? "failed" : "succeeded",
    exitCode: failures.length ? 1 : 0,
    error: failures.length ? failures.join("; ") : null,
  });
  if (failures.length) sessionLog("error", { session: row.sessionName, project: run.project, event: eventId, error: `on_state ${change.state}: ${failures.join("; ")}` });
}
