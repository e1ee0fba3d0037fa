import { defineCommand } from "./define.ts";
import { formatDuration, printJson, writeOut } from "../ui/output.ts";

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
