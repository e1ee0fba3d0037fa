import { statSync } from "node:fs";
import { noSessionError, PrjError, StateError } from "../errors.ts";
import type { SessionSpec } from "../plan/types.ts";
import type { RecordedSessionPlan, SessionEndReason, SessionRow, StateStore } from "../state/db.ts";
import { SessionNameTakenError, type TmuxManager, type TmuxSession } from "../tmux/manager.ts";
import { log } from "../ui/log.ts";
import { sessionLog } from "../ui/session-log.ts";
import { endProcesses, processesOfPanes, readProcesses, type TerminationReport } from "./terminate.ts";
import { sessionTarget } from "../tmux/script.ts";
import type { EndTimeSource } from "./ends.ts";
import { recordVanishedSession } from "./reconcile.ts";
import { recordSessionEnd } from "./record-end.ts";

export interface SessionOutcome {
  name: string;
  created: boolean;
  tmuxId: string;
  sessionRowId: number;
  /** For a reused session: the command that created it (its `@prj_command` tag). */
  createdBy?: string;
}

export interface CreateSessionRequest {
  /** Builds the session from what is live right now; naming depends on it. */
  specFor(live: TmuxSession[]): SessionSpec;
  eventId?: number;
  worktreePath?: string;
  /** Scrubs secrets from text that reaches logs. */
  redact(text: string): string;
  /** The session's part of the plan, stored with its row (see plan/record.ts). */
  recordFor?(spec: SessionSpec): RecordedSessionPlan;
  /** More to record in the same write transaction once the session is recorded; if it fails, so does the creation. */
  alsoRecord?(outcome: SessionOutcome): void;
}

/**
 * Creates or reuses sessions and keeps the database in step with tmux.
 * Creation runs under the database's write lock, so two `prj run`s racing for
 * the same identity see each other: the second finds the first's session and
 * reuses it.
 */
export class SessionLifecycleManager {
  constructor(
    private readonly tmux: TmuxManager,
    private readonly store: StateStore,
    private readonly projectPath: string,
  ) {}

  async createSessionWithEnvironment(request: CreateSessionRequest): Promise<SessionOutcome> {
    return this.store.immediateAsync(async () => {
      // One tmux client in the common case: name the session as if the name
      // were free and send the whole batch. When the name is taken, new-session
      // (first in the batch) fails and tmux runs nothing after it; only then
      // are the live sessions read, to reuse a session of this identity or to
      // pick a -2 suffix. tmux decides atomically whether the name is free, and
      // the write lock held here makes a racing prj wait until this run has
      // recorded its session, so it finds and reuses it.
      const guess = request.specFor([]);
      if (directoriesExist(guess)) {
        try {
          const tmuxId = await this.tmux.createSession(guess, request.redact);
          return await this.recordCreated(guess, tmuxId, request);
        } catch (error) {
          if (!(error instanceof SessionNameTakenError)) throw error;
          log.debug(`session name ${guess.name} is in use; reading the live sessions`);
        }
      }
      const live = await this.tmux.listSessions();
      const spec = request.specFor(live);
      const existing = live.find((session) => session.name === spec.name);
      if (existing) {
        const row = this.store.findLiveSession(spec.name, this.socketKey());
        const sessionRowId = row?.id ?? this.recordSession(spec, existing.id, request, existing.createdAt);
        log.debug(`reusing session ${spec.name} (${existing.id})`);
        this.recordLifecycle("session.reused", spec, { tmux_id: existing.id, run_event_id: request.eventId });
        const reused = { name: spec.name, created: false, tmuxId: existing.id, sessionRowId, createdBy: existing.command || undefined };
        request.alsoRecord?.(reused);
        return reused;
      }
      // tmux silently falls back to $HOME for a missing -c directory; say so instead.
      assertDirectoriesExist(spec);
      const tmuxId = await this.tmux.createSession(spec, request.redact);
      return this.recordCreated(spec, tmuxId, request);
    });
  }

  /** Records a session this run has just created; if that fails, the session goes again. */
  private async recordCreated(spec: SessionSpec, tmuxId: string, request: CreateSessionRequest): Promise<SessionOutcome> {
    let sessionRowId: number;
    try {
      const stale = this.store.findLiveSession(spec.name, this.socketKey());
      // A row for a session that is no longer in tmux was killed behind our back.
      if (stale) recordVanishedSession(this.store, this.projectPath, stale, this.tmux.socketPath());
      sessionRowId = this.recordSession(spec, tmuxId, request);
      this.recordLifecycle("session.created", spec, { tmux_id: tmuxId, run_event_id: request.eventId, working_directory: request.redact(spec.workingDirectory) });
      request.alsoRecord?.({ name: spec.name, created: true, tmuxId, sessionRowId });
    } catch (error) {
      // A session prj cannot record would be one it can never account for: it goes again, with everything it started.
      let undone = true;
      await this.terminate(spec.name).catch((killError: unknown) => {
        undone = false;
        log.warn(`could not remove session ${spec.name} after a failed record: ${String(killError)}`);
      });
      const reason = error instanceof Error ? error.message : String(error);
      throw new StateError(
        `session ${spec.name} was created but could not be recorded (${reason}); ${undone ? "it was killed again" : "it is still running"}`,
        { hint: undone ? "check that .prj/prunejuice.db is writable and the disk has room, then run again" : `kill it with tmux: ${this.tmux.baseArgv().join(" ")} kill-session -t '=${spec.name}'`, cause: error },
      );
    }
    return { name: spec.name, created: true, tmuxId, sessionRowId };
  }

  private recordSession(spec: SessionSpec, tmuxId: string, request: CreateSessionRequest, createdAt?: Date): number {
    return this.store.insertSession({
      name: spec.name,
      tmuxId,
      projectPath: this.projectPath,
      worktree: spec.identity.worktree,
      worktreePath: request.worktreePath,
      task: spec.identity.task,
      command: spec.identity.command,
      // A directory can be built from a secret argument; the record never holds a secret.
      workingDirectory: request.redact(spec.workingDirectory),
      socket: this.tmux.socket,
      createdAt: createdAt?.toISOString(),
      eventId: request.eventId,
      plan: request.recordFor?.(spec) ?? null,
    });
  }

  /** Kills the session and ends every process its panes started (see terminate.ts). */
  private async terminate(name: string): Promise<TerminationReport> {
    const panes = await this.tmux.run(["list-panes", "-s", "-t", sessionTarget(name), "-F", "#{pane_pid}"]);
    if (panes.exitCode !== 0) throw noSessionError(name, "prj list-sessions");
    const panePids = panes.stdout.split("\n").filter((line) => /^\d+$/.test(line)).map(Number);
    const processes = processesOfPanes(await readProcesses(), panePids);
    // When prj runs inside this session, the kill hangs up its own terminal: it must finish its work regardless.
    if (!process.listeners("SIGHUP").includes(ignoreHangup)) process.on("SIGHUP", ignoreHangup);
    await this.tmux.killSession(name);
    return endProcesses(processes);
  }

  /** The tmux id of the live session with exactly this name, if there is one. */
  async liveSessionId(name: string): Promise<string | undefined> {
    const result = await this.tmux.run(["display-message", "-p", "-t", sessionTarget(name), "#{session_id}"]);
    return result.exitCode === 0 ? result.stdout.trim() || undefined : undefined;
  }

  private socketKey(): string | undefined {
    return this.tmux.socket;
  }

  /** A finished `session.created` / `session.reused` event and its sessions.log line. */
  private recordLifecycle(kind: "session.created" | "session.reused", spec: SessionSpec, metadata: Record<string, unknown>): void {
    this.store.recordEvent({
      kind,
      status: "succeeded",
      exitCode: 0,
      endedAt: new Date().toISOString(),
      command: spec.identity.command,
      sessionName: spec.name,
      worktree: spec.identity.worktree,
      projectPath: this.projectPath,
      metadata: { task: spec.identity.task, socket: this.tmux.socket ?? null, ...metadata },
    });
    sessionLog(kind === "session.created" ? "created" : "reused", {
      session: spec.name,
      project: this.projectPath,
      worktree: spec.identity.worktree,
      task: spec.identity.task,
      command: spec.identity.command,
      tmux_id: String(metadata.tmux_id ?? ""),
      socket: this.tmux.socket,
    });
  }

  /** Ends a session row with its event and sessions.log line (see record-end.ts); false when it had already ended. */
  recordEnd(row: SessionRow, reason: SessionEndReason, endedAt: Date, source: EndTimeSource | "prj", recordEvent = true): boolean {
    return recordSessionEnd(this.store, this.projectPath, row, { reason, endedAt, source, recordEvent });
  }

  /**
   * Kills a session, ends every process its panes started (hang-up, grace,
   * SIGKILL: see terminate.ts) and records its end; cleanup steps are the
   * caller's, run before this. `eventRecorded`: the caller records the event
   * itself (`prj kill-session` and `cleanup-sessions` do, with their cleanup steps).
   */
  async killSession(
    name: string,
    reason: "killed" | "cleanup" | "rollback",
    options: { eventRecorded?: boolean } = {},
  ): Promise<TerminationReport> {
    const report = await this.terminate(name);
    if (report.forceKilled.length > 0) {
      log.warn(
        `session ${name}: ${report.forceKilled.length} process(es) ignored the hang-up and were killed: ` +
          report.forceKilled.map((entry) => `${entry.pid} (${entry.command})`).join(", "),
      );
    }
    const row = this.store.findLiveSession(name, this.socketKey());
    if (row) this.recordEnd(row, reason, new Date(), "prj", !options.eventRecorded);
    else sessionLog(reason === "killed" ? "killed" : reason, { session: name, project: this.projectPath, reason, socket: this.tmux.socket });
    return report;
  }
}

/** Whether every window's and pane's working directory exists (the fast path checks before it creates). */
function directoriesExist(spec: SessionSpec): boolean {
  return spec.windows.every((window) => window.panes.every((pane) => isDirectory(pane.workingDirectory)));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // missing or unreadable: assertDirectoriesExist says which
  }
}

/** Every window's and pane's working directory must exist when the session is made (a pre-step may have just created it). */
function assertDirectoriesExist(spec: SessionSpec): void {
  for (const window of spec.windows) {
    for (const pane of window.panes) {
      if (!isDirectory(pane.workingDirectory)) {
        throw new PrjError(`working directory ${pane.workingDirectory} of window "${window.name}" does not exist`, {
          hint: "create it, or fix working_directory in the command",
        });
      }
    }
  }
}

/** Installed while prj kills sessions, and never removed: once the terminal is gone, the rest of the work still has to happen. */
function ignoreHangup(): void {
  log.debug("SIGHUP ignored: finishing the kill");
}
