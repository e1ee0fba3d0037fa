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
    const { sessionsOfProject } = await import("../sessions/queries.ts");
    const { staleSessions } = await import("../sessions/reconcile.ts");
    const { currentSessionName, killManagedSession, ownSessionLast } = await import("../sessions/kill.ts");
    const result = await withSessionContext(async (context) => {
      const live = await context.tmux.listSessions();
      const targets = (args.stale ? staleSessions(live, context.project) : sessionsOfProject(live, context.project.root)).map((session) => session.name);
      if (args["dry-run"] || targets.length === 0) return { killed: [] as string[], would_kill: targets, dry_run: Boolean(args["dry-run"]) };
      if (!args.yes) {
        if (!process.stdin.isTTY) {
          throw new PrjError(`cleanup-sessions would kill ${targets.length} session(s); without a terminal it needs --yes`, { exitCode: 2 });
        }
        const { consola } = await import("consola");
        const ok = await consola.prompt(`Kill ${targets.length} session(s): ${targets.join(", ")}?`, { type: "confirm", initial: false, cancel: "symbol" });
        // Ctrl-C at the prompt is Ctrl-C: exit 130, like any command it stops.
        if (typeof ok === "symbol") throw new PrjError("cancelled: nothing was killed", { exitCode: 130 });
        if (ok !== true) return { killed: [] as string[], would_kill: targets, dry_run: false };
      }
      const killed: string[] = [];
      // The session prj runs in goes last: killing it hangs up prj's terminal, and the rest must still be done.
      for (const name of ownSessionLast(targets, await currentSessionName(context))) {
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
