import { defineCommand } from "./define.ts";
import { noSessionError } from "../errors.ts";

export default defineCommand({
  meta: { name: "attach", description: "Attach to (or, inside tmux, switch to) a session" },
  args: { name: { type: "positional", required: true, description: "Session name (exact)" } },
  async run({ args }) {
    const { openProject } = await import("../project.ts");
    const { TmuxManager } = await import("../tmux/manager.ts");
    const project = await openProject();
    const tmux = new TmuxManager({ socket: project.socket });
    await tmux.ensureSupported();
    if (!(await tmux.sessionExists(args.name))) {
      throw noSessionError(args.name, "prj list-sessions");
    }
    // Inside tmux, switch-client only reaches our server when it is the one $TMUX points at.
    await tmux.attachSession(args.name, { insideTmux: tmux.isCurrentServer() });
  },
});
