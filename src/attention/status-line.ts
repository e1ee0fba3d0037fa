/**
 * `prj status --format tmux`: the segment for tmux's status line, counts of
 * prj sessions by state (`2 waiting, 1 failed, 3 working`). It reads only what
 * the watcher recorded in the server option `@prj_attention`: one tmux client,
 * no /proc walk, no database (docs/attention.md measures it).
 */
import { TmuxManager } from "../tmux/manager.ts";
import { SUMMARY_OPTION } from "./panes.ts";
import { serverOfTmuxVariable } from "./tmux-env.ts";

/** Inside tmux the server it runs under (a status line's); elsewhere PRJ_TMUX_SOCKET, else the project's. */
export async function statusLineSegment(): Promise<string> {
  let socket = process.env.PRJ_TMUX_SOCKET || serverOfTmuxVariable(process.env.TMUX)?.socket;
  if (!socket && !process.env.TMUX) {
    const { openProject } = await import("../project.ts");
    socket = (await openProject()).socket;
  }
  const result = await new TmuxManager({ socket }).run(["show-options", "-gqv", SUMMARY_OPTION]);
  // No server, or no watcher yet: nothing to show.
  return result.exitCode === 0 ? result.stdout.trim() : "";
}
