import { defineCommand } from "./define.ts";

export default defineCommand({
  meta: { name: "mark", description: "Declare this pane's state, for agents' hooks: working, waiting, done or failed" },
  args: {
    state: { type: "positional", description: "working, waiting, done or failed", required: false },
    message: { type: "string", description: "What it is about (shown by status, passed to on_state steps as PRJ_STATE_MESSAGE)" },
  },
  async run({ args }) {
    const { markPane, parseDeclaredState } = await import("../attention/mark.ts");
    await markPane(parseDeclaredState(args.state), args.message);
  },
});
