import type { StepPhases } from "../plan/types.ts";

/**
 * Built-in step names. `create-worktree` and `start-session` are the run's own
 * phases; listing them as steps moves them to that point of the run.
 */
export const BUILTIN_STEPS: Record<string, string> = {
  "create-worktree": "create or reuse the command's worktree (normally before pre_create_steps)",
  "start-session": "create or reuse the command's tmux session (normally after pre_create_steps)",
};

export function isBuiltinStep(name: string): boolean {
  return Object.hasOwn(BUILTIN_STEPS, name);
}

/** The built-in steps a plan lists explicitly: they run where listed, not at their default place. */
export function explicitBuiltins(phases: StepPhases): Set<string> {
  return new Set(
    [...phases.pre, ...phases.preCreate, ...phases.postCreate, ...phases.main, ...phases.post]
      .filter((step) => step.kind === "builtin")
      .map((step) => step.name),
  );
}
