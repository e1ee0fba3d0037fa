/**
 * `prj wait TARGET --until STATES [--timeout D]`: polls the states the
 * watcher publishes (one tmux client a poll, no /proc walk) until the target
 * is in one of `until`, the target is gone, or the time is up.
 */
import { PrjError, UsageError } from "../errors.ts";
import type { TmuxManager } from "../tmux/manager.ts";
import { ensureWatcher } from "./launch.ts";
import { listPaneRows } from "./panes.ts";
import type { AttentionState } from "./states.ts";
import { noTargetError, panesOfTarget, stateOfPanes, type Target, type TargetState } from "./targets.ts";

const POLL_MS = 200;

export interface WaitOutcome extends TargetState {
  target: string;
  reached: boolean;
  waitedMs: number;
}

/** Waits for `target` to reach one of `until`; `timeoutMs` undefined waits for as long as it takes. */
export async function waitForState(
  tmux: TmuxManager,
  target: Target,
  until: readonly AttentionState[],
  timeoutMs: number | undefined,
): Promise<WaitOutcome> {
  const started = Date.now();
  let first = true;
  for (;;) {
    const rows = (await listPaneRows(tmux)) ?? [];
    const panes = panesOfTarget(rows, target);
    if (panes.length === 0) {
      if (first) throw noTargetError(rows, target);
      // Gone while waited for: that is `dead`, which may be what was asked.
      const gone: TargetState = { state: "dead", since: Date.now(), message: `${target.text} is gone`, panes: [] };
      if (until.includes("dead")) return { ...gone, target: target.text, reached: true, waitedMs: Date.now() - started };
      throw new PrjError(`${target.text} is gone (it ended before it was ${until.join(" or ")})`, { hint: "`prj history` shows how it ended" });
    }
    if (first) {
      first = false;
      // The states come from the watcher; a server whose prj sessions predate it gets one now.
      if (rows.some((row) => row.project !== "")) await ensureWatcher(tmux, rows[0]!.watcher);
    }
    const now = stateOfPanes(panes);
    const waitedMs = Date.now() - started;
    if (now.state !== undefined && until.includes(now.state)) return { ...now, target: target.text, reached: true, waitedMs };
    if (timeoutMs !== undefined && waitedMs >= timeoutMs) return { ...now, target: target.text, reached: false, waitedMs };
    await Bun.sleep(Math.min(POLL_MS, Math.max(1, timeoutMs === undefined ? POLL_MS : timeoutMs - waitedMs)));
  }
}

/** `--timeout 30`, `45s`, `10m`, `2h`, `0` (look once); undefined without the flag. */
export function parseTimeout(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const text = typeof raw === "string" ? raw.trim() : String(raw);
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!match) throw new UsageError(`--timeout must be a duration such as 30, 45s, 10m or 2h, got ${JSON.stringify(text)}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? "s"]!;
  return Number(match[1]) * unit;
}
