import { defineCommand } from "./define.ts";
import { printJson, useColor, writeOut } from "../ui/output.ts";

const sessionUsage = defineCommand({
  meta: { name: "session-usage", description: "Session-hours per day, top tasks and worktrees, median duration and failed runs" },
  args: {
    timeframe: { type: "string", description: "How far back: a number and h, d or w (default 7d)" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    const { parseTimeframe } = await import("../ui/args.ts");
    const timeframe = parseTimeframe(args.timeframe ?? "7d");
    const { withReportContext } = await import("../sessions/context.ts");
    const { sessionUsage: usageOf } = await import("../state/reports.ts");
    const { attentionUsage, renderAttentionUsage } = await import("../attention/usage.ts");
    const usage = await withReportContext(({ project, store }) => {
      const report = usageOf(store, timeframe);
      return { project: project.root, ...report, attention: attentionUsage(store, { window: { from: report.from, to: report.to } }) };
    });
    if (args.json) return printJson(usage);
    const { renderUsage } = await import("../ui/reports.ts");
    const fancy = useColor();
    writeOut(renderUsage(usage, { unicode: fancy, color: fancy, columns: process.stdout.columns || 80 }) + (usage.empty ? "" : renderAttentionUsage(usage.attention)));
  },
});

export default defineCommand({
  meta: { name: "analyze", description: "Analyses of the project's history" },
  subCommands: { "session-usage": sessionUsage },
});
