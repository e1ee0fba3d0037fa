/**
 * The session's part of a run plan, as it is stored with the session's row
 * (SPEC §6, DESIGN "Record"). Kill, session-info, freeze and cleanup read it
 * instead of the command file, which may have changed, broken or gone since.
 * Pure: it turns a plan into plain data and holds no secret value.
 */
import type { RecordedSessionPlan, RecordedStep } from "../state/rows.ts";
import { redactArguments, secretValues } from "./format.ts";
import { isSecretKey, REDACTED, redactText } from "./redact.ts";
import type { RunPlan, StepSpec } from "./types.ts";

export function recordedSessionPlan(plan: RunPlan, stepDirectory: string): RecordedSessionPlan {
  const secrets = secretValues(plan);
  return {
    command: plan.command,
    arguments: redactArguments(plan, secrets),
    cleanupSteps: plan.steps.cleanup.map((step) => recordedStep(step, secrets)),
    secretKeys: sensitiveKeys(plan, secrets),
    worktreePath: plan.worktree?.path ?? null,
    branch: plan.environment.PRJ_BRANCH ?? plan.worktree?.branch ?? null,
    port: plan.environment.PRJ_PORT ? Number(plan.environment.PRJ_PORT) : null,
    stepDirectory,
    variables: Object.fromEntries(Object.entries(plan.environment).filter(([key]) => key.startsWith("PRJ_"))),
    ...(plan.onState
      ? { onState: Object.fromEntries(Object.entries(plan.onState).map(([state, steps]) => [state, (steps ?? []).map((step) => recordedStep(step, secrets))])) }
      : {}),
  };
}

/**
 * A step as data with every secret value taken out. A step that carried one
 * is marked `secretsWithheld`: at kill time it cannot get the value back, and
 * it says so rather than run with a placeholder.
 */
function recordedStep(step: StepSpec, secrets: readonly string[]): RecordedStep {
  let withheld = false;
  // Field by field: JSON escapes `"` and `\`, so a secret holding one would not match inside the JSON text.
  const out = JSON.parse(JSON.stringify(step), (_key, value: unknown) => {
    if (typeof value !== "string") return value;
    const redacted = redactText(value, secrets);
    if (redacted !== value) withheld = true;
    return redacted;
  }) as RecordedStep;
  if (withheld) out.secretsWithheld = true;
  return out;
}

/**
 * Every environment key of the run whose value is secret by name, listed in
 * `secret_env`, or holds a secret value inside it (`DATABASE_URL` built from
 * `{{db_password}}`): session-info hides these whatever the command file says later.
 */
function sensitiveKeys(plan: RunPlan, secrets: readonly string[]): string[] {
  const keys = new Set(plan.secretKeys);
  const visit = (environment: Record<string, string>) => {
    for (const [key, value] of Object.entries(environment)) {
      if (isSecretKey(key) || (value !== REDACTED && redactText(value, secrets) !== value)) keys.add(key);
    }
  };
  visit(plan.environment);
  visit(plan.session?.environment ?? {});
  for (const window of plan.session?.windows ?? []) {
    visit(window.environment);
    for (const pane of window.panes) visit(pane.environment);
  }
  return [...keys].sort();
}
