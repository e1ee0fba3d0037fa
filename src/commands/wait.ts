import { defineCommand } from "./define.ts";
import { printJson, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "wait", description: "Wait until a session, window or pane reaches a state; exit 124 on timeout" },
  args: {
    target: { type: "positional", description: "A session, session:window or pane id (%3); or --all", required: false },
    until: { type: "string", description: "States to wait for, comma-separated: waiting, failed, working, done, idle, dead" },
    timeout: { type: "string", description: "Give up after this long (30, 45s, 10m, 2h) and exit 124" },
    all: { type: "boolean", description: "The project's sessions together (the most urgent one's state)" },
    json: { type: "boolean", description: "Print the outcome as JSON" },
  },
  async run({ args }) {
    const { PrjError, UsageError } = await import("../errors.ts");
    const { openAttentionContext, parseStates, parseTarget } = await import("../attention/targets.ts");
    const { parseTimeout, waitForState } = await import("../attention/wait.ts");
    if (args.all && args.target) throw new UsageError("prj wait takes a target or --all, not both");
    const until = parseStates(args.until, "--until");
    const timeoutMs = parseTimeout(args.timeout);
    const { tmux, project } = await openAttentionContext(Boolean(args.all));
    const target = args.all ? { kind: "project" as const, text: project!.name, project: project!.root } : parseTarget(args.target, "wait");
    const outcome = await waitForState(tmux, target, until, timeoutMs);
    const doc = {
      target: outcome.target,
      reached: outcome.reached,
      state: outcome.state ?? null,
      state_since: outcome.since === undefined ? null : new Date(outcome.since).toISOString(),
      message: outcome.message,
      waited_seconds: Math.round(outcome.waitedMs / 100) / 10,
      panes: outcome.panes.map((pane) => ({ ...pane, since: pane.since === undefined ? null : new Date(pane.since).toISOString() })),
    };
    if (args.json) printJson(doc);
    else if (outcome.reached) writeOut(`${doc.target}: ${doc.state}${doc.message ? ` (${doc.message})` : ""}\n`);
    if (!outcome.reached) {
      throw new PrjError(`timed out after ${doc.waited_seconds}s waiting for ${doc.target} to be ${until.join(" or ")}: it is ${doc.state ?? "not known yet"}`, {
        exitCode: 124,
        hint: doc.state === null ? "no state was published yet: the attention watcher publishes one within a second of a prj session starting (docs/attention.md)" : undefined,
      });
    }
  },
});
