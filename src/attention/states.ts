/**
 * The attention states (SPEC §12) and how they rank. Kept free of imports so
 * every command that shows a state (list-sessions, status, monitor) can load
 * it for nothing.
 */

/** What a pane is doing, from the user's point of view. */
export type AttentionState = "working" | "waiting" | "idle" | "done" | "failed" | "dead";

export const ATTENTION_STATES: readonly AttentionState[] = ["waiting", "failed", "working", "done", "idle", "dead"];

/** What `prj mark` may declare. */
export const DECLARABLE_STATES: readonly AttentionState[] = ["working", "waiting", "done", "failed"];

/**
 * Most urgent first: a session's state is its most urgent pane's, and `--all`
 * (the project) is its most urgent session's. A dead pane (no process left) asks
 * for nothing, so it ranks last.
 */
const URGENCY: Record<AttentionState, number> = { waiting: 0, failed: 1, working: 2, done: 3, idle: 4, dead: 5 };

export function isAttentionState(value: string): value is AttentionState {
  return Object.hasOwn(URGENCY, value);
}

/** Negative when `a` is more urgent than `b`: sorts waiting first. */
export function byUrgency(a: AttentionState, b: AttentionState): number {
  return URGENCY[a] - URGENCY[b];
}

/** The most urgent of `states`; undefined for none. */
export function mostUrgent(states: Iterable<AttentionState>): AttentionState | undefined {
  let best: AttentionState | undefined;
  for (const state of states) if (best === undefined || URGENCY[state] < URGENCY[best]) best = state;
  return best;
}

/**
 * A state as tmux keeps it in prj's options (`@prj_pane_state`,
 * `@prj_session_state`): `STATE SINCE_EPOCH_MS [STATUS]`, one word each, so a
 * format can show it and a reader can split it without quoting rules.
 */
export interface PublishedState {
  state: AttentionState;
  /** When the pane or session entered the state (ms since the epoch). */
  since: number;
  /** The exit status, for `failed` (and `done`, 0). */
  status?: number;
}

export function formatPublishedState(value: PublishedState): string {
  return `${value.state} ${value.since}${value.status === undefined ? "" : ` ${value.status}`}`;
}

/** Reads an option value back; undefined for an empty or foreign value. */
export function parsePublishedState(text: string | undefined): PublishedState | undefined {
  if (!text) return undefined;
  const [state = "", since = "", status] = text.trim().split(" ");
  if (!isAttentionState(state) || !/^\d+$/.test(since)) return undefined;
  return { state, since: Number(since), ...(status !== undefined && /^-?\d+$/.test(status) ? { status: Number(status) } : {}) };
}

/** `waiting 14m`: a state and for how long, as status and monitor show it. */
export function describeState(state: AttentionState | null | undefined, sinceIso: string | null | undefined, now = Date.now()): string {
  if (!state) return "-";
  if (!sinceIso) return state;
  const seconds = Math.max(0, Math.round((now - Date.parse(sinceIso)) / 1000));
  return `${state} ${shortDuration(seconds)}`;
}

/** `12s`, `14m`, `3h`, `2d`: one unit, for narrow columns and status lines. */
export function shortDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}
