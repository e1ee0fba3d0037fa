import { defineCommand } from "./define.ts";
import { printJson, writeOut } from "../ui/output.ts";

const sessions = defineCommand({
  meta: { name: "sessions", description: "Live table of sessions: windows, attached, idle, processes, CPU % and RSS" },
  args: {
    interval: { type: "string", description: "Seconds between refreshes (default 2)" },
    once: { type: "boolean", description: "Print one frame and exit" },
    all: { type: "boolean", description: "Every session on the tmux server, not only this project's" },
    json: { type: "boolean", description: "Print as JSON (with --once one document; otherwise one per line)" },
  },
  async run({ args }) {
    const { parseInterval } = await import("../ui/args.ts");
    const intervalSeconds = args.interval === undefined ? 2 : parseInterval(args.interval);
    const { openProject } = await import("../project.ts");
    const { TmuxManager } = await import("../tmux/manager.ts");
    const { openStateDatabase } = await import("../state/db.ts");
    const { takeFrame } = await import("../sessions/monitor.ts");
    const project = await openProject();
    const tmux = new TmuxManager({ socket: project.socket });
    await tmux.ensureSupported();
    const store = openStateDatabase(project.paths.database, { create: true });
    const frame = () => takeFrame(tmux, { project: args.all ? undefined : project.root, store });
    const heading = `prj monitor: ${args.all ? "all sessions" : `sessions of ${project.name}`}`;
    try {
      if (args.once) {
        const doc = await frame();
        if (args.json) return printJson(doc);
        const { renderFrame } = await import("../ui/monitor.ts");
        return writeOut(renderFrame(doc, { heading }));
      }
      const { runLiveMonitor } = await import("../ui/monitor.ts");
      const ended = await runLiveMonitor({ intervalSeconds, json: Boolean(args.json), heading, frame });
      // Ctrl-C is Ctrl-C: 130, as for any command it stops; `q` is the way to quit with 0.
      if (ended !== "quit") {
        const { signalExitCode } = await import("../errors.ts");
        process.exitCode = signalExitCode(ended);
      }
    } finally {
      store.close();
    }
  },
});

export default defineCommand({
  meta: { name: "monitor", description: "Live views of the project's sessions" },
  subCommands: { sessions },
});
