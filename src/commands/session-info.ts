import { defineCommand } from "./define.ts";
import { PrjError } from "../errors.ts";
import { printJson } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "session-info", description: "Show a session's windows, panes, environment and history" },
  args: {
    name: { type: "positional", required: true, description: "Session name (exact)" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    const { withSessionContext } = await import("../sessions/context.ts");
    const { readProcessTable, ProcessIndex } = await import("../sessions/processes.ts");
    const { redactEnvironment } = await import("../plan/redact.ts");
    const doc = await withSessionContext(async ({ tmux, store, project }) => {
      const info = await tmux.getSessionInfo(args.name);
      if (!info) throw new PrjError(`no session named ${args.name}`, { hint: "`prj list-sessions --all` shows the live sessions" });
      const tree = new ProcessIndex(await readProcessTable()).tree(info.panes.map((pane) => pane.pid));
      const history = store.sessionHistory(args.name, project.root).map((row) => ({
        created_at: row.createdAt,
        ended_at: row.endedAt,
        end_reason: row.endReason,
        command: row.command,
        event_id: row.eventId,
      }));
      const windows = new Map<number, { index: number; name: string; active: boolean; layout: string; panes: { index: number; pid: number; command: string; path: string; active: boolean }[] }>();
      for (const pane of info.panes) {
        const window = windows.get(pane.windowIndex) ?? { index: pane.windowIndex, name: pane.windowName, active: pane.windowActive, layout: pane.windowLayout, panes: [] };
        window.panes.push({ index: pane.index, pid: pane.pid, command: pane.command, path: pane.path, active: pane.active });
        windows.set(pane.windowIndex, window);
      }
      const session = info.session;
      return {
        name: session.name,
        id: session.id,
        managed: session.project !== "",
        project: session.project,
        worktree: session.worktree,
        task: session.task,
        command: session.command,
        working_directory: session.path,
        attached: session.attached > 0,
        created_at: session.createdAt.toISOString(),
        last_activity: session.lastActivity.toISOString(),
        memory_bytes: tree.reduce((sum, row) => sum + row.rssKb * 1024, 0),
        processes: tree.length,
        environment: redactEnvironment(info.environment, await secretKeysOf(project.paths.prj, session.command)),
        windows: [...windows.values()].sort((a, b) => a.index - b.index),
        history,
      };
    });
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
    process.stdout.write(`${lines.join("\n")}\n`);
  },
});

/** The `secret_env` of the command that made the session, so listed keys are hidden even without a secret-looking name. */
async function secretKeysOf(prjDir: string, commandName: string): Promise<string[]> {
  if (!commandName) return [];
  const { loadCommand } = await import("../config/load.ts");
  try {
    return loadCommand(prjDir, commandName).config.secret_env ?? [];
  } catch {
    // A command file that is gone or broken has no secret_env to honour; redact by name only.
    return [];
  }
}
