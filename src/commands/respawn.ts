import { defineCommand } from "./define.ts";
import { printJson, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "respawn", description: "Run a window's command again after Ctrl-C (or a crash) left its pane at a prompt" },
  usage: "prj respawn [SESSION:WINDOW[.PANE]] [--json]",
  args: {
    target: { type: "positional", required: false, description: "SESSION:WINDOW (by name or index), .PANE for one pane; default: the pane prj runs in" },
    json: { type: "boolean", description: "Print the panes respawned as JSON" },
  },
  async run({ args }) {
    const { openProjectOrServer } = await import("../sessions/context.ts");
    const { respawnPanes } = await import("../sessions/respawn.ts");
    const { tmux } = await openProjectOrServer();
    await tmux.ensureSupported();
    const panes = await respawnPanes(tmux, args.target);
    if (args.json) return printJson(panes);
    writeOut(panes.map((pane) => `Respawned ${pane.session}:${pane.window}.${pane.index}\n`).join(""));
  },
});
