import { defineCommand } from "./define.ts";
import { printJson, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "reset-sessions", description: "Reconcile the database with tmux (never kills anything)" },
  args: { json: { type: "boolean", description: "Print the result as JSON" } },
  async run({ args }) {
    const { withSessionContext } = await import("../sessions/context.ts");
    const { reconcileState } = await import("../sessions/reconcile.ts");
    const result = await withSessionContext(({ store, project, tmux }) => reconcileState(store, project, tmux));
    if (args.json) return printJson(result);
    writeOut(
      `Recorded ${result.ended.length} ended session(s)${result.ended.length ? `: ${result.ended.join(", ")}` : ""}\n` +
        `Adopted ${result.adopted.length} live session(s)${result.adopted.length ? `: ${result.adopted.join(", ")}` : ""}\n` +
        `Marked ${result.interrupted} interrupted run(s)${result.interrupted_operations ? ` and ${result.interrupted_operations} interrupted kill or clean-up operation(s)` : ""}\n` +
        `Recorded ${result.worktrees_removed.length} removed worktree(s)${result.worktrees_removed.length ? `: ${result.worktrees_removed.join(", ")}` : ""}\n`,
    );
  },
});
