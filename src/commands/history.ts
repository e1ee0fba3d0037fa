import { defineCommand } from "./define.ts";
import { printJson, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "history", description: "List runs and session events, newest first" },
  args: {
    limit: { type: "string", description: "How many events (default 50)" },
    status: { type: "string", description: "Only this status: running, succeeded, failed, cancelled, interrupted" },
    command: { type: "string", description: "Only events of this command" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    const { parseChoice, parsePositiveInteger } = await import("../ui/args.ts");
    const { EVENT_STATUSES, eventHistory } = await import("../state/reports.ts");
    const limit = args.limit === undefined ? 50 : parsePositiveInteger(args.limit, "--limit");
    const status = args.status === undefined ? undefined : parseChoice(args.status, "--status", EVENT_STATUSES);
    const command = args.command === undefined ? undefined : String(args.command);
    const { withReportContext } = await import("../sessions/context.ts");
    const entries = await withReportContext(({ project, store }) =>
      eventHistory(store, { projectPath: project.root, limit, status, command }),
    );
    if (args.json) return printJson(entries);
    const { renderHistory } = await import("../ui/reports.ts");
    writeOut(renderHistory(entries, status !== undefined || command !== undefined));
  },
});
