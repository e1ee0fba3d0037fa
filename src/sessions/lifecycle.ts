import { PrjError } from "../errors.ts";
import type { SessionSpec } from "../plan/types.ts";
import type { StateStore } from "../state/db.ts";
import type { TmuxManager, TmuxSession } from "../tmux/manager.ts";
import { log } from "../ui/log.ts";

export interface SessionOutcome {
  name: string;
  created: boolean;
  tmuxId: string;
  sessionRowId: number;
}

export interface CreateSessionRequest {
  /** Builds the session from what is live right now; naming depends on it. */
  specFor(live: TmuxSession[]): SessionSpec;
  eventId?: number;
  worktreePath?: string;
  /** Scrubs secrets from text that reaches logs. */
  redact(text: string): string;
  /** Called with the live list before naming, under the same lock (stale clean-up). */
  beforeCreate?(live: TmuxSession[]): Promise<TmuxSession[]>;
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
      let live = await this.tmux.listSessions();
      if (request.beforeCreate) live = await request.beforeCreate(live);
      const spec = request.specFor(live);
      const existing = live.find((session) => session.name === spec.name);
      if (existing) {
        const row = this.store.findLiveSession(spec.name, this.socketKey());
        const sessionRowId = row?.id ?? this.recordSession(spec, existing.id, request, existing.createdAt);
        log.debug(`reusing session ${spec.name} (${existing.id})`);
        return { name: spec.name, created: false, tmuxId: existing.id, sessionRowId };
      }
      const tmuxId = await this.tmux.createSession(spec, request.redact);
      let sessionRowId: number;
      try {
        const stale = this.store.findLiveSession(spec.name, this.socketKey());
        // A row for a session that is no longer in tmux was killed behind our back.
        if (stale) this.store.endSession(stale.id, { reason: "gone" });
        sessionRowId = this.recordSession(spec, tmuxId, request);
      } catch (error) {
        await this.tmux.killSession(spec.name).catch((killError: unknown) => {
          log.warn(`could not remove session ${spec.name} after a failed record: ${String(killError)}`);
        });
        throw error;
      }
      return { name: spec.name, created: true, tmuxId, sessionRowId };
    });
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
      workingDirectory: spec.workingDirectory,
      socket: this.tmux.socket,
      createdAt: createdAt?.toISOString(),
      eventId: request.eventId,
    });
  }

  private socketKey(): string | undefined {
    return this.tmux.socket;
  }

  /** Kills a session and records its end; cleanup steps are the caller's, run before this. */
  async killSession(name: string, reason: "killed" | "cleanup" | "rollback"): Promise<void> {
    if (!(await this.tmux.sessionExists(name))) {
      throw new PrjError(`no session named ${name}`, { hint: "`prj list-sessions` shows the live sessions" });
    }
    await this.tmux.killSession(name);
    const row = this.store.findLiveSession(name, this.socketKey());
    if (row) this.store.endSession(row.id, { reason });
  }

  /**
   * Brings the database in line with tmux without killing anything: rows of
   * sessions that are gone are ended, live sessions tagged with this project
   * but missing from the database are adopted.
   */
  async reconcile(): Promise<{ ended: string[]; adopted: string[] }> {
    const live = await this.tmux.listSessions();
    const liveNames = new Set(live.map((session) => session.name));
    const ended: string[] = [];
    const adopted: string[] = [];
    this.store.immediate(() => {
      for (const row of this.store.liveSessions(this.projectPath)) {
        if ((row.socket ?? undefined) !== this.socketKey()) continue;
        if (!liveNames.has(row.name)) {
          this.store.endSession(row.id, { reason: "gone" });
          ended.push(row.name);
        }
      }
      for (const session of live) {
        if (session.project !== this.projectPath) continue;
        if (this.store.findLiveSession(session.name, this.socketKey())) continue;
        this.store.insertSession({
          name: session.name,
          tmuxId: session.id,
          projectPath: this.projectPath,
          worktree: session.worktree,
          task: session.task,
          command: session.command || undefined,
          workingDirectory: session.path,
          socket: this.tmux.socket,
          createdAt: session.createdAt.toISOString(),
        });
        adopted.push(session.name);
      }
    });
    return { ended, adopted };
  }
}
