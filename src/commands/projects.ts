import { defineCommand } from "./define.ts";
import { UsageError } from "../errors.ts";
import { printJson, table, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "projects", description: "List the projects prj has initialised or run in (prj projects forget PATH)" },
  usage: "prj projects [--json] | prj projects forget PATH",
  args: {
    action: { type: "positional", required: false, description: "forget: remove PATH from the registry (its files are left alone)" },
    path: { type: "positional", required: false, description: "The project directory to forget" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    const registry = await import("../projects/registry.ts");
    if (args.action !== undefined && args.action !== "list") {
      if (args.action !== "forget") throw new UsageError(`unknown action "${args.action}" for prj projects`, "use `prj projects` to list, `prj projects forget PATH` to forget one");
      if (!args.path) throw new UsageError("missing the PATH of the project to forget", "prj projects forget PATH (as `prj projects` shows it)");
      const forgotten = registry.forgetProject(args.path);
      if (args.json) return printJson({ path: args.path, forgotten });
      if (!forgotten) throw new UsageError(`${args.path} is not in the project registry`, "`prj projects` lists the registered paths");
      writeOut(`Forgot ${args.path} (its files and database are left alone; a prj run there registers it again)\n`);
      return;
    }
    // Projects whose directory is gone drop out here, for good.
    const dropped = registry.pruneProjects();
    const { streamsOfAllProjects } = await import("../projects/across.ts");
    const projects = (await streamsOfAllProjects()).filter((project) => project.registered);
    if (args.json) {
      return printJson(
        projects.map((project) => ({ name: project.name, path: project.path, socket: project.socket, last_used_at: project.last_used_at, live_sessions: project.sessions.length })),
      );
    }
    if (projects.length === 0) {
      writeOut("No projects registered yet. `prj init` or `prj run` in a repository registers it.\n");
      return;
    }
    const { localTime, withZone } = await import("../ui/time.ts");
    writeOut(`${table(projects.map((p) => [p.name, p.path, String(p.sessions.length), localTime(p.last_used_at)]), ["NAME", "PATH", "SESSIONS", withZone("LAST USED")])}\n`);
    if (dropped.length) writeOut(`Dropped (directory gone): ${dropped.join(", ")}\n`);
  },
});
