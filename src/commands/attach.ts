import { defineCommand } from "./define.ts";

export default defineCommand({
  meta: { name: "attach", description: "Attach to (or, inside tmux, switch to) a session" },
  args: { name: { type: "positional", required: true, description: "Session name (exact)" } },
  async run({ args }) {
    // Outside a project it attaches on the server PRJ_TMUX_SOCKET (or the global config) names.
    const { openProjectOrServer, sessionNotFound } = await import("../sessions/context.ts");
    const { project, tmux } = await openProjectOrServer();
    await tmux.ensureSupported();
    if (!(await tmux.sessionExists(args.name))) {
      throw await sessionNotFound(tmux, args.name, project ? "prj list-sessions --all" : tmux.userCommand(["list-sessions"]));
    }
    // Inside tmux, switch-client only reaches our server when it is the one $TMUX points at.
    await tmux.attachSession(args.name, { insideTmux: tmux.isCurrentServer() });
  },
});
