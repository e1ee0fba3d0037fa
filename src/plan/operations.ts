/**
 * A run as an ordered list of operations, plain data: what `--dry-run` shows
 * and what a real run records it executed (the run event's `operations`), so
 * the two can be compared. Both sides build each operation with the same
 * functions below; secrets are redacted in every one.
 */
import { explicitBuiltins } from "../steps/builtins.ts";
import { tmuxCommandLine } from "../tmux/quote.ts";
import { sessionCreationCommands } from "../tmux/script.ts";
import { redactSessionSpec, redactText } from "./redact.ts";
import type { RunPlan, StepSpec } from "./types.ts";

export type StepPhaseName = "pre" | "pre_create" | "post_create" | "main" | "post";

export type Operation =
  | { op: "step"; phase: StepPhaseName; name: string; kind: string; run?: string; path?: string }
  | { op: "worktree"; action: "create" | "reuse" | "checkout"; path: string; branch: string; base_branch?: string; port: number | null }
  | {
      op: "session";
      action: "create" | "reuse";
      name: string;
      /** How the name came about; only a `-2`, `-3` suffix is left to run time, under the lock. */
      naming: { rule: string; name: string };
      /** The one tmux client's batch (server setup included), for a session that is created. */
      tmux?: string[];
    };

const NAMING_RULE =
  "reuse a live session of this name with the same project, worktree and task; otherwise add -2, -3, … until the name is free";

export function stepOperation(phase: StepPhaseName, step: StepSpec, secrets: readonly string[]): Operation {
  return {
    op: "step",
    phase,
    name: step.name,
    kind: step.kind,
    ...(step.kind === "inline" ? { run: redactText(step.run, secrets) } : {}),
    ...(step.kind === "script" ? { path: step.path } : {}),
  };
}

export function worktreeOperation(plan: RunPlan, action: "create" | "reuse" | "checkout", checkout?: { path: string; branch: string }): Operation {
  const port = plan.environment.PRJ_PORT ? Number(plan.environment.PRJ_PORT) : null;
  if (action === "checkout" || !plan.worktree) {
    const here = checkout ?? plan.checkout;
    return { op: "worktree", action: "checkout", path: here?.path ?? plan.project.path, branch: here?.branch ?? plan.environment.PRJ_BRANCH ?? "", port };
  }
  return { op: "worktree", action, path: plan.worktree.path, branch: plan.worktree.branch, base_branch: plan.worktree.baseBranch, port };
}

export function sessionOperation(plan: RunPlan, action: "create" | "reuse", secrets: readonly string[]): Operation {
  const session = plan.session!;
  return {
    op: "session",
    action,
    name: session.name,
    naming: { rule: NAMING_RULE, name: session.name },
    ...(action === "create" ? { tmux: sessionBatch(plan, secrets) } : {}),
  };
}

/**
 * The tmux command lines a session is created with, exactly as the one tmux
 * client gets them (server setup included), secrets redacted.
 */
export function sessionBatch(plan: RunPlan, secrets: readonly string[]): string[] {
  if (!plan.session) return [];
  const redacted = redactSessionSpec(plan.session, plan.secretKeys, secrets);
  return sessionCreationCommands(redacted, plan.session.serverSetup ?? {}).map((command) => redactText(tmuxCommandLine(command), secrets));
}

/**
 * Every operation of a run that goes as planned, in the executor's order
 * (SPEC §7): pre steps, the worktree, pre-create steps, the session,
 * post-create steps, steps, post steps; built-ins listed as steps run where listed.
 */
export function planOperations(
  plan: RunPlan,
  observed: { worktree: "create" | "reuse"; session: "create" | "reuse" },
  secrets: readonly string[],
): Operation[] {
  const explicit = explicitBuiltins(plan.steps);
  const out: Operation[] = [];
  const worktree = () => out.push(worktreeOperation(plan, observed.worktree));
  const session = () => out.push(sessionOperation(plan, observed.session, secrets));
  const phase = (name: StepPhaseName, steps: StepSpec[]) => {
    for (const step of steps) {
      if (step.kind === "builtin") {
        if (step.name === "create-worktree") worktree();
        else if (step.name === "start-session") session();
      } else out.push(stepOperation(name, step, secrets));
    }
  };
  phase("pre", plan.steps.pre);
  if (plan.worktree && !explicit.has("create-worktree")) worktree();
  else if (!plan.worktree) out.push(worktreeOperation(plan, "checkout"));
  phase("pre_create", plan.steps.preCreate);
  if (plan.session && !explicit.has("start-session")) session();
  phase("post_create", plan.steps.postCreate);
  phase("main", plan.steps.main);
  phase("post", plan.steps.post);
  return out;
}
