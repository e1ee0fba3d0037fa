import { defineCommand } from "./define.ts";
import { printJson, writeOut } from "../ui/output.ts";

const sessions = defineCommand({
  meta: { name: "sessions", description: "Sessions created, active and ended, durations, by task and worktree, failed runs" },
  args: { json: { type: "boolean", description: "Print as JSON" } },
  async run({ args }) {
    const { withReportContext } = await import("../sessions/context.ts");
    const { sessionStats } = await import("../state/reports.ts");
    const { attentionUsage, renderAttentionUsage } = await import("../attention/usage.ts");
    const stats = await withReportContext(({ project, store }) => ({ project: project.root, ...sessionStats(store), attention: attentionUsage(store) }));
    if (args.json) return printJson(stats);
    const { renderStats } = await import("../ui/reports.ts");
    writeOut(renderStats(stats) + renderAttentionUsage(stats.attention));
  },
});

export default defineCommand({
  meta: { name: "stats", description: "Statistics from the project's database" },
  subCommands: { sessions },
});
