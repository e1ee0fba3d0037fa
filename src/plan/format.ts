import { planOperations, runOrder, sessionBatch } from "./operations.ts";
import { isSecretKey, REDACTED, redactEnvironment, redactText } from "./redact.ts";
import type { RunPlan, StepSpec, WindowSpec } from "./types.ts";

/** Whether the run would make its worktree and session or find them already there. */
export interface PlannedActions {
  worktree: "create" | "reuse";
  session: "create" | "reuse";
  /**
   * Where a new worktree's branch comes from: it exists already, it is made from
   * the base, or from a base that does not exist yet and pre_steps must make (a fetch).
   */
  branch?: "existing" | "new" | "awaited";
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
      // session.on_state, by state: run by the attention watcher when a pane enters it (docs/attention.md).
      ...(plan.onState ? { on_state: Object.fromEntries(Object.entries(plan.onState).map(([state, steps]) => [state, (steps ?? []).map(step)])) } : {}),
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
    lines.push(`  branch: ${doc.worktree.branch} (${branchOrigin(doc.worktree.base_branch, actions)})`);
    if (doc.worktree.copy_files.length) lines.push(`  copy:   ${doc.worktree.copy_files.join(", ")}`);
  } else lines.push("  (none: runs in the project directory)");
  lines.push("");
  lines.push("Session:");
  if (doc.session) {
    lines.push(`  name:      ${doc.session.name}${actions?.session === "reuse" ? "  (live: it would be reused, and nothing in it changed)" : ""}`);
    lines.push(`  directory: ${doc.session.working_directory}`);
    lines.push("  environment:");
    for (const [key, value] of Object.entries(doc.session.environment)) lines.push(`    ${key}=${value}`);
    lines.push("  windows:");
    for (const window of doc.session.windows) {
      const extras = [window.layout ? `layout ${window.layout}` : "", window.focus ? "focus" : ""].filter(Boolean).join(", ");
      lines.push(`    ${window.index}: ${window.name || "(unnamed)"}${extras ? ` [${extras}]` : ""}  ${window.working_directory}`);
      window.panes.forEach((pane, index) => {
        const label = `       pane ${index}: `;
        const where = pane.working_directory !== window.working_directory ? `  in ${pane.working_directory}` : "";
        lines.push(...hanging(label, `${pane.command ?? "(shell)"}`, where));
        for (const [key, value] of Object.entries(pane.shell_values ?? {})) lines.push(`         with ${key}=${JSON.stringify(value)}`);
      });
    }
  } else lines.push("  (none)");
  lines.push("");
  lines.push("Steps, in order:");
  const phaseLabel = { pre: "pre_steps", preCreate: "session.pre_create_steps", postCreate: "session.post_create_steps", main: "steps", post: "post_steps" } as const;
  const phaseDoc = { pre: doc.steps.pre, preCreate: doc.steps.pre_create, postCreate: doc.steps.post_create, main: doc.steps.main, post: doc.steps.post } as const;
  let number = 0;
  for (const item of runOrder(plan)) {
    if (item.item === "worktree" && !doc.worktree) continue;
    number += 1;
    const label = `  ${String(number).padStart(2)}. `;
    // A built-in at its default place is labelled with what it makes; listed as a step, with where it is listed.
    if (item.item === "worktree") {
      lines.push(`${label}create-worktree  (${item.listedIn ? phaseLabel[item.listedIn] : "worktree"}${actions?.worktree === "reuse" ? ": it exists and would be reused" : ""})`);
    } else if (item.item === "session") {
      lines.push(`${label}start-session  (${item.listedIn ? phaseLabel[item.listedIn] : "session"}${actions?.session === "reuse" ? ": it is live and would be reused" : ""})`);
    }
    else lines.push(...stepLines(label, phaseDoc[item.phase][item.index]!, phaseLabel[item.phase]));
  }
  if (number === 0) lines.push("  (none)");
  if (doc.steps.cleanup_on_failure.length) {
    lines.push("", "If the run fails (cleanup_on_failure, then the rollback):");
    for (const step of doc.steps.cleanup_on_failure) lines.push(...stepLines("    ", step));
  }
  if (doc.steps.cleanup.length) {
    lines.push("", "When the session is killed through prj (session.cleanup_steps, as rendered now):");
    for (const step of doc.steps.cleanup) lines.push(...stepLines("    ", step));
  }
  for (const [state, steps] of Object.entries(doc.steps.on_state ?? {})) {
    if (!steps.length) continue;
    lines.push("", `When a pane of the session becomes ${state} (session.on_state.${state}):`);
    for (const step of steps) lines.push(...stepLines("    ", step));
  }
  if (doc.tmux_operations.length) {
    lines.push("");
    lines.push("tmux operations (one client: tmux start-server \\; source-file -):");
    for (const line of doc.tmux_operations) lines.push(`  ${line}`);
  }
  return `${lines.join("\n")}\n`;
}

/** `new, from main`, `exists`, or a base pre_steps must make first (review-pr's fetched head). */
function branchOrigin(base: string, actions: PlannedActions | undefined): string {
  if (actions?.worktree === "reuse") return "checked out there";
  if (actions?.branch === "existing") return "exists; checked out into the new worktree";
  if (actions?.branch === "awaited") return `new, from ${base}, which does not exist yet: pre_steps must make it`;
  return `new, from ${base}`;
}

/**
 * One step: `name: command  (phase)` on one line, or, for a command of several
 * lines, `name  (phase)` with the command below, every line indented alike.
 */
function stepLines(label: string, step: { name: string; kind: string; run?: string; path?: string; shell_values?: Record<string, string> }, phase?: string): string[] {
  const where = phase ? `  (${phase})` : "";
  const command = step.run ?? (step.kind === "script" && step.path ? step.path : undefined);
  const out: string[] = [];
  if (command === undefined) out.push(`${label}${step.name}${where}`);
  else if (!command.trimEnd().includes("\n")) out.push(`${label}${step.name}: ${command.trim()}${where}`);
  else {
    out.push(`${label}${step.name}${where}`);
    const indent = " ".repeat(label.length + 2);
    for (const line of command.trimEnd().split("\n")) out.push(line ? `${indent}${line}` : "");
  }
  for (const [key, value] of Object.entries(step.shell_values ?? {})) out.push(`${" ".repeat(label.length + 2)}with ${key}=${JSON.stringify(value)}`);
  return out;
}

/** `label` then `text`; the lines after the first of a multi-line text are indented under its start. */
function hanging(label: string, text: string, suffix = ""): string[] {
  const [first = "", ...rest] = text.trimEnd().split("\n");
  return [`${label}${first}${rest.length ? "" : suffix}`, ...rest.map((line) => (line ? `${" ".repeat(label.length)}${line}` : "")), ...(rest.length && suffix ? [`${" ".repeat(label.length)}${suffix.trim()}`] : [])];
}
