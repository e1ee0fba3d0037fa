/**
 * What `prj wait` and `prj send` point at: a session (`NAME`), a window
 * (`NAME:INDEX` or `NAME:WINDOW-NAME`), a pane (`%ID`), or with `--all` the
 * project's sessions; and the state of each, as the watcher published it. A
 * group's state is its most urgent pane's, as a session's is.
 */
import { noSessionError, PrjError, UsageError } from "../errors.ts";
import type { Project } from "../project.ts";
import { TmuxManager } from "../tmux/manager.ts";
import { listPaneRows, type PaneRow } from "./panes.ts";
import { ATTENTION_STATES, byUrgency, isAttentionState, mostUrgent, type AttentionState } from "./states.ts";
import { serverOfTmuxVariable } from "./tmux-env.ts";

export type Target =
  | { kind: "pane"; text: string; pane: string }
  | { kind: "window"; text: string; session: string; window: string }
  | { kind: "session"; text: string; session: string }
  | { kind: "project"; text: string; project: string };

/** The server and, when prj runs in one, the project. `--all` needs the project; a named target does not. */
export async function openAttentionContext(needProject: boolean): Promise<{ tmux: TmuxManager; project: Project | undefined }> {
  const { openProject } = await import("../project.ts");
  let project: Project | undefined;
  try {
    project = await openProject();
  } catch (error) {
    if (needProject || !(error instanceof UsageError)) throw error;
  }
  // Outside a project: PRJ_TMUX_SOCKET, else the server this prj runs in, else the default one.
  const socket = project ? project.socket : process.env.PRJ_TMUX_SOCKET || serverOfTmuxVariable(process.env.TMUX)?.socket;
  const tmux = new TmuxManager({ socket });
  await tmux.ensureSupported();
  return { tmux, project };
}

/** `NAME`, `NAME:WINDOW` or `%PANE`; an empty text is a usage error. */
export function parseTarget(text: string | undefined, command: string): Target {
  const value = (text ?? "").trim();
  if (value === "") throw new UsageError(`prj ${command} needs a target: a session, session:window, a pane id (%3) or --all`);
  if (/^%\d+$/.test(value)) return { kind: "pane", text: value, pane: value };
  // tmux turns ':' in session names into '_', so the first ':' ends the session's name.
  const colon = value.indexOf(":");
  if (colon > 0) return { kind: "window", text: value, session: value.slice(0, colon), window: value.slice(colon + 1) };
  return { kind: "session", text: value, session: value };
}

/** `waiting,failed` → the states, each checked; unknown ones are a usage error naming them. */
export function parseStates(raw: unknown, flag: string): AttentionState[] {
  const text = typeof raw === "string" ? raw : "";
  const words = text.split(",").map((word) => word.trim().toLowerCase()).filter(Boolean);
  const wrong = words.filter((word) => !isAttentionState(word));
  if (words.length === 0 || wrong.length) {
    throw new UsageError(
      `${flag} must be one or more of ${ATTENTION_STATES.join(", ")} separated by commas, got ${text ? JSON.stringify(text) : "nothing"}`,
      `for example ${flag} waiting,failed`,
    );
  }
  return words as AttentionState[];
}

/** The panes a target covers, in tmux's order. */
export function panesOfTarget(rows: readonly PaneRow[], target: Target): PaneRow[] {
  switch (target.kind) {
    case "pane":
      return rows.filter((row) => row.paneId === target.pane);
    case "session":
      return rows.filter((row) => row.sessionName === target.session);
    case "window": {
      const byIndex = /^\d+$/.test(target.window);
      return rows.filter(
        (row) => row.sessionName === target.session && (byIndex ? row.windowIndex === Number(target.window) : row.windowName === target.window),
      );
    }
    case "project":
      return rows.filter((row) => row.project === target.project);
  }
}

/** The error for a target with no pane, with the live session names to suggest from. */
export function noTargetError(rows: readonly PaneRow[], target: Target): PrjError {
  if (target.kind === "project") {
    return new PrjError(`no live session of this project (${target.project})`, { exitCode: 2, hint: "start one with `prj run NAME`" });
  }
  const names = new Set(rows.map((row) => row.sessionName));
  if (target.kind === "pane") return new PrjError(`no pane ${target.pane} on the tmux server`, { exitCode: 2, hint: "`tmux list-panes -a` lists the panes" });
  if (target.kind === "window" && names.has(target.session)) {
    return new PrjError(`session ${target.session} has no window ${target.window}`, { exitCode: 2, hint: `\`prj session-info ${target.session}\` lists its windows` });
  }
  return noSessionError(target.session, "prj list-sessions", names);
}

export interface TargetState {
  /** undefined while the watcher has not published a state for every pane yet. */
  state: AttentionState | undefined;
  /** When the most urgent pane entered its state (the earliest of those in it), ms since the epoch. */
  since: number | undefined;
  message: string;
  panes: { pane: string; session: string; window: number; state: AttentionState | undefined; since: number | undefined; status?: number; message: string }[];
}

/** The published state of the panes a target covers: the most urgent one's. */
export function stateOfPanes(panes: readonly PaneRow[]): TargetState {
  const listed = panes.map((row) => ({
    pane: row.paneId,
    session: row.sessionName,
    window: row.windowIndex,
    state: row.published?.state,
    since: row.published?.since,
    ...(row.published?.status === undefined ? {} : { status: row.published.status }),
    message: row.publishedMessage,
  }));
  const known = listed.filter((pane) => pane.state !== undefined);
  if (known.length < listed.length || listed.length === 0) return { state: undefined, since: undefined, message: "", panes: listed };
  const state = mostUrgent(known.map((pane) => pane.state!))!;
  const inState = known.filter((pane) => pane.state === state).sort((a, b) => (a.since ?? 0) - (b.since ?? 0));
  return { state, since: inState[0]?.since, message: inState[0]?.message ?? "", panes: listed };
}

/** The panes of a target, most urgent first (the one `send` types into leads). */
export function byPaneUrgency(panes: readonly PaneRow[]): PaneRow[] {
  return [...panes].sort((a, b) => byUrgency(a.published?.state ?? "idle", b.published?.state ?? "idle"));
}

export { listPaneRows };
