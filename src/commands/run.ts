import { defineCommand } from "./define.ts";
import { UsageError } from "../errors.ts";
import { printJson, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "run", description: "Run a command: worktree, session and steps" },
  args: {
    name: { type: "positional", description: "Command name (a file in .prj/commands)" },
    "dry-run": { type: "boolean", description: "Print the plan and change nothing" },
    attach: { type: "boolean", description: "Attach to the session afterwards (--no-attach: never)" },
    json: { type: "boolean", description: "Print the result (or the plan) as JSON" },
  },
  async run({ args }) {
    const { runNamedCommand } = await import("../run/run-command.ts");
    const tokens = (args._ as string[]).slice(1);
    if (!args.name) throw new UsageError("prj run needs a command name", "`prj list-commands` shows them");
    const attach = args.attach === undefined ? undefined : Boolean(args.attach);
    const result = await runNamedCommand(args.name, tokens, { dryRun: Boolean(args["dry-run"]), attach });
    if (result.kind === "plan") {
      const { planToJson, planToText } = await import("../plan/format.ts");
      if (args.json) printJson(planToJson(result.plan, result.actions));
      else writeOut(planToText(result.plan, result.actions));
      return;
    }
    if (args.json) printJson(result.report);
    else if (result.report.status === "succeeded") {
      const session = result.report.session;
      if (session) {
        writeOut(`${session.created ? "Created" : "Reusing"} session ${session.name}\n`);
        writeOut(`Attach: prj attach ${session.name}\n`);
      } else writeOut(`Run ${result.report.event_id} succeeded\n`);
    }
    if (result.report.status !== "succeeded") {
      const { writeStderr } = await import("../ui/log.ts");
      writeStderr(`prj: run ${result.report.status}: ${result.report.error ?? ""}\n`);
      process.exitCode = 1;
    }
  },
});
