/**
 * Every pane of a tmux server with what attention needs, read with one
 * `list-panes -a`: identity, process, liveness, the program in front, the
 * window's output time and bell, prj's tags, the declaration `prj mark` left,
 * and the state the watcher published.
 */
import { TmuxError } from "../errors.ts";
import type { TmuxManager } from "../tmux/manager.ts";
import { formatOf, isNoServer, parseRows } from "../tmux/parse.ts";
import { WATCHER_OPTION } from "../tmux/script.ts";
import type { Declaration, PaneFacts } from "./classify.ts";
import { isAttentionState, parsePublishedState, type PublishedState } from "./states.ts";

/** Pane options `prj mark` sets (a declaration), and the ones the watcher publishes. */
export const DECLARED_STATE_OPTION = "@prj_state";
export const DECLARED_MESSAGE_OPTION = "@prj_state_message";
export const DECLARED_AT_OPTION = "@prj_state_at";
export const PANE_STATE_OPTION = "@prj_pane_state";
export const PANE_MESSAGE_OPTION = "@prj_pane_message";
export const SESSION_STATE_OPTION = "@prj_session_state";
/** Server option: counts by state of every prj session, ready for a status line (`#{@prj_attention}`). */
export const SUMMARY_OPTION = "@prj_attention";

const FIELDS = [
  "session_id",
  "session_name",
  "window_index",
  "window_name",
  "window_active",
  "pane_id",
  "pane_index",
  "pane_active",
  "pane_pid",
  "pane_dead",
  "pane_dead_status",
  "pane_current_command",
  // Output moves window_activity (whole seconds); client input moves only session_activity.
  "window_activity",
  "window_bell_flag",
  "pane_tty",
  // 1 when the pane was started by prj's wrapper, whose command's exit status the shell it becomes carries.
  "m:*prj-pane*,#{pane_start_command}",
  "@prj_project",
  DECLARED_STATE_OPTION,
  DECLARED_MESSAGE_OPTION,
  DECLARED_AT_OPTION,
  PANE_STATE_OPTION,
  PANE_MESSAGE_OPTION,
  SESSION_STATE_OPTION,
  // A server option: every row carries it.
  WATCHER_OPTION,
] as const;

export interface PaneRow {
  sessionId: string;
  sessionName: string;
  windowIndex: number;
  windowName: string;
  windowActive: boolean;
  paneId: string;
  paneIndex: number;
  paneActive: boolean;
  panePid: number;
  tty: string;
  /** The session's `@prj_project` tag: the project root, "" for sessions prj did not make. */
  project: string;
  facts: PaneFacts;
  /** What the watcher last published for the pane, and for its session. */
  published: PublishedState | undefined;
  publishedMessage: string;
  sessionPublished: PublishedState | undefined;
  /** The server's `@prj_watcher`: the running watcher's pid, `starting`, or "". */
  watcher: string;
}

/** Every pane on the server; undefined when no server runs. */
export async function listPaneRows(tmux: TmuxManager): Promise<PaneRow[] | undefined> {
  const result = await tmux.run(["list-panes", "-a", "-F", formatOf(FIELDS)]);
  if (result.exitCode !== 0) {
    if (isNoServer(result.stderr)) return undefined;
    throw new TmuxError("list-panes", result.stderr);
  }
  return parseRows(result.stdout, FIELDS, "list-panes").map(toPaneRow);
}

function toPaneRow(row: Record<(typeof FIELDS)[number], string>): PaneRow {
  const panePid = Number(row.pane_pid);
  return {
    sessionId: row.session_id,
    sessionName: row.session_name,
    windowIndex: Number(row.window_index),
    windowName: row.window_name,
    windowActive: row.window_active === "1",
    paneId: row.pane_id,
    paneIndex: Number(row.pane_index),
    paneActive: row.pane_active === "1",
    panePid,
    tty: row.pane_tty,
    project: row["@prj_project"],
    facts: {
      paneId: row.pane_id,
      panePid,
      dead: row.pane_dead === "1",
      deadStatus: row.pane_dead === "1" && /^\d+$/.test(row.pane_dead_status) ? Number(row.pane_dead_status) : undefined,
      currentCommand: row.pane_current_command,
      outputAt: (Number(row.window_activity) || 0) * 1000,
      bell: row.window_bell_flag === "1",
      wrapped: row["m:*prj-pane*,#{pane_start_command}"] === "1",
      declaration: declarationOf(row[DECLARED_STATE_OPTION], row[DECLARED_MESSAGE_OPTION], row[DECLARED_AT_OPTION]),
    },
    published: parsePublishedState(row[PANE_STATE_OPTION]),
    publishedMessage: row[PANE_MESSAGE_OPTION],
    sessionPublished: parsePublishedState(row[SESSION_STATE_OPTION]),
    watcher: row[WATCHER_OPTION],
  };
}

function declarationOf(state: string, message: string, at: string): Declaration | undefined {
  if (!isAttentionState(state) || !/^\d+$/.test(at)) return undefined;
  return { state, message, at: Number(at) };
}
