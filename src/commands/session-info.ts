import { defineCommand } from "./define.ts";
import { printJson, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "session-info", description: "Show a session's windows, panes, environment and history" },
  args: {
    name: { type: "positional", required: true, description: "Session name (exact)" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    // Outside a project it describes any session on the server PRJ_TMUX_SOCKET (or the global config) names.
    const { openProjectOrServer } = await import("../sessions/context.ts");
    const { describeSession } = await import("../sessions/info.ts");
    const { project, tmux } = await openProjectOrServer();
    await tmux.ensureSupported();
    const { existsSync } = await import("node:fs");
    // A read command: the database is read when there is one, never created.
    const store =
      project && existsSync(project.paths.database)
        ? (await import("../state/db.ts")).openStateDatabase(project.paths.database, { create: false })
        : undefined;
    let doc;
    try {
      doc = await describeSession({ tmux, store, project }, args.name);
    } finally {
      store?.close();
    }
    if (args.json) return printJson(doc);
    const { localTime, timeZoneLabel } = await import("../ui/time.ts");
    const lines = [
      `Session ${doc.name} (${doc.id})${doc.managed ? "" : " — not managed by prj"}`,
      `  project:   ${doc.project || "-"}`,
      `  worktree:  ${doc.worktree || "-"}   task: ${doc.task || "-"}   command: ${doc.command || "-"}`,
      `  directory: ${doc.working_directory}`,
      `  attached:  ${doc.attached ? "yes" : "no"}`,
      `  created:   ${localTime(doc.created_at)}   last activity: ${localTime(doc.last_activity)}   (times in ${timeZoneLabel()})`,
      `  memory:    ${(doc.memory_bytes / 1048576).toFixed(1)} MiB in ${doc.processes} processes`,
      "  windows:",
      ...doc.windows.flatMap((window) => [
        `    ${window.index}: ${window.name}${window.active ? " (active)" : ""}`,
        ...window.panes.map((pane) => `       pane ${pane.index}: pid ${pane.pid} ${pane.command}  ${pane.path}${pane.active ? " (active)" : ""}`),
      ]),
      "  environment:",
      ...Object.entries(doc.environment).map(([key, value]) => `    ${key}=${value}`),
      "  history:",
      ...(doc.history.length
        ? doc.history.map((entry) => `    ${localTime(entry.created_at)} → ${entry.ended_at ? localTime(entry.ended_at) : "running"}${entry.end_reason ? ` (${entry.end_reason})` : ""}`)
        : ["    (none recorded)"]),
    ];
    writeOut(`${lines.join("\n")}\n`);
  },
});
