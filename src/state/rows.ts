// The shapes of the state database's rows and of what callers pass in to
// write them. Every table module and every caller takes its types from here.

export type EventKind =
  | "run"
  | "session.created"
  | "session.reused"
  | "session.killed"
  | "session.ended"
  | "session.adopted"
  /** `prj restore` recreated (or re-tagged) a session that went away with its server. */
  | "session.restored"
  | "worktree.created"
  | "worktree.removed"
  | "worktree.adopted"
  | "cleanup"
  | "error"
  /** `prj send` typed into a pane (the text redacted); `session.on_state` steps ran. */
  | "pane.sent"
  | "session.on_state";

export type EventStatus = "running" | "succeeded" | "failed" | "cancelled" | "interrupted";

/** How a session ended: killed by the user, by a cleanup, found gone from tmux, or undone after a failed run. */
export type SessionEndReason = "killed" | "cleanup" | "gone" | "rollback";

export interface EventRow {
  id: number;
  kind: EventKind;
  status: EventStatus;
  command: string | null;
  sessionName: string | null;
  worktree: string | null;
  projectPath: string;
  startedAt: string;
  endedAt: string | null;
  exitCode: number | null;
  error: string | null;
  metadata: Record<string, unknown> | null;
  pid: number | null;
}

export interface SessionRow {
  id: number;
  name: string;
  tmuxId: string | null;
  projectPath: string;
  worktree: string;
  worktreePath: string | null;
  task: string;
  command: string | null;
  workingDirectory: string;
  /** null is tmux's default server. */
  socket: string | null;
  createdAt: string;
  endedAt: string | null;
  endReason: SessionEndReason | null;
  eventId: number | null;
  /** What the run that created it planned for it; null for adopted sessions and old rows. */
  plan: RecordedSessionPlan | null;
}

/**
 * The session's part of a run plan, stored with its row. It holds no secret
 * value: arguments are redacted, and sensitive keys are named, not valued.
 */
export interface RecordedSessionPlan {
  command: string;
  /** `key=value` arguments of the run, secrets as `***`. */
  arguments: Record<string, string>;
  /**
   * `session.cleanup_steps` as the run rendered them (templates filled with
   * the run's values). A value that was secret is not stored: the step gets
   * it from the session's environment at kill time (see `secretShellValues`).
   */
  cleanupSteps: RecordedStep[];
  /** Environment keys whose values are secret or contain a secret. */
  secretKeys: string[];
  worktreePath: string | null;
  branch: string | null;
  port: number | null;
  /** The directory steps ran in (the worktree, or the project root). */
  stepDirectory: string;
  /** The run's PRJ_* variables, for cleanup steps. */
  variables: Record<string, string>;
  /**
   * `session.on_state` as the run rendered it: steps by the state a pane enters
   * (docs/attention.md), run by the attention watcher, which reads no YAML.
   * Absent for sessions recorded before it existed.
   */
  onState?: Partial<Record<string, RecordedStep[]>>;
}

/** A rendered step, as plain data (src/plan/types.ts StepSpec, with no secret value in it). */
export type RecordedStep = Record<string, unknown> & { kind: string; name: string };

export interface WorktreeRow {
  id: number;
  projectPath: string;
  path: string;
  branch: string;
  port: number;
  createdAt: string;
  removedAt: string | null;
}

export interface StartEventInput {
  kind: EventKind;
  command?: string | null;
  sessionName?: string | null;
  worktree?: string | null;
  projectPath: string;
  /** Stored as JSON. Redact secrets before passing it in. */
  metadata?: object | null;
  /** Defaults to `running`. */
  status?: EventStatus;
  /** The prj process that will finish the event; defaults to this process. */
  pid?: number | null;
  startedAt?: string;
}

export interface FinishEventInput {
  status: Exclude<EventStatus, "running">;
  /** The session the event turned out to use (a run's name may have needed a suffix). */
  sessionName?: string | null;
  /** Replaces the event's metadata when given. Redact secrets before passing it in. */
  metadata?: object | null;
  exitCode?: number | null;
  error?: string | null;
  endedAt?: string;
}

export interface RecordEventInput extends Omit<StartEventInput, "status"> {
  status: EventStatus;
  endedAt?: string | null;
  exitCode?: number | null;
  error?: string | null;
}

export interface ListEventsInput {
  projectPath: string;
  limit?: number;
  status?: EventStatus;
  command?: string;
}

export interface InsertSessionInput {
  name: string;
  tmuxId?: string | null;
  projectPath: string;
  worktree: string;
  worktreePath?: string | null;
  task: string;
  command?: string | null;
  workingDirectory: string;
  /** The tmux socket name or path; null, undefined or "" mean tmux's default server. */
  socket?: string | null;
  createdAt?: string;
  eventId?: number | null;
  plan?: RecordedSessionPlan | null;
}

export interface SaveWorktreeInput {
  projectPath: string;
  path: string;
  branch: string;
  /** Decided by src/worktrees/ports.ts. */
  port: number;
}

export interface InsertSampleInput {
  sessionName: string;
  processes: number | null;
  cpuPercent: number | null;
  rssBytes: number | null;
  takenAt?: string;
}
