import { defineCommand } from "./define.ts";
import { PrjError } from "../errors.ts";
import { printJson, table, writeOut } from "../ui/output.ts";
import type { RestoreOutcome } from "../sessions/restore.ts";

export default defineCommand({
  meta: { name: "restore", description: "Recreate the sessions that were live when their tmux server went away (reboot, crash, kill-server)" },
  args: {
    "dry-run": { type: "boolean", description: "Say what would be restored and change nothing" },
    "all-projects": { type: "boolean", description: "Every registered project (prj projects), not only this one" },
    json: { type: "boolean", description: "Print the outcome of each session as JSON" },
  },
  async run({ args }) {
    const dryRun = Boolean(args["dry-run"]);
    const { openProject } = await import("../project.ts");
    const roots: string[] = [];
    if (args["all-projects"]) {
      const { readProjects } = await import("../projects/registry.ts");
      roots.push(...readProjects().map((project) => project.path));
    } else roots.push((await openProject()).root);
    const { isatty } = await import("node:tty");
    const askSecret = !dryRun && isatty(0) && isatty(2) ? askHidden : undefined;
    const outcomes: RestoreOutcome[] = [];
    const { existsSync } = await import("node:fs");
    const { openStateDatabase } = await import("../state/db.ts");
    const { TmuxManager } = await import("../tmux/manager.ts");
    const { restoreProject } = await import("../sessions/restore.ts");
    for (const root of roots) {
      const project = await openProject(root);
      // No database: nothing was ever recorded there, so nothing to restore.
      if (!existsSync(project.paths.database)) continue;
      const tmux = new TmuxManager({ socket: project.socket });
      await tmux.ensureSupported();
      const store = openStateDatabase(project.paths.database, { create: false });
      try {
        outcomes.push(...(await restoreProject(project, store, tmux, { dryRun, askSecret })));
      } finally {
        store.close();
      }
    }
    const failed = outcomes.filter((outcome) => outcome.action === "failed");
    if (args.json) printJson(outcomes);
    else writeOut(describe(outcomes, dryRun, roots.length > 1));
    if (failed.length) {
      throw new PrjError(`${failed.length} session(s) could not be restored: ${failed.map((outcome) => outcome.name).join(", ")}`, { logged: Boolean(args.json) });
    }
  },
});

function describe(outcomes: readonly RestoreOutcome[], dryRun: boolean, withProject: boolean): string {
  if (outcomes.length === 0) return "Nothing to restore: no session went away with its tmux server.\n";
  const label: Record<RestoreOutcome["action"], string> = {
    restored: "restored",
    retagged: "re-tagged",
    alive: "left alone",
    skipped: "skipped",
    failed: "FAILED",
    "would-restore": "would restore",
    "would-retag": "would re-tag",
  };
  const rows = outcomes.map((outcome) => [
    ...(withProject ? [outcome.project] : []),
    outcome.name,
    label[outcome.action],
    [outcome.command ?? "-", ...Object.entries(outcome.arguments).map(([key, value]) => `${key}=${value}`)].join(" "),
    outcome.reason ?? "",
  ]);
  const header = [...(withProject ? ["PROJECT"] : []), "SESSION", dryRun ? "WOULD" : "OUTCOME", "COMMAND", "WHY"];
  return `${table(rows, header).replace(/ +$/gm, "")}\n`;
}

/** Reads a secret on the terminal without echoing it; Escape or Ctrl-C gives up (the session is skipped). */
async function askHidden(question: string): Promise<string | undefined> {
  const stdin = process.stdin;
  process.stderr.write(`${question}: `);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve) => {
    let value = "";
    const finish = (result: string | undefined) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") return finish(value);
        if (char === "\u0003" || char === "\u001b") return finish(undefined);
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on("data", onData);
  });
}
