import { defineCommand } from "./define.ts";
import { printJson, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "kill-session", description: "Run cleanup steps, kill a session and record its end" },
  args: {
    name: { type: "positional", required: true, description: "Session name (exact)" },
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  async run({ args }) {
    const { withSessionContext } = await import("../sessions/context.ts");
    const { killManagedSession } = await import("../sessions/kill.ts");
    const result = await withSessionContext((context) => killManagedSession(context, args.name, "killed"));
    if (args.json) return printJson(result);
    writeOut(`Killed session ${result.name}${result.duration_seconds === null ? "" : ` after ${formatDuration(result.duration_seconds)}`}\n`);
  },
});

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}
