/**
 * `prj restore` (SPEC §12): recreates the sessions that were live when their
 * tmux server went away (a reboot, a crash, `kill-server`), each through the
 * normal run path, with the command and arguments its row recorded.
 *
 * What "was live" means, decided from the database only (docs/decisions.md):
 * the newest row of a session name on the project's server ended as `gone`,
 * and its end was found as a server exit (`server-exit`, tmux's own record) or
 * by a reconcile that found it missing (`reconcile`, e.g. after a reboot,
 * where nothing wrote an end). An end tmux recorded for that one session
 * (`tmux-hook`: `tmux kill-session`, or its last shell exiting) was the
 * user's doing, as are `killed`, `cleanup` and `rollback`; none of those is restored.
 * A row still recorded as live whose session tmux no longer has counts too:
 * restore reconciles first, which ends it the same way.
 */
import type { Project } from "../project.ts";
import type { SessionRow, StateStore } from "../state/db.ts";
import type { TmuxManager, TmuxSession } from "../tmux/manager.ts";

export type RestoreAction = "restored" | "retagged" | "alive" | "skipped" | "failed" | "would-restore" | "would-retag";

export interface RestoreOutcome {
  project: string;
  name: string;
  command: string | null;
  arguments: Record<string, string>;
  worktree_path: string | null;
  port: number | null;
  action: RestoreAction;
  /** Why it was skipped or failed, or what differs from the record. */
  reason?: string;
  /** The run event of a restore, or the `session.restored` event. */
  event_id?: number;
}

/** End sources that mean the server went away under the session, not that the user closed it. */
const SERVER_WENT_AWAY = new Set(["server-exit", "reconcile"]);

const REDACTED = "***";

/** The environment variable that gives a secret argument to a restore without a terminal. */
export function secretVariable(key: string): string {
  return `PRJ_RESTORE_${key.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

export interface RestoreCandidate {
  row: SessionRow;
  endSource: string | null;
}

/** The rows to restore: pure, given the rows that went away and the ends a reconcile would record now. */
export function restoreCandidates(gone: readonly (SessionRow & { endSource: string | null })[], endingNow: readonly { row: SessionRow; source: string }[]): RestoreCandidate[] {
  const byKey = new Map<string, RestoreCandidate>();
  for (const row of gone) byKey.set(`${row.socket ?? ""}\0${row.name}`, { row, endSource: row.endSource });
  for (const { row, source } of endingNow) byKey.set(`${row.socket ?? ""}\0${row.name}`, { row, endSource: source });
  const all = [...byKey.values()];
  const wentWithServer = all.filter((candidate) => candidate.endSource !== null && SERVER_WENT_AWAY.has(candidate.endSource));
  // `tmux kill-server` may still run the session-closed hook for a session or two before tmux exits: a hook end in
  // the same second as a session of that server that ended with the server went with it too.
  const closedWithServer = all.filter(
    (candidate) =>
      candidate.endSource === "tmux-hook" &&
      wentWithServer.some(
        (other) =>
          (other.row.socket ?? "") === (candidate.row.socket ?? "") &&
          other.row.endedAt !== null &&
          candidate.row.endedAt !== null &&
          Math.abs(Date.parse(other.row.endedAt) - Date.parse(candidate.row.endedAt)) <= 1000,
      ),
  );
  return all.filter((candidate) => wentWithServer.includes(candidate) || closedWithServer.includes(candidate));
}

export interface RestoreOptions {
  dryRun: boolean;
  /** Asks for a secret argument on the terminal; undefined where there is none. */
  askSecret?: (question: string) => Promise<string | undefined>;
  env?: Record<string, string | undefined>;
}

/** Restores one project's sessions. `project` is open, `store` its database; runs happen in the project's root. */
export async function restoreProject(project: Project, store: StateStore, tmux: TmuxManager, options: RestoreOptions): Promise<RestoreOutcome[]> {
  const env = options.env ?? process.env;
  const { reconcile, reportDrift } = await import("./reconcile.ts");
  const context = { project, store, tmux };
  // A dry run only looks: the rows a reconcile would end now are taken as ended.
  const { observation, diff } = options.dryRun ? await reportDrift(context) : await reconcile(context);
  const endingNow = options.dryRun ? diff.endedSessions.map((ended) => ({ row: ended.row, source: ended.source })) : [];
  const socket = tmux.socket ?? null;
  const live = observation.live ?? (await tmux.listSessions());
  // A new server reuses session ids, so a session tmux-resurrect made under a recorded name and id
  // looks live to the reconciler; without prj's tags it is not the recorded one.
  const untagged = new Set(live.filter((session) => session.project === "").map((session) => session.name));
  const shadowed = store
    .liveSessions(project.root)
    .filter((row) => (row.socket ?? null) === socket && untagged.has(row.name))
    .map((row) => ({ row, source: "server-exit" }));
  const candidates = restoreCandidates(store.lastGoneSessions(project.root), [...endingNow, ...shadowed]).filter(
    (candidate) => (candidate.row.socket ?? null) === socket,
  );
  const outcomes: RestoreOutcome[] = [];
  for (const { row, endSource } of candidates) {
    const outcome: RestoreOutcome = {
      project: project.root,
      name: row.name,
      command: row.plan?.command ?? row.command,
      arguments: { ...(row.plan?.arguments ?? {}) },
      worktree_path: row.plan?.worktreePath ?? row.worktreePath,
      port: row.plan?.port ?? null,
      action: "skipped",
    };
    outcomes.push(outcome);
    const same = live.find((session) => session.name === row.name);
    if (same && same.project !== "") {
      outcome.action = "alive";
      outcome.reason = same.project === project.root ? "already live" : `the name is taken by a session of ${same.project}`;
      if (same.project !== project.root) outcome.action = "skipped";
      continue;
    }
    if (same) {
      if (!recognisedAsRestored(same, row)) {
        outcome.reason = `an untagged session of that name runs in ${same.path}, not in ${row.workingDirectory}`;
        continue;
      }
      if (options.dryRun) {
        outcome.action = "would-retag";
        outcome.reason = "restored by another tool (tmux-resurrect): it would be tagged and recorded";
        continue;
      }
      outcome.event_id = await retag(project, store, tmux, same, row, endSource);
      outcome.action = "retagged";
      outcome.reason = "restored by another tool (tmux-resurrect): tagged and recorded";
      continue;
    }
    if (!row.plan) {
      outcome.reason = "no recorded plan (the session was adopted, not run by prj), so its arguments are unknown";
      continue;
    }
    const { existsSync } = await import("node:fs");
    if (row.plan.worktreePath === null && !existsSync(row.workingDirectory)) {
      outcome.reason = `its directory ${row.workingDirectory} is gone`;
      continue;
    }
    const secrets = Object.entries(row.plan.arguments).filter(([, value]) => value === REDACTED).map(([key]) => key);
    const given: Record<string, string> = {};
    const missing: string[] = [];
    for (const key of secrets) {
      const fromEnv = env[secretVariable(key)];
      if (fromEnv !== undefined && fromEnv !== "") given[key] = fromEnv;
      else missing.push(key);
    }
    if (options.dryRun) {
      outcome.action = missing.length && !options.askSecret ? "skipped" : "would-restore";
      if (missing.length) outcome.reason = secretReason(missing, Boolean(options.askSecret));
      continue;
    }
    for (const key of [...missing]) {
      const value = options.askSecret ? await options.askSecret(`${row.name}: secret argument ${key} (not stored; empty skips this session)`) : undefined;
      if (value === undefined || value === "") break;
      given[key] = value;
      missing.splice(missing.indexOf(key), 1);
    }
    if (missing.length) {
      outcome.reason = secretReason(missing, Boolean(options.askSecret));
      continue;
    }
    await runAgain(project, store, tmux, row, endSource, given, outcome);
  }
  return outcomes;
}

function secretReason(keys: readonly string[], askedOnTerminal: boolean): string {
  const variables = keys.map(secretVariable).join(", ");
  return askedOnTerminal
    ? `secret argument ${keys.join(", ")} not given (it is never stored; set ${variables} or type it when asked)`
    : `secret argument ${keys.join(", ")} is never stored and there is no terminal to ask on: set ${variables}`;
}

/** A session tmux-resurrect brought back: same name, untagged, in the directory the row recorded. */
export function recognisedAsRestored(session: TmuxSession, row: SessionRow): boolean {
  if (session.project !== "") return false;
  const directories = new Set([row.workingDirectory, row.worktreePath, row.plan?.worktreePath, row.plan?.stepDirectory].filter(Boolean));
  return directories.has(session.path);
}

async function retag(project: Project, store: StateStore, tmux: TmuxManager, session: TmuxSession, row: SessionRow, endSource: string | null): Promise<number> {
  const { sessionTarget } = await import("../tmux/script.ts");
  const { TmuxError } = await import("../errors.ts");
  const target = sessionTarget(session.name);
  for (const [option, value] of [
    ["@prj_project", project.root],
    ["@prj_worktree", row.worktree],
    ["@prj_task", row.task],
    ["@prj_command", row.command ?? ""],
  ] as const) {
    const result = await tmux.run(["set-option", "-t", target, option, value]);
    if (result.exitCode !== 0) throw new TmuxError("set-option", result.stderr);
  }
  const { recordSessionEnd } = await import("./record-end.ts");
  return store.immediate(() => {
    if (row.endedAt === null) recordSessionEnd(store, project.root, row, { reason: "gone", endedAt: new Date(), source: "server-exit" });
    store.insertSession({
      name: session.name,
      tmuxId: session.id,
      projectPath: project.root,
      worktree: row.worktree,
      worktreePath: row.worktreePath,
      task: row.task,
      command: row.command,
      workingDirectory: row.workingDirectory,
      socket: tmux.socket,
      createdAt: session.createdAt.toISOString(),
      plan: row.plan,
    });
    return store.recordEvent({
      kind: "session.restored",
      status: "succeeded",
      exitCode: 0,
      endedAt: new Date().toISOString(),
      command: row.command,
      sessionName: session.name,
      worktree: row.worktree,
      projectPath: project.root,
      metadata: { via: "tmux-resurrect", previous_session_id: row.id, previous_ended_at: row.endedAt, end_time_source: endSource, tmux_id: session.id },
    });
  });
}

async function runAgain(
  project: Project,
  store: StateStore,
  tmux: TmuxManager,
  row: SessionRow,
  endSource: string | null,
  secrets: Record<string, string>,
  outcome: RestoreOutcome,
): Promise<void> {
  const plan = row.plan!;
  const tokens = Object.entries({ ...plan.arguments, ...secrets }).map(([key, value]) => `${key}=${value}`);
  const { runNamedCommand } = await import("../run/run-command.ts");
  const previousCwd = process.cwd();
  let report;
  try {
    process.chdir(project.root);
    const result = await runNamedCommand(plan.command, tokens, { dryRun: false, attach: false });
    if (result.kind !== "report") throw new Error("a restore run returned a plan");
    report = result.report;
  } catch (error) {
    outcome.action = "failed";
    outcome.reason = error instanceof Error ? error.message : String(error);
    return;
  } finally {
    process.chdir(previousCwd);
  }
  outcome.event_id = report.event_id;
  if (report.status !== "succeeded") {
    outcome.action = "failed";
    outcome.reason = report.error ?? `run ${report.status}`;
    return;
  }
  const made = report.session ? store.findLiveSession(report.session.name, tmux.socket) : undefined;
  const differences: string[] = [];
  if (report.session?.name !== row.name) differences.push(`named ${report.session?.name ?? "(no session)"}`);
  if ((made?.plan?.worktreePath ?? null) !== (plan.worktreePath ?? null)) differences.push(`worktree ${made?.plan?.worktreePath ?? "none"}`);
  if ((made?.plan?.port ?? null) !== (plan.port ?? null)) differences.push(`port ${made?.plan?.port ?? "none"}`);
  outcome.action = "restored";
  if (differences.length) outcome.reason = `differs from the record: ${differences.join(", ")} (the command file changed since?)`;
  store.recordEvent({
    kind: "session.restored",
    status: "succeeded",
    exitCode: 0,
    endedAt: new Date().toISOString(),
    command: plan.command,
    sessionName: report.session?.name ?? row.name,
    worktree: row.worktree,
    projectPath: project.root,
    metadata: {
      via: "run",
      run_event_id: report.event_id,
      previous_session_id: row.id,
      previous_ended_at: row.endedAt,
      end_time_source: endSource,
      worktree_path: made?.plan?.worktreePath ?? null,
      port: made?.plan?.port ?? null,
      ...(differences.length ? { differences } : {}),
    },
  });
}
