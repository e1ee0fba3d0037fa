import { defineCommand } from "./define.ts";
import { PrjError } from "../errors.ts";
import { printJson, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "cleanup-sessions", description: "Kill this project's managed sessions" },
  args: {
    stale: { type: "boolean", description: "Only sessions idle past session_timeout and unattached" },
    "dry-run": { type: "boolean", description: "Show what would be killed" },
    yes: { type: "boolean", alias: "y", description: "Do not ask for confirmation" },
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  async run({ args }) {
    const { withSessionContext } = await import("../sessions/context.ts");
    const { isStale, sessionsOfProject } = await import("../sessions/queries.ts");
    const { killManagedSession } = await import("../sessions/kill.ts");
    const result = await withSessionContext(async (context) => {
      const timeout = context.project.settings.tmux.session_timeout_seconds;
      const targets = sessionsOfProject(await context.tmux.listSessions(), context.project.root)
        .filter((session) => !args.stale || isStale(session, timeout))
        .map((session) => session.name);
      if (args["dry-run"] || targets.length === 0) return { killed: [] as string[], would_kill: targets, dry_run: Boolean(args["dry-run"]) };
      if (!args.yes) {
        if (!process.stdin.isTTY) {
          throw new PrjError(`cleanup-sessions would kill ${targets.length} session(s); without a terminal it needs --yes`, { exitCode: 2 });
        }
        const { consola } = await import("consola");
        const ok = await consola.prompt(`Kill ${targets.length} session(s): ${targets.join(", ")}?`, { type: "confirm", initial: false });
        if (ok !== true) return { killed: [] as string[], would_kill: targets, dry_run: false };
      }
      const killed: string[] = [];
      for (const name of targets) {
        await killManagedSession(context, name, "cleanup");
        killed.push(name);
      }
      return { killed, would_kill: targets, dry_run: false };
    });
    if (args.json) return printJson(result);
    if (result.would_kill.length === 0) writeOut(`No ${args.stale ? "stale " : ""}sessions to clean up.\n`);
    else if (result.dry_run) writeOut(`Would kill: ${result.would_kill.join(", ")}\n`);
    else if (result.killed.length === 0) writeOut("Nothing killed.\n");
    else writeOut(`Killed: ${result.killed.join(", ")}\n`);
  },
});
