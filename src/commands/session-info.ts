import { defineCommand } from "./define.ts";
import { printJson, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "session-info", description: "Show a session's windows, panes, environment and history" },
  args: {
    name: { type: "positional", required: true, description: "Session name (exact)" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    const { withSessionContext } = await import("../sessions/context.ts");
    const { describeSession } = await import("../sessions/info.ts");
    const doc = await withSessionContext((context) => describeSession(context, args.name));
    if (args.json) return printJson(doc);
    const lines = [
      `Session ${doc.name} (${doc.id})${doc.managed ? "" : " — not managed by prj"}`,
      `  project:   ${doc.project || "-"}`,
      `  worktree:  ${doc.worktree || "-"}   task: ${doc.task || "-"}   command: ${doc.command || "-"}`,
      `  directory: ${doc.working_directory}`,
      `  attached:  ${doc.attached ? "yes" : "no"}`,
      `  created:   ${doc.created_at}   last activity: ${doc.last_activity}`,
      `  memory:    ${(doc.memory_bytes / 1048576).toFixed(1)} MiB in ${doc.processes} processes`,
      "  windows:",
      ...doc.windows.flatMap((window) => [
        `    ${window.index}: ${window.name}${window.active ? " (active)" : ""}`,
        ...window.panes.map((pane) => `       pane ${pane.index}: pid ${pane.pid} ${pane.command}  ${pane.path}${pane.active ? " (active)" : ""}`),
      ]),
      "  environment:",
      ...Object.entries(doc.environment).map(([key, value]) => `    ${key}=${value}`),
      "  history:",
      ...(doc.history.length ? doc.history.map((entry) => `    ${entry.created_at} → ${entry.ended_at ?? "running"}${entry.end_reason ? ` (${entry.end_reason})` : ""}`) : ["    (none recorded)"]),
    ];
    writeOut(`${lines.join("\n")}\n`);
  },
});
