import { explicitBuiltins } from "../steps/builtins.ts";
import { planOperations, sessionBatch } from "./operations.ts";
import { isSecretKey, REDACTED, redactEnvironment, redactText } from "./redact.ts";
import type { RunPlan, StepSpec, WindowSpec } from "./types.ts";

/** Whether the run would make its worktree and session or find them already there. */
export interface PlannedActions {
  worktree: "create" | "reuse";
  session: "create" | "reuse";
}

/** The secret values of a plan, for scrubbing free text such as tmux scripts and step commands. */
export function secretValues(plan: RunPlan): string[] {
  const values = new Set<string>();
  const collect = (environment: Record<string, string>) => {
    for (const key of plan.secretKeys) if (environment[key] !== undefined) values.add(environment[key]!);
  };
  collect(plan.environment);
  for (const window of plan.session?.windows ?? []) {
    collect(window.environment);
    for (const pane of window.panes) {
      collect(pane.environment);
      collect(pane.shellValues ?? {});
    }
  }
  for (const steps of [...Object.values(plan.steps), ...Object.values(plan.onState ?? {})]) {
    for (const step of steps ?? []) if (step.kind === "inline") collect(step.shellValues ?? {});
  }
  // An argument is secret when its name is, or when it was templated into a secret value.
  const fromEnvironment = [...values];
  for (const [key, value] of Object.entries(plan.arguments)) {
    const feedsSecret = value.length >= 3 && fromEnvironment.some((secret) => secret.includes(value));
    if (plan.secretKeys.includes(key) || isSecretKey(key) || feedsSecret) values.add(value);
  }
  return [...values];
}

/** The command-line arguments with every secret value (see {@link secretValues}) shown as `***`. */
export function redactArguments(plan: RunPlan, secrets: string[] = secretValues(plan)): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(plan.arguments)) out[key] = secrets.includes(value) ? REDACTED : value;
  return out;
}

/**
 * The dry-run document (SPEC §6), with every secret redacted: sensitive variables by name, and a
 * secret value wherever it was templated into other text (a URL, a directory, a window name).
 */
export function planToJson(plan: RunPlan, actions: PlannedActions = { worktree: "create", session: "create" }) {
  const secrets = secretValues(plan);
  const text = (value: string) => redactText(value, secrets);
  const redact = (environment: Record<string, string>) => redactEnvironment(environment, plan.secretKeys, secrets);
  const step = (spec: StepSpec) => ({
    name: spec.name,
    kind: spec.kind,
    ...(spec.kind === "inline" ? { run: text(spec.run) } : {}),
    ...(spec.kind === "inline" && spec.shellValues ? { shell_values: redact(spec.shellValues) } : {}),
    ...(spec.kind === "script" ? { path: spec.path } : {}),
    ...(spec.kind !== "builtin" && spec.workingDirectory !== undefined ? { working_directory: text(spec.workingDirectory) } : {}),
    ...(spec.timeoutSeconds !== undefined ? { timeout_seconds: spec.timeoutSeconds } : {}),
  });
  const window = (spec: WindowSpec, index: number) => ({
    index,
    name: text(spec.name),
    working_directory: text(spec.workingDirectory),
    layout: spec.layout ?? null,
    focus: spec.focus,
    environment: redact(spec.environment),
    panes: spec.panes.map((pane) => ({
      command: pane.command === undefined ? null : text(pane.command),
      working_directory: text(pane.workingDirectory),
      environment: redact(pane.environment),
      ...(pane.shellValues ? { shell_values: redact(pane.shellValues) } : {}),
      focus: pane.focus,
    })),
  });
  return {
    command: plan.command,
    file: plan.commandFile,
    arguments: redactArguments(plan, secrets),
    project: plan.project,
    worktree: plan.worktree
      ? {
          path: text(plan.worktree.path),
          branch: text(plan.worktree.branch),
          base_branch: text(plan.worktree.baseBranch),
          copy_files: plan.worktree.copyFiles,
        }
      : null,
    session: plan.session
      ? {
          name: text(plan.session.name),
          working_directory: text(plan.session.workingDirectory),
          environment: redact(plan.session.environment),
          windows: plan.session.windows.map(window),
          auto_attach: plan.session.autoAttach,
          tags: { ...plan.session.identity, worktree: text(plan.session.identity.worktree) },
        }
      : null,
    environment: redact(plan.environment),
    steps: {
      pre: plan.steps.pre.map(step),
      pre_create: plan.steps.preCreate.map(step),
      post_create: plan.steps.postCreate.map(step),
      main: plan.steps.main.map(step),
      post: plan.steps.post.map(step),
      cleanup_on_failure: plan.steps.cleanupOnFailure.map(step),
      cleanup: plan.steps.cleanup.map(step),
    },
    timeout_seconds: plan.timeoutSeconds ?? null,
    tmux_operations: sessionBatch(plan, secrets),
    operations: planOperations(plan, actions, secrets),
  };
}

/** The dry run as text for a person. */
export function planToText(plan: RunPlan, actions?: PlannedActions): string {
  const doc = planToJson(plan, actions);
  const lines: string[] = [];
  lines.push(`Plan for \`prj run ${plan.command}\` (dry run: nothing was changed)`);
  lines.push(`  command file: ${plan.commandFile}`);
  const args = Object.entries(doc.arguments);
  if (args.length) lines.push(`  arguments:    ${args.map(([key, value]) => `${key}=${value}`).join(" ")}`);
  lines.push("");
  lines.push("Worktree:");
  if (doc.worktree) {
    lines.push(`  path:   ${doc.worktree.path}${actions?.worktree === "reuse" ? "  (exists: it would be reused)" : ""}`);
    lines.push(`  branch: ${doc.worktree.branch} (from ${doc.worktree.base_branch})`);
    if (doc.worktree.copy_files.length) lines.push(`  copy:   ${doc.worktree.copy_files.join(", ")}`);
  } else lines.push("  (none: runs in the project directory)");
  lines.push("");
  lines.push("Session:");
  if (doc.session) {
    lines.push(`  name:      ${doc.session.name}${actions?.session === "reuse" ? "  (live: it would be reused)" : ""}`);
    lines.push(`  directory: ${doc.session.working_directory}`);
    lines.push("  environment:");
    for (const [key, value] of Object.entries(doc.session.environment)) lines.push(`    ${key}=${value}`);
    lines.push("  windows:");
    for (const window of doc.session.windows) {
      const extras = [window.layout ? `layout ${window.layout}` : "", window.focus ? "focus" : ""].filter(Boolean).join(", ");
      lines.push(`    ${window.index}: ${window.name || "(unnamed)"}${extras ? ` [${extras}]` : ""}  ${window.working_directory}`);
      window.panes.forEach((pane, index) => {
        lines.push(`       pane ${index}: ${pane.command ?? "(shell)"}${pane.working_directory !== window.working_directory ? `  in ${pane.working_directory}` : ""}`);
        for (const [key, value] of Object.entries(pane.shell_values ?? {})) lines.push(`         with ${key}=${JSON.stringify(value)}`);
      });
    }
  } else lines.push("  (none)");
  lines.push("");
  lines.push("Steps, in order:");
  const explicit = explicitBuiltins(plan.steps);
  const phases: [string, { name: string; run?: string; shell_values?: Record<string, string> }[]][] = [
    ["pre_steps", doc.steps.pre],
    ["worktree", doc.worktree && !explicit.has("create-worktree") ? [{ name: "create-worktree" }] : []],
    ["session.pre_create_steps", doc.steps.pre_create],
    ["session", doc.session && !explicit.has("start-session") ? [{ name: "start-session" }] : []],
    ["session.post_create_steps", doc.steps.post_create],
    ["steps", doc.steps.main],
    ["post_steps", doc.steps.post],
  ];
  let number = 0;
  for (const [phase, steps] of phases) {
    for (const step of steps) {
      number += 1;
      lines.push(`  ${String(number).padStart(2)}. ${step.name}${step.run ? `: ${step.run}` : ""}  (${phase})`);
      for (const [key, value] of Object.entries(step.shell_values ?? {})) lines.push(`      with ${key}=${JSON.stringify(value)}`);
    }
  }
  if (number === 0) lines.push("  (none)");
  if (doc.steps.cleanup_on_failure.length) lines.push(`  on failure: ${doc.steps.cleanup_on_failure.map((step) => step.name).join(", ")}`);
  if (doc.tmux_operations.length) {
    lines.push("");
    lines.push("tmux operations (one client: tmux start-server \\; source-file -):");
    for (const line of doc.tmux_operations) lines.push(`  ${line}`);
  }
  return `${lines.join("\n")}\n`;
}
