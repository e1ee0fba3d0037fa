import { defineCommand } from "./define.ts";
import { printJson, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "send", description: "Type text into a pane once its program is ready for input (never into a shell still starting)" },
  args: {
    target: { type: "positional", description: "A session, session:window or pane id (%3); left out with --all", required: false },
    text: { type: "positional", description: "The text to type", required: false },
    enter: { type: "boolean", description: "Press Enter after the text" },
    all: { type: "boolean", description: "Every session of the project" },
    timeout: { type: "string", description: "How long to wait for the pane to be ready (default 30s; 0: only if ready now)" },
    json: { type: "boolean", description: "Print the outcome as JSON" },
  },
  async run({ args }) {
    const { PrjError, UsageError } = await import("../errors.ts");
    const { openAttentionContext, parseTarget, panesOfTarget, listPaneRows } = await import("../attention/targets.ts");
    const { parseTimeout } = await import("../attention/wait.ts");
    const { sendWhenReady } = await import("../attention/send.ts");
    const positionals = (args._ ?? []) as string[];
    const text = args.all ? positionals[0] : positionals[1];
    if (args.all ? positionals.length !== 1 : positionals.length !== 2) {
      throw new UsageError(args.all ? "prj send --all takes the text only: prj send --all TEXT" : "prj send takes a target and the text: prj send TARGET TEXT");
    }
    const timeoutMs = parseTimeout(args.timeout ?? "30s")!;
    const { tmux, project } = await openAttentionContext(Boolean(args.all));
    let targets;
    if (args.all) {
      const rows = (await listPaneRows(tmux)) ?? [];
      const sessions = [...new Set(panesOfTarget(rows, { kind: "project", text: project!.name, project: project!.root }).map((row) => row.sessionName))];
      if (sessions.length === 0) throw new PrjError(`no live session of ${project!.name} to send to`, { exitCode: 2, hint: "start one with `prj run NAME`" });
      targets = sessions.map((session) => ({ kind: "session" as const, text: session, session }));
    } else targets = [parseTarget(args.target, "send")];
    const outcomes = await sendWhenReady(tmux, targets, { text: text!, enter: Boolean(args.enter), timeoutMs });
    if (args.json) printJson(outcomes);
    else {
      const lines = outcomes.map((outcome) =>
        outcome.sent ? `sent to ${outcome.target} (${outcome.pane}: ${outcome.reason})` : `not sent to ${outcome.target}: ${outcome.reason}`,
      );
      writeOut(`${lines.join("\n")}\n`);
    }
    const missed = outcomes.filter((outcome) => !outcome.sent);
    if (missed.length) {
      const gone = missed.every((outcome) => outcome.reason === "it is gone");
      throw new PrjError(
        `${missed.length === outcomes.length ? "nothing was sent" : `${missed.length} of ${outcomes.length} got nothing`}: ${missed.map((outcome) => `${outcome.target} (${outcome.reason})`).join(", ")}`,
        gone ? {} : { exitCode: 124, hint: "a pane gets text only once its program waits for input; --timeout waits longer" },
      );
    }
  },
});
