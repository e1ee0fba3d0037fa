import { resolve } from "node:path";
import type { CommandConfig, EnvMap, Pane, Settings, Step, Window } from "../config/schema.ts";
import { parseDuration } from "../config/defaults.ts";
import { ConfigError, closest, UsageError } from "../errors.ts";
import { buildSessionName, uniqueName } from "../naming.ts";
import { branchNameProblem } from "../git/refs.ts";
import { isBuiltinStep, BUILTIN_STEPS } from "../steps/builtins.ts";
import { renderTemplate, TemplateError } from "../template/render.ts";
import { renderShellCommand, ShellValues } from "../template/shell-values.ts";
import type { PaneSpec, RunPlan, SessionIdentity, StepSpec, WindowSpec } from "./types.ts";
import { isSecretKey } from "./redact.ts";
import { isCodeVariable } from "../template/shell-commands.ts";
import { layoutProblem } from "../tmux/layout.ts";
import { windowNameProblem } from "../tmux/window-name.ts";

/** Where a loaded command came from, so a template error can point at its line. */
export interface CommandSource {
  config: CommandConfig;
  /** Display path of the command file. */
  file: string;
  /** Line and column of the YAML node at a path (nearest ancestor when absent). */
  positionOf(path: (string | number)[]): { line: number; col: number };
}

/** A live session as far as naming is concerned. */
export interface ObservedSession {
  name: string;
  project: string;
  worktree: string;
  task: string;
}

/** What was read from the world before planning; the builder itself touches nothing. */
export interface Observations {
  /** Current branch of the main worktree (`HEAD` when detached). */
  currentBranch: string;
  /**
   * The worktree prj was run in: a linked worktree of the project, or the main
   * checkout (the default). A command without a `worktree:` block acts for it.
   */
  currentWorktree?: { path: string; branch: string };
  sessions: ObservedSession[];
  /** Custom steps found in `.prj/steps`, by name. */
  stepFiles: Record<string, string>;
  /** Files in `.prj/steps` that would be steps but lack the executable bit (and `.sh`), by name. */
  stepFilesNotExecutable?: Record<string, string>;
  /** Worktrees git knows, by branch; an existing one is reused wherever it is. */
  worktrees: { path: string; branch: string | undefined }[];
  /** The port block for a worktree path. */
  portFor(worktreePath: string): number;
  user: string;
  now: Date;
  terminalSize?: { columns: number; rows: number };
  /** The session-end recorder's file and parent-death tool, and the attention watcher's argv (see tmux/script.ts). */
  serverSetup?: { recordEndsTo?: string; parentDeathSignal?: string; watcher?: string[] };
}

export interface PlanInput {
  project: { name: string; path: string };
  settings: Settings;
  command: CommandSource;
  cliArguments: Record<string, string>;
  observed: Observations;
}

/** Where a worktree goes when the command does not say (SPEC §8); relative to the main checkout. */
export const DEFAULT_WORKTREE_PATH = "{{worktrees.base_path}}/{{project | slug | default('project')}}-{{branch | slug}}";

/** Variables computed by prj; an argument may not take one of these names. */
const RESERVED_VARIABLES = [
  "project", "project_path", "worktree", "worktree_path", "timestamp", "date", "user",
  "command", "session_name", "port",
];

/**
 * Builds the whole plan of a run from config and observations. Pure: it reads
 * no file and starts no process, so dry runs and tests see exactly what a real
 * run will do.
 */
export function buildRunPlan(input: PlanInput): RunPlan {
  const { settings, command, observed, project } = input;
  const config = command.config;
  const at = (path: (string | number)[]) => ({ file: command.file, ...command.positionOf(path), path: path.join(".") });

  const args = resolveArguments(config, input.cliArguments, at);
  const vars: Record<string, string | undefined> = {
    project: project.name,
    project_path: project.path,
    timestamp: observed.now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z"),
    date: observed.now.toISOString().slice(0, 10),
    user: observed.user,
    command: config.name,
    "worktrees.base_path": settings.worktrees.base_path,
    ...args,
  };
  const render: Render = (template, path, shell) => renderAt(template, vars, () => at(path), shell);

  // Worktree: its branch decides `branch`, `worktree` and the default paths.
  // Without a `worktree:` block, the command acts for the worktree prj was run in.
  const here = observed.currentWorktree ?? { path: project.path, branch: observed.currentBranch };
  let worktree: RunPlan["worktree"] = null;
  if (config.worktree) {
    const branch = render(config.worktree.branch, ["worktree", "branch"]);
    const problem = branchNameProblem(branch);
    if (problem) {
      const where = at(["worktree", "branch"]);
      throw new UsageError(
        `invalid branch name ${JSON.stringify(branch)} (${where.file}:${where.line} worktree.branch): ${problem}`,
        "git branch names may not contain spaces, '..', '~', '^', ':', '?', '*', '[', '\\' or '@{', nor start with '-' or '.'",
      );
    }
    vars.branch = branch;
    const pathTemplate = config.worktree.path ?? DEFAULT_WORKTREE_PATH;
    const planned = resolve(project.path, render(pathTemplate, ["worktree", "path"]));
    const path = observed.worktrees.find((each) => each.branch === branch)?.path ?? planned;
    worktree = {
      path,
      branch,
      baseBranch: config.worktree.base_branch
        ? render(config.worktree.base_branch, ["worktree", "base_branch"])
        : observed.currentBranch,
      // The project's list and the command's own both apply, project first.
      copyFiles: [...new Set([...settings.worktrees.copy_files, ...(config.worktree.copy_files ?? [])])],
    };
    vars.worktree_path = path;
  } else {
    vars.branch ??= here.branch;
    vars.worktree_path = here.path;
  }
  vars.worktree = worktree?.branch ?? here.branch;
  vars.task ??= config.session?.task ? render(config.session.task, ["session", "task"]) : settings.sessions.default_task;
  const worktreePath = worktree?.path ?? here.path;
  vars.port = String(observed.portFor(worktreePath));

  // The selected project environment; its name is the `env` variable.
  const session = config.session;
  let projectEnvironment: EnvMap = {};
  if (session?.environment) {
    const name = render(session.environment, ["session", "environment"]);
    const selected = settings.environments[name];
    if (!selected) {
      const known = Object.keys(settings.environments);
      throw new ConfigError(
        at(["session", "environment"]),
        `unknown project environment "${name}"`,
        known.length ? `defined in .prj/configs/project.yaml: ${known.join(", ")}` : "define it under `environments:` in .prj/configs/project.yaml",
      );
    }
    vars.env = name;
    if (session.inherit_project_env !== false) projectEnvironment = selected;
  }

  const secretKeys = new Set(config.secret_env ?? []);
  const environment: Record<string, string> = {};
  const addEnvironment = (map: EnvMap | undefined, path: (string | number)[]) =>
    Object.assign(environment, renderEnvironment(map, path, render, secretKeys, at));
  addEnvironment(projectEnvironment, []);
  addEnvironment(config.environment, ["environment"]);

  let sessionPlan: RunPlan["session"] = null;
  const identityWorktree = vars.worktree;
  if (session) {
    const task = vars.task!;
    const pattern = session.name_template ?? settings.sessions.naming_pattern;
    const rendered = render(pattern, session.name_template ? ["session", "name_template"] : ["session"]);
    const base = buildSessionName({ rendered, project: project.name, task, prefix: settings.defaults.tmux_session_prefix });
    const identity: SessionIdentity = { project: project.path, worktree: identityWorktree, task, command: config.name };
    const name = uniqueName(base, (candidate) => {
      const live = observed.sessions.find((each) => each.name === candidate);
      return live !== undefined && !sameIdentity(live, identity);
    });
    vars.session_name = name;

    addEnvironment(session.additional_env, ["session", "additional_env"]);
    const sessionDir = resolve(
      project.path,
      session.working_directory ? render(session.working_directory, ["session", "working_directory"]) : worktreePath,
    );
    Object.assign(environment, prjVariables(vars, project, worktreePath));
    const windows = (session.windows?.length ? session.windows : [{ name: settings.tmux.default_window_name }]).map(
      (window, index) => planWindow(window, ["session", "windows", index], sessionDir, render, secretKeys, at),
    );
    if (!windows.some((window) => window.focus) && windows[0]) windows[0].focus = true;
    sessionPlan = {
      name,
      workingDirectory: sessionDir,
      environment,
      windows,
      identity,
      shell: settings.defaults.shell,
      plainPanesUseShell: settings.defaults.shell_configured,
      tmuxConfig: settings.sessions.tmux_config ? resolve(project.path, settings.sessions.tmux_config) : undefined,
      size: observed.terminalSize,
      serverSetup: observed.serverSetup,
      autoAttach: session.auto_attach ?? settings.tmux.auto_attach,
    };
  } else {
    Object.assign(environment, prjVariables(vars, project, worktreePath));
  }

  const steps = (list: Step[] | undefined, path: (string | number)[]) =>
    (list ?? []).map((step, index) => planStep(step, [...path, index], observed, render, at, secretKeys));
  const phases = {
    pre: steps(config.pre_steps, ["pre_steps"]),
    preCreate: steps(session?.pre_create_steps, ["session", "pre_create_steps"]),
    postCreate: steps(session?.post_create_steps, ["session", "post_create_steps"]),
    main: steps(config.steps, ["steps"]),
    post: steps(config.post_steps, ["post_steps"]),
    cleanupOnFailure: steps(config.cleanup_on_failure, ["cleanup_on_failure"]),
    cleanup: steps(session?.cleanup_steps, ["session", "cleanup_steps"]),
  };
  checkBuiltinPlacement(config, at);
  const onState = session?.on_state
    ? Object.fromEntries(Object.entries(session.on_state).map(([state, list]) => [state, steps(list, ["session", "on_state", state])]))
    : undefined;

  return {
    command: config.name,
    commandFile: command.file,
    arguments: Object.fromEntries(Object.entries(args).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    project,
    worktree,
    checkout: worktree ? null : here,
    session: sessionPlan,
    steps: phases,
    ...(onState ? { onState } : {}),
    environment,
    secretKeys: [...secretKeys].sort(),
    timeoutSeconds: config.timeout === undefined ? undefined : parseDuration(config.timeout),
  };
}

function sameIdentity(live: ObservedSession, identity: SessionIdentity): boolean {
  return live.project === identity.project && live.worktree === identity.worktree && live.task === identity.task;
}

/** The argument every command accepts without declaring it: it sets `{{task}}`, and so the session's name. */
const TASK_ARGUMENT = "task";

/**
 * `key=value` arguments against the command's declared ones: unknown and
 * missing ones are usage errors, except `task=`, which every command takes.
 */
function resolveArguments(
  config: CommandConfig,
  given: Record<string, string>,
  at: (path: (string | number)[]) => { file: string; line: number; col: number; path: string },
): Record<string, string | undefined> {
  const declared = config.arguments ?? [];
  const names = declared.map((argument) => argument.name);
  declared.forEach((argument, index) => {
    if (RESERVED_VARIABLES.includes(argument.name)) {
      throw new ConfigError(at(["arguments", index, "name"]), `"${argument.name}" is a built-in template variable and cannot be an argument name`);
    }
  });
  for (const key of Object.keys(given)) {
    if (key === TASK_ARGUMENT && !names.includes(key)) continue;
    if (!names.includes(key)) {
      const suggestion = closest(key, names);
      throw new UsageError(
        `unknown argument "${key}" for command ${config.name}`,
        suggestion ? `did you mean ${suggestion}=…?` : names.length ? `its arguments: ${names.join(", ")}` : `${config.name} takes no arguments`,
      );
    }
  }
  const values: Record<string, string | undefined> = {};
  for (const argument of declared) {
    const value = given[argument.name] ?? (argument.default === undefined ? undefined : String(argument.default));
    if (value === undefined && argument.required) {
      throw new UsageError(
        `missing required argument "${argument.name}" for command ${config.name}`,
        `run \`prj run ${config.name} ${argument.name}=…\`${argument.description ? ` (${argument.description})` : ""}`,
      );
    }
    values[argument.name] = value;
  }
  // Every command takes `task=NAME` for naming its session (myapp-main-frontend), declared or not.
  const task = given[TASK_ARGUMENT];
  if (task !== undefined && !names.includes(TASK_ARGUMENT)) {
    if (task.trim() === "") throw new UsageError("task= needs a value", `e.g. \`prj run ${config.name} task=frontend\``);
    values[TASK_ARGUMENT] = task;
  }
  return values;
}

/** A shell command template: where it runs, and the values its substitutions collect. */
interface ShellTarget {
  /** Inline steps run in /bin/sh; window and pane commands in the user's shell, which may be fish. */
  kind: "step" | "pane";
  values: ShellValues;
  /** Rendered text that runs before this template in the same shell. */
  before?: string;
}

function renderAt(
  template: string,
  vars: Record<string, string | undefined>,
  // A thunk: finding a position may parse the YAML (config/cache.ts), so only an error asks.
  where: () => { file: string; line: number; col: number; path: string },
  shell?: ShellTarget,
): string {
  try {
    if (!shell) return renderTemplate(template, vars);
    return renderShellCommand(template, vars, {
      dialect: shell.kind === "step" ? "sh" : "any",
      values: shell.values,
      before: shell.before,
      hint: (variable) => shellHint(variable, shell.kind),
    });
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    // The YAML position is the scalar's, so say where inside it: in a script, or a long command line.
    const inside = template.includes("\n")
      ? ` (line ${error.line}, column ${error.column} of the text)`
      : shell
        ? ` (column ${error.column} of the text)`
        : "";
    throw new ConfigError(where(), `${error.reason}${inside}`, error.hint);
  }
}

/** The environment variables prj sets for its own template variables (SPEC §6, §7). */
const PRJ_ENVIRONMENT_NAMES: Record<string, string> = {
  project: "PRJ_PROJECT",
  project_path: "PRJ_PROJECT_PATH",
  worktree: "PRJ_WORKTREE",
  worktree_path: "PRJ_WORKTREE_PATH",
  branch: "PRJ_BRANCH",
  task: "PRJ_TASK",
  port: "PRJ_PORT",
  session_name: "PRJ_SESSION_NAME",
};

const COMPUTED_VARIABLES = new Set([...RESERVED_VARIABLES, "branch", "task", "env", "worktrees.base_path"]);

/** How a shell command can reach a value whose substitution was refused: a variable the shell already has, or one to add. */
function shellHint(variable: string, kind: "step" | "pane"): string {
  const known =
    PRJ_ENVIRONMENT_NAMES[variable] ??
    (kind === "step" && variable === "command" ? "PRJ_COMMAND" : undefined) ??
    (kind === "step" && !COMPUTED_VARIABLES.has(variable) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(variable) ? `PRJ_ARG_${variable.toUpperCase()}` : undefined);
  if (known) return `write "$${known}" there instead: the ${kind === "step" ? "step's" : "session's"} environment holds the value${kind === "step" && known.startsWith("PRJ_ARG_") ? " (without filters)" : ""}`;
  const name = variable.replace(/[^A-Za-z0-9_]/g, "_").toUpperCase();
  const owner = kind === "step" ? "the command's `environment:`" : "the window's `environment:`";
  return `add ${name}: "{{ ${variable} }}" to ${owner} and write "$${name}" there instead`;
}

function prjVariables(
  vars: Record<string, string | undefined>,
  project: { name: string; path: string },
  worktreePath: string,
): Record<string, string> {
  const out: Record<string, string> = {
    PRJ_PROJECT: project.name,
    PRJ_PROJECT_PATH: project.path,
    PRJ_WORKTREE: vars.worktree ?? "",
    PRJ_WORKTREE_PATH: worktreePath,
    PRJ_BRANCH: vars.branch ?? "",
    PRJ_TASK: vars.task ?? "",
    PRJ_PORT: vars.port ?? "",
  };
  if (vars.session_name) out.PRJ_SESSION_NAME = vars.session_name;
  return out;
}

type Render = (template: string, path: (string | number)[], shell?: ShellTarget) => string;

function planWindow(
  window: Window,
  path: (string | number)[],
  sessionDir: string,
  render: Render,
  secretKeys: Set<string>,
  at: (path: (string | number)[]) => { file: string; line: number; col: number; path: string },
): WindowSpec {
  const dir = window.working_directory ? resolve(sessionDir, render(window.working_directory, [...path, "working_directory"])) : sessionDir;
  const environment = renderEnvironment(window.environment, [...path, "environment"], render, secretKeys, at);
  const windowCommand = { command: window.command, path: [...path, "command"] };
  const panes: PaneSpec[] = (window.panes?.length ? window.panes : [undefined]).map((pane, index) =>
    planPane(pane, [...path, "panes", index], dir, windowCommand, render, secretKeys, at),
  );
  return {
    name: window.name ? checkedWindowName(render(window.name, [...path, "name"]), () => at([...path, "name"])) : "",
    ...(window.name === "" ? { emptyName: true } : {}),
    workingDirectory: dir,
    environment,
    // Checked here, after rendering: a value tmux 3.3a cannot parse kills its whole server (tmux/layout.ts).
    layout: window.layout ? checkedLayout(render(window.layout, [...path, "layout"]), panes.length, () => at([...path, "layout"])) : undefined,
    focus: window.focus ?? false,
    panes,
  };
}

function checkedWindowName(name: string, where: () => { file: string; line: number; col: number; path: string }): string {
  const problem = windowNameProblem(name);
  if (problem) throw new ConfigError(where(), problem, "window names are plain text on one line");
  return name;
}

/** The layout as given, or a ConfigError (exit 2) saying why tmux must not see it. The `-mirrored` presets are checked against the server later. */
function checkedLayout(value: string, panes: number, where: () => { file: string; line: number; col: number; path: string }): string {
  const problem = layoutProblem(value, { panes });
  if (problem) throw new ConfigError(where(), problem.problem, problem.hint);
  return value;
}

/**
 * A window's `command` runs in its only pane; when the window has `panes`, it
 * runs first in every pane (like tmuxp's `shell_command_before`).
 */
function planPane(
  pane: Pane | undefined,
  path: (string | number)[],
  windowDir: string,
  windowCommand: { command: string | string[] | undefined; path: (string | number)[] },
  render: Render,
  secretKeys: Set<string>,
  at: (path: (string | number)[]) => { file: string; line: number; col: number; path: string },
): PaneSpec {
  const spec = typeof pane === "string" ? { command: pane } : (pane ?? {});
  // The window's command and the pane's run as one script, so they share one set of values and
  // the pane's lines are checked knowing what the window's lines did before them.
  const values = new ShellValues();
  const lines = [
    ...commandLines(windowCommand.command, windowCommand.path),
    ...commandLines(spec.command, [...path, typeof pane === "string" ? [] : ["command"]].flat()),
  ];
  const command = commandText(lines, render, { kind: "pane", values });
  return {
    command: command === "" ? undefined : command,
    workingDirectory: spec.working_directory ? resolve(windowDir, render(spec.working_directory, [...path, "working_directory"])) : windowDir,
    environment: renderEnvironment(spec.environment, [...path, "environment"], render, secretKeys, at),
    focus: spec.focus ?? false,
    ...withShellValues(values, secretKeys),
  };
}

/** A `command` (a string, or a list run in order) as its lines, each with its YAML path. */
function commandLines(command: string | string[] | undefined, path: (string | number)[]): { text: string; path: (string | number)[] }[] {
  if (command === undefined) return [];
  if (typeof command === "string") return [{ text: command, path }];
  return command.map((text, index) => ({ text, path: [...path, index] }));
}

/**
 * The lines of a shell command rendered and joined with line breaks. Each substitution becomes a
 * reference to a variable in `shell.values` (template/shell-values.ts), checked against all the
 * text before it, earlier lines included.
 */
function commandText(lines: { text: string; path: (string | number)[] }[], render: Render, shell: ShellTarget): string {
  const rendered: string[] = [];
  for (const line of lines) {
    const before = rendered.length ? `${rendered.join("\n")}\n` : "";
    const text = render(line.text, line.path, { ...shell, before });
    if (text !== "") rendered.push(text);
  }
  return rendered.join("\n");
}

/**
 * The `shellValues` field of a step or pane. A value substituted from a sensitive variable is
 * sensitive under its new name too (its name carries the variable's, so the pattern usually
 * catches it; `secret_env` names are added here).
 */
function withShellValues(values: ShellValues, secretKeys: Set<string>): { shellValues?: Record<string, string> } {
  if (values.size === 0) return {};
  const record = values.toRecord();
  for (const name of Object.keys(record)) {
    const variable = values.variableOf(name) ?? "";
    if (secretKeys.has(variable) || isSecretKey(variable)) secretKeys.add(name);
  }
  return { shellValues: record };
}

function renderEnvironment(
  map: EnvMap | undefined,
  path: (string | number)[],
  render: Render,
  secretKeys: Set<string>,
  at: (path: (string | number)[]) => { file: string; line: number; col: number; path: string },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map ?? {})) {
    // A shell or program runs what these variables hold (PROMPT_COMMAND, BASH_ENV, LD_PRELOAD, …):
    // a substituted value there would run as code, so only literal values are allowed.
    if (isCodeVariable(key) && /(^|[^\\])\{\{/.test(String(value))) {
      throw new ConfigError(
        at([...path, key]),
        `${key} holds code for the shell or a program, so a substituted value may not go into it`,
        "write its value literally, or pass the value in another variable (PRJ_ARG_<NAME>) and use it from your own script",
      );
    }
    out[key] = render(String(value), [...path, key]);
    if (isSecretKey(key)) secretKeys.add(key);
  }
  return out;
}

function planStep(
  step: Step,
  path: (string | number)[],
  { stepFiles, stepFilesNotExecutable }: Pick<Observations, "stepFiles" | "stepFilesNotExecutable">,
  render: Render,
  at: (path: (string | number)[]) => { file: string; line: number; col: number; path: string },
  secretKeys: Set<string>,
): StepSpec {
  if (typeof step === "string") {
    // The schema allows dots in names; a name of only dots would be a directory, never a step.
    if (/^\.+$/.test(step)) throw new ConfigError(at(path), `step name ${JSON.stringify(step)} is not allowed`, "step names are file names in .prj/steps");
    if (isBuiltinStep(step)) return { kind: "builtin", name: step };
    const file = stepFiles[step];
    if (file) return { kind: "script", name: step, path: file };
    const unrunnable = stepFilesNotExecutable?.[step];
    if (unrunnable) {
      // The path as the user would type it from the project: `.prj/steps/NAME`.
      const shown = `.prj/steps/${unrunnable.split("/").pop()}`;
      throw new ConfigError(at(path), `step "${step}": ${shown} is not executable`, `chmod +x ${shown}, or name it ${step}.sh to run it with sh`);
    }
    const available = [...Object.keys(BUILTIN_STEPS), ...Object.keys(stepFiles)].sort();
    const suggestion = closest(step, available);
    throw new ConfigError(
      at(path),
      `unknown step "${step}"`,
      `${suggestion ? `did you mean ${suggestion}? ` : ""}available steps: ${available.join(", ")}; add your own as .prj/steps/${step} or .prj/steps/${step}.sh`,
    );
  }
  const index = path[path.length - 1];
  if (step.name !== undefined && /^\.+$/.test(step.name)) {
    throw new ConfigError(at([...path, "name"]), `step name ${JSON.stringify(step.name)} is not allowed`);
  }
  // Substituted values reach the step's shell through its environment, never as shell source.
  const values = new ShellValues();
  return {
    kind: "inline",
    name: step.name ?? `run-${index}`,
    run: render(step.run, [...path, "run"], { kind: "step", values }),
    timeoutSeconds: step.timeout === undefined ? undefined : parseDuration(step.timeout),
    workingDirectory: step.working_directory ? render(step.working_directory, [...path, "working_directory"]) : undefined,
    ...(step.continue_on_error ? { continueOnError: true } : {}),
    ...withShellValues(values, secretKeys),
  };
}

/** Where each phase stands in a run (SPEC §7); the worktree and session have their default places between them. */
const PHASE_ORDER: [string[], number][] = [
  [["pre_steps"], 0],
  [["session", "pre_create_steps"], 2],
  [["session", "post_create_steps"], 4],
  [["steps"], 5],
  [["post_steps"], 6],
];

/**
 * `create-worktree` and `start-session` may be listed once each, in the run's
 * phases, and only when the command has that block; the worktree must come
 * before the session, which is created inside it.
 */
function checkBuiltinPlacement(
  config: CommandConfig,
  at: (path: (string | number)[]) => { file: string; line: number; col: number; path: string },
): void {
  const placed = new Map<string, { order: number; index: number; path: (string | number)[] }>();
  const lists = (path: string[]): Step[] => {
    let node: unknown = config;
    for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
    return (node as Step[] | undefined) ?? [];
  };
  for (const [path, order] of PHASE_ORDER) {
    lists(path).forEach((step, index) => {
      if (typeof step !== "string" || !isBuiltinStep(step)) return;
      const where = () => at([...path, index]);
      if (placed.has(step)) throw new ConfigError(where(), `built-in step ${step} is listed twice`);
      // The session's own steps run right before and right after it, wherever it is listed (plan/operations.ts runOrder).
      if (step === "start-session" && path[0] === "session") {
        throw new ConfigError(
          where(),
          `start-session cannot be listed in ${path.join(".")}: those steps run around the session`,
          "list it in pre_steps, steps or post_steps; pre_create_steps run right before it and post_create_steps right after",
        );
      }
      if (step === "create-worktree" && !config.worktree) throw new ConfigError(where(), "create-worktree needs a `worktree:` block");
      if (step === "start-session" && !config.session) throw new ConfigError(where(), "start-session needs a `session:` block");
      placed.set(step, { order, index, path: [...path, index] });
    });
  }
  const stateLists = Object.keys(config.session?.on_state ?? {}).map((state) => ["session", "on_state", state]);
  for (const path of [["cleanup_on_failure"], ["session", "cleanup_steps"], ...stateLists]) {
    lists(path).forEach((step, index) => {
      if (typeof step === "string" && isBuiltinStep(step)) {
        throw new ConfigError(at([...path, index]), `built-in step ${step} cannot run in ${path.join(".")}`);
      }
    });
  }
  if (config.worktree && config.session) {
    const session = placed.get("start-session") ?? { order: 3, index: 0, path: [] };
    let worktree = placed.get("create-worktree") ?? { order: 1, index: 0, path: [] };
    // Listed among the session's own steps, the worktree goes with the session: just before it, or just after.
    if (worktree.order === 2) worktree = { ...worktree, order: session.order, index: session.index - 1 };
    else if (worktree.order === 4) worktree = { ...worktree, order: session.order, index: session.index + 1 };
    if (worktree.order > session.order || (worktree.order === session.order && worktree.index > session.index)) {
      const moved = placed.get("create-worktree") ?? session;
      throw new ConfigError(at(moved.path), "create-worktree must run before start-session: the session is created in the worktree");
    }
  }
}
