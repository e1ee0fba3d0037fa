/**
 * Making sure a server has its attention watcher. The session batch starts it
 * (tmux/script.ts `watcherCommands`); the commands that depend on it (`mark`,
 * `wait`, `send`, `status`) start it again when the server option names a
 * watcher that is gone, or none while prj sessions exist (sessions made by a
 * prj from before the watcher).
 */
import { prjArgv } from "../paths.ts";
import { parentDeathTool, type TmuxManager } from "../tmux/manager.ts";
import { tmuxCommandLine } from "../tmux/quote.ts";
import { WATCHER_OPTION, watcherCommands } from "../tmux/script.ts";
import { log } from "../ui/log.ts";

/** Whether the `@prj_watcher` value names a watcher that runs (or is being started). */
export function watcherRuns(value: string): boolean {
  if (value === "starting") return true;
  if (!/^\d+$/.test(value)) return false;
  try {
    process.kill(Number(value), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The tmux commands that start the watcher when the format `condition` is true. */
export function watcherStartCommands(condition: string): string[][] {
  return watcherCommands(prjArgv(), { parentDeathSignal: parentDeathTool(), condition });
}

/**
 * True while the option still has the value a prj found (unset, or a watcher
 * that is gone): two prj processes that both found it so start one watcher.
 */
export function unchangedCondition(current: string): string {
  return current === "" ? `#{?${WATCHER_OPTION},,1}` : `#{==:#{${WATCHER_OPTION}},${current.replace(/[#,}]/g, "")}}`;
}

/** True when no watcher is recorded and some session on the server is prj's. */
export const NONE_FOR_PRJ_SESSIONS = `#{&&:#{?${WATCHER_OPTION},0,1},#{!=:#{S:#{?@prj_project,1,}},}}`;

/** Starts the watcher when `current` (the server's `@prj_watcher`) says none runs. */
export async function ensureWatcher(tmux: TmuxManager, current: string): Promise<void> {
  if (watcherRuns(current)) return;
  const commands = watcherStartCommands(unchangedCondition(current));
  if (commands.length === 0) return;
  const result = await tmux.run(["source-file", "-"], { stdin: `${commands.map(tmuxCommandLine).join(" ; ")}\n` });
  if (result.exitCode !== 0) log.debug(`the attention watcher was not started: ${result.stderr.trim()}`);
}
