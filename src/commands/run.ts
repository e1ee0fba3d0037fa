import { defineCommand } from "./define.ts";
import { PrjError, signalExitCode } from "../errors.ts";
import { printJson, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "run", description: "Run a command: worktree, session and steps" },
  usage: "prj run NAME [key=value …] [--dry-run] [--attach|--no-attach] [--json]",
  async helpExtra() {
    const { projectCommandsHelp } = await import("../run/command-list.ts");
    return projectCommandsHelp();
  },
  async whenMissing() {
    const { missingCommandName } = await import("../run/command-list.ts");
    return missingCommandName();
  },
  args: {
    name: { type: "positional", description: "Command name (a file in .prj/commands)" },
    "dry-run": { type: "boolean", description: "Print the plan and change nothing" },
    attach: { type: "boolean", description: "Attach to the session afterwards", negativeDescription: "Never attach, whatever the config says" },
    json: { type: "boolean", description: "Print the result (or the plan) as JSON" },
  },
  async run({ args }) {
    if (!args.name) {
      const { missingCommandName } = await import("../run/command-list.ts");
      throw await missingCommandName();
    }
    const { runNamedCommand } = await import("../run/run-command.ts");
    const tokens = (args._ as string[]).slice(1);
    const attach = args.attach === undefined ? undefined : Boolean(args.attach);
    const result = await runNamedCommand(args.name, tokens, { dryRun: Boolean(args["dry-run"]), attach });
    if (result.kind === "plan") {
      const { planToJson, planToText } = await import("../plan/format.ts");
      if (args.json) printJson(planToJson(result.plan, result.actions));
      else writeOut(planToText(result.plan, result.actions));
      return;
    }
    const report = result.report;
    if (args.json) printJson(report);
    if (report.status !== "succeeded") {
      // Said once, after the rollback's own lines: the report (with --json) is the data, this is the error.
      throw new PrjError(`run of ${args.name} ${report.status}: ${report.error ?? "no reason recorded"}`, {
        exitCode: report.status === "cancelled" && report.signal ? signalExitCode(report.signal) : 1,
        hint: [report.hint, report.step_logs ? `step logs: ${report.step_logs}` : undefined].filter(Boolean).join("\n") || undefined,
        logged: true,
      });
    }
    if (args.json) return;
    const lines: string[] = [];
    if (report.worktree) lines.push(`${report.worktree.created ? "Created" : "Reusing"} worktree ${report.worktree.path}`);
    if (report.session) {
      lines.push(`${report.session.created ? "Created" : "Reusing"} session ${report.session.name}`);
      lines.push(`Attach: prj attach ${report.session.name}`);
    }
    if (lines.length === 0) lines.push(`Run #${report.event_id} succeeded`);
    writeOut(`${lines.join("\n")}\n`);
  },
});
