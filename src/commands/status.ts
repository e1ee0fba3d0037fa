import { defineCommand } from "./define.ts";
import { printJson, table, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "status", description: "Project, live sessions, worktrees, recent events and stale sessions" },
  args: {
    json: { type: "boolean", description: "Print as JSON" },
    "all-projects": { type: "boolean", description: "Every registered project with its live sessions (state, worktree, idle time, attached)" },
    format: { type: "string", description: "text (default), json, or tmux: a short status-line segment, counts of sessions by state" },
  },
  async run({ args }) {
    let json = Boolean(args.json);
    if (args.format !== undefined) {
      const { parseChoice } = await import("../ui/args.ts");
      const format = parseChoice(args.format, "--format", ["text", "json", "tmux"] as const);
      if (format === "tmux") {
        const { statusLineSegment } = await import("../attention/status-line.ts");
        const segment = await statusLineSegment();
        return writeOut(segment ? `${segment}\n` : "");
      }
      if (format === "json") json = true;
    }
    if (args["all-projects"]) return statusOfAllProjects(json);
    const { withSessionContext } = await import("../sessions/context.ts");
    const { reviveWatcher, sessionsOfProject, toListing, waitingFirst } = await import("../sessions/queries.ts");
    const { presentedStatus } = await import("../state/reports.ts");
    const { reconcile } = await import("../sessions/reconcile.ts");
    const doc = await withSessionContext(async ({ project, tmux, store }) => {
      // The one reconciler first: ended sessions, interrupted runs and gone worktrees are recorded before anything is shown.
      const { observation, diff } = await reconcile({ project, store, tmux }, { git: true });
      const mine = sessionsOfProject(observation.live ?? [], project.root);
      await reviveWatcher(tmux, observation.live ?? []);
      return {
        project: { name: project.name, path: project.root, socket: project.socket ?? null },
        sessions: waitingFirst(mine.map(toListing)),
        stale_sessions: diff.staleSessions.map((session) => session.name),
        worktrees: store.listWorktrees(project.root).map((row) => ({ path: row.path, branch: row.branch, port: row.port })),
        recent_events: store.listEvents({ projectPath: project.root, limit: 10 }).map((event) => ({
          id: event.id,
          kind: event.kind,
          // A run whose prj died shows as interrupted (reset-sessions records it).
          status: presentedStatus(event),
          command: event.command,
          session: event.sessionName,
          started_at: event.startedAt,
          ended_at: event.endedAt,
          error: event.error,
        })),
      };
    });
    if (json) return printJson(doc);
    const { describeState } = await import("../attention/states.ts");
    const out: string[] = [`Project ${doc.project.name}  ${doc.project.path}${doc.project.socket ? `  (tmux socket ${doc.project.socket})` : ""}`, ""];
    out.push(`Live sessions (${doc.sessions.length}):`);
    out.push(doc.sessions.length ? table(doc.sessions.map((s) => [`  ${s.name}`, describeState(s.state, s.state_since), s.worktree, s.task, `${s.windows} windows`, s.attached ? "attached" : ""])) : "  none");
    if (doc.stale_sessions.length) out.push("", `Stale (idle, unattached): ${doc.stale_sessions.join(", ")}  → prj cleanup-sessions --stale`);
    out.push("", `Worktrees (${doc.worktrees.length}):`);
    out.push(doc.worktrees.length ? table(doc.worktrees.map((w) => [`  ${w.branch}`, w.path, `port ${w.port}`])) : "  none recorded");
    const { localTime, timeZoneLabel } = await import("../ui/time.ts");
    out.push("", `Recent events (times in ${timeZoneLabel()}):`);
    out.push(
      doc.recent_events.length
        ? table(doc.recent_events.map((e) => [`  #${e.id}`, e.kind, e.status, e.command ?? "-", e.session ?? "-", localTime(e.started_at)]))
        : "  none",
    );
    writeOut(`${out.join("\n").replace(/ +$/gm, "")}\n`);
  },
});

async function statusOfAllProjects(json: boolean): Promise<void> {
  const { streamsOfAllProjects } = await import("../projects/across.ts");
  const projects = await streamsOfAllProjects();
  if (json) return printJson({ projects });
  if (projects.length === 0) {
    writeOut("No projects registered yet. `prj init` or `prj run` in a repository registers it.\n");
    return;
  }
  const { describeState } = await import("../attention/states.ts");
  const { formatDuration } = await import("../ui/output.ts");
  const out: string[] = [];
  for (const project of projects) {
    if (out.length) out.push("");
    out.push(`${project.name}  ${project.path}  (${project.sessions.length} live)`);
    if (project.sessions.length) {
      out.push(
        table(
          project.sessions.map((s) => [`  ${s.name}`, describeState(s.state, s.state_since), s.worktree, `idle ${formatDuration(s.idle_seconds)}`, s.attached ? "attached" : ""]),
        ),
      );
    }
  }
  writeOut(`${out.join("\n").replace(/ +$/gm, "")}\n`);
}
