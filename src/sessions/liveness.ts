/**
 * The rules that say what is no longer true: a run whose prj died is
 * interrupted, a session idle past its timeout and unattached is stale. The
 * reconciler (reconcile.ts) applies them; reports use the same rules to show
 * a row the reconciler has not written yet. Nothing else decides either.
 */
import type { EventStatus } from "../state/rows.ts";
import type { TmuxSession } from "../tmux/manager.ts";

export type IsAlive = (pid: number) => boolean;

/** The status a run really has: a `running` event whose prj process is gone (or was never recorded) is `interrupted`. */
export function effectiveStatus(event: { status: EventStatus; pid: number | null }, isAlive: IsAlive): EventStatus {
  if (event.status !== "running") return event.status;
  return event.pid !== null && isAlive(event.pid) ? "running" : "interrupted";
}

/** Idle (no output, no input) past the timeout and not attached: what `--stale` and auto clean-up remove. */
export function isStale(session: Pick<TmuxSession, "attached" | "lastActivity">, timeoutSeconds: number, now = Date.now()): boolean {
  return session.attached === 0 && now - session.lastActivity.getTime() > timeoutSeconds * 1000;
}
