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

/** A phase's key in `RunPlan.steps`, and its name in operations and documents. */
export type StepPhaseKey = "pre" | "preCreate" | "postCreate" | "main" | "post";
export const PHASE_NAMES: Record<StepPhaseKey, StepPhaseName> = { pre: "pre", preCreate: "pre_create", postCreate: "post_create", main: "main", post: "post" };

/** One thing a run does: a step (by its place in the plan, which a replan may re-render), the worktree, or the session. */
export type RunItem =
  | { item: "step"; phase: StepPhaseKey; index: number }
  /** `listedIn`: the phase the built-in is listed in, when it is (not at its default place). */
  | { item: "worktree"; listedIn?: StepPhaseKey }
  | { item: "session"; listedIn?: StepPhaseKey };

/**
 * The order a run goes in (SPEC §7): pre steps, the worktree, the session,
 * steps, post steps. Built-ins listed as steps run where listed, and the
 * session takes its own steps with it: `session.pre_create_steps` right
 * before it and `session.post_create_steps` right after, wherever
 * `start-session` stands, so they never run before the session exists.
 * The executor, the operations and the text dry run all follow this list.
 */
export function runOrder(plan: RunPlan): RunItem[] {
  const explicit = explicitBuiltins(plan.steps);
  const out: RunItem[] = [];
  const phase = (key: StepPhaseKey) => {
    plan.steps[key].forEach((step, index) => {
      if (step.kind !== "builtin") out.push({ item: "step", phase: key, index });
      else if (step.name === "create-worktree") out.push({ item: "worktree", listedIn: key });
      else if (step.name === "start-session") session(key);
    });
  };
  const session = (listedIn?: StepPhaseKey) => {
    phase("preCreate");
    if (plan.session) out.push(listedIn ? { item: "session", listedIn } : { item: "session" });
    phase("postCreate");
  };
  phase("pre");
  if (!plan.worktree || !explicit.has("create-worktree")) out.push({ item: "worktree" });
  if (!explicit.has("start-session")) session();
  phase("main");
  phase("post");
  return out;
}

/**
 * Every operation of a run that goes as planned, in the executor's order
 * ({@link runOrder}). Without a `worktree:` block the worktree operation is
 * the checkout the command acts for.
 */
export function planOperations(
  plan: RunPlan,
  observed: { worktree: "create" | "reuse"; session: "create" | "reuse" },
  secrets: readonly string[],
): Operation[] {
  return runOrder(plan).map((item) => {
    if (item.item === "worktree") return worktreeOperation(plan, plan.worktree ? observed.worktree : "checkout");
    if (item.item === "session") return sessionOperation(plan, observed.session, secrets);
    return stepOperation(PHASE_NAMES[item.phase], plan.steps[item.phase][item.index]!, secrets);
  });
}
