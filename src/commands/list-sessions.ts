import { defineCommand } from "./define.ts";
import { printJson, table, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "list-sessions", description: "List this project's sessions" },
  args: {
    all: { type: "boolean", description: "Every session on the server, each marked managed or not" },
    "all-projects": { type: "boolean", description: "The sessions of every registered project (prj projects), with their project" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    if (args["all-projects"]) return listAllProjects(Boolean(args.json));
    const { openProject } = await import("../project.ts");
    const { TmuxManager } = await import("../tmux/manager.ts");
    const { listProjectSessions } = await import("../sessions/queries.ts");
    const project = await openProject();
    const tmux = new TmuxManager({ socket: project.socket });
    await tmux.ensureSupported();
    const { existsSync } = await import("node:fs");
    // The database is reconciled when there is one; listing never creates it.
    const store = existsSync(project.paths.database)
      ? (await import("../state/db.ts")).openStateDatabase(project.paths.database, { create: false })
      : undefined;
    let sessions;
    try {
      sessions = await listProjectSessions(tmux, project, Boolean(args.all), store);
    } finally {
      store?.close();
    }
    if (args.json) return printJson(sessions);
    if (sessions.length === 0) {
      writeOut(args.all ? "No sessions on this tmux server.\n" : "No live sessions for this project. Start one with `prj run start-dev`.\n");
      return;
    }
    const { localTime, withZone } = await import("../ui/time.ts");
    const { describeState } = await import("../attention/states.ts");
    const rows = sessions.map((session) => [
      session.name,
      session.managed ? session.worktree : "-",
      session.managed ? session.task : "-",
      describeState(session.state, session.state_since),
      String(session.windows),
      session.attached ? "yes" : "no",
      localTime(session.created_at),
      ...(args.all ? [session.managed ? "managed" : "other"] : []),
    ]);
    const header = ["NAME", "WORKTREE", "TASK", "STATE", "WINDOWS", "ATTACHED", withZone("CREATED"), ...(args.all ? ["MANAGED"] : [])];
    writeOut(`${table(rows, header)}\n`);
  },
});

async function listAllProjects(json: boolean): Promise<void> {
  const { flatten, streamsOfAllProjects } = await import("../projects/across.ts");
  const sessions = flatten(await streamsOfAllProjects());
  if (json) return printJson(sessions);
  if (sessions.length === 0) {
    writeOut("No live sessions in any registered project (`prj projects` lists them).\n");
    return;
  }
  const { describeState } = await import("../attention/states.ts");
  const { formatDuration } = await import("../ui/output.ts");
  const rows = sessions.map((session) => [
    session.project_name,
    session.name,
    session.worktree,
    describeState(session.state, session.state_since),
    formatDuration(session.idle_seconds),
    session.attached ? "yes" : "no",
  ]);
  writeOut(`${table(rows, ["PROJECT", "NAME", "WORKTREE", "STATE", "IDLE", "ATTACHED"])}\n`);
}
