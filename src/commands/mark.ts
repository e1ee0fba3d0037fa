import { defineCommand } from "./define.ts";

export default defineCommand({
  meta: { name: "mark", description: "Declare this pane's state, for agents' hooks: working, waiting, done or failed" },
  args: {
    state: { type: "positional", description: "working, waiting, done or failed", required: false },
    message: { type: "string", description: "What it is about (shown by status, passed to on_state steps as PRJ_STATE_MESSAGE)" },
    json: { type: "boolean", description: "Print the declaration as JSON" },
  },
  async run({ args }) {
    const { markPane, parseDeclaredState } = await import("../attention/mark.ts");
    const declared = await markPane(parseDeclaredState(args.state), args.message);
    if (args.json) {
      const { printJson } = await import("../ui/output.ts");
      printJson(declared);
    }
  },
});
