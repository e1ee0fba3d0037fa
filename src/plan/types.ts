/**
 * A plan is plain, JSON-serialisable data: everything `prj run` will do,
 * decided before anything is changed. `--dry-run` prints it; the executor runs it.
 */

export interface PaneSpec {
  /** Shell text run in the pane before it becomes an interactive shell; none means a plain shell. */
  command?: string;
  workingDirectory: string;
  environment: Record<string, string>;
  focus: boolean;
  /**
   * The values substituted into `command`, by the environment variable `command` refers to them
   * with (template/shell-values.ts). The pane's processes get them in their environment.
   */
  shellValues?: Record<string, string>;
}

export interface WindowSpec {
  /** "" lets tmux name the window after its program, unless `emptyName` asks for a window named "". */
  name: string;
  emptyName?: boolean;
  workingDirectory: string;
  environment: Record<string, string>;
  layout?: string;
  focus: boolean;
  /** Always at least one pane: the window's first pane is panes[0]. */
  panes: PaneSpec[];
}

/** Who a session belongs to; stored as tmux user options so reuse can be decided from tmux alone. */
export interface SessionIdentity {
  project: string;
  worktree: string;
  task: string;
  command: string;
}

export interface SessionSpec {
  name: string;
  workingDirectory: string;
  environment: Record<string, string>;
  windows: WindowSpec[];
  identity: SessionIdentity;
  /** The interactive shell commands are run in and fall back to. */
  shell: string;
  /** Plain panes (no command) start `shell` as a login shell, instead of tmux's default-shell. */
  plainPanesUseShell?: boolean;
  /** Absolute path of a tmux config to source into the new session, when it exists. */
  tmuxConfig?: string;
  size?: { columns: number; rows: number };
  /**
   * What the batch also sets up on the server: the session-end recorder
   * (`endRecorderCommands` in tmux/script.ts). Part of the plan so the dry run
   * shows the batch exactly as it is sent.
   */
  serverSetup?: { recordEndsTo?: string; parentDeathSignal?: string; watcher?: string[] };
}

export type StepSpec =
  | { kind: "builtin"; name: string; timeoutSeconds?: number }
  | { kind: "script"; name: string; path: string; timeoutSeconds?: number; workingDirectory?: string }
  | {
      kind: "inline";
      name: string;
      /** Shell text for /bin/sh; substituted values are references to `shellValues`, never the values themselves. */
      run: string;
      timeoutSeconds?: number;
      workingDirectory?: string;
      /** The values substituted into `run`, by environment variable name; the step's process gets them. */
      shellValues?: Record<string, string>;
      /** A failure (not a cancel or the run's timeout) is logged as a warning and the run goes on. */
      continueOnError?: boolean;
    };

export interface StepPhases {
  pre: StepSpec[];
  preCreate: StepSpec[];
  postCreate: StepSpec[];
  main: StepSpec[];
  post: StepSpec[];
  cleanupOnFailure: StepSpec[];
  cleanup: StepSpec[];
}

export interface WorktreeSpec {
  path: string;
  branch: string;
  baseBranch: string;
  copyFiles: string[];
}

export interface RunPlan {
  command: string;
  commandFile: string;
  arguments: Record<string, string>;
  project: { name: string; path: string };
  worktree: WorktreeSpec | null;
  /** Without a `worktree:` block, the worktree the command acts for: the one prj was run in (a linked one, or the main checkout). */
  checkout: { path: string; branch: string } | null;
  session: (SessionSpec & { autoAttach: boolean }) | null;
  steps: StepPhases;
  /** `session.on_state`, rendered: steps by the state a pane enters (run by the attention watcher). */
  onState?: Partial<Record<string, StepSpec[]>>;
  /** Environment given to steps. */
  environment: Record<string, string>;
  /** Keys whose values are never shown. */
  secretKeys: string[];
  timeoutSeconds?: number;
}
