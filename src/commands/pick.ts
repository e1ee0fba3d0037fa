import { defineCommand } from "./define.ts";
import { PrjError, UsageError } from "../errors.ts";
import { printJson, writeOut } from "../ui/output.ts";
import type { PickItem } from "../pick/items.ts";

export default defineCommand({
  meta: { name: "pick", description: "Pick a session, command or worktree of any project, fuzzy-filtered; Enter attaches or runs" },
  args: {
    print: { type: "boolean", description: "Print the list, one tab-separated line per item (kind, project, target, label), for fzf or a script" },
    json: { type: "boolean", description: "Print the list as JSON" },
  },
  async run({ args }) {
    const { pickItems } = await import("../pick/items.ts");
    const items = await pickItems();
    if (args.json) return printJson(items);
    if (args.print) {
      writeOut(items.map((item) => `${item.kind}\t${item.project_path}\t${item.target}\t${item.label.trim()}\n`).join(""));
      return;
    }
    const { isatty } = await import("node:tty");
    if (!isatty(0) || !isatty(1)) throw new UsageError("prj pick needs a terminal", "use `prj pick --print` or `--json` to feed the list to fzf or a script");
    if (items.length === 0) {
      writeOut("Nothing to pick: no live sessions, commands or worktrees in any registered project (`prj init` or `prj run` registers one).\n");
      return;
    }
    const { runPicker } = await import("../pick/tui.ts");
    const chosen = await runPicker(items, { header: "sessions, commands (run), worktrees (tree) · Enter: go · Esc: leave" });
    // Escape: nothing chosen, like fzf.
    if (!chosen) throw new PrjError("nothing picked", { exitCode: 130, logged: true });
    await act(chosen);
  },
});

async function act(item: PickItem): Promise<void> {
  const { TmuxManager } = await import("../tmux/manager.ts");
  const tmux = new TmuxManager({ socket: item.socket ?? undefined });
  if (item.kind === "session") return tmux.attachSession(item.target, { insideTmux: tmux.isCurrentServer() });
  if (item.kind === "worktree") {
    // A plain shell in the worktree, named like prj names sessions; attached when it exists already.
    const name = `${item.project}-${item.branch ?? "worktree"}`.replace(/[.:]/g, "-");
    if (!(await tmux.sessionExists(name))) {
      const result = await tmux.run(["new-session", "-d", "-s", name, "-c", item.target]);
      if (result.exitCode !== 0) throw new PrjError(`could not open a session in ${item.target}: ${result.stderr.trim()}`);
    }
    return tmux.attachSession(name, { insideTmux: tmux.isCurrentServer() });
  }
  const { openProject } = await import("../project.ts");
  const { listProjectCommands } = await import("../run/command-list.ts");
  const project = await openProject(item.project_path);
  const command = (await listProjectCommands(project)).find((candidate) => candidate.name === item.target);
  if (!command) throw new UsageError(`${item.target} is no longer a command of ${item.project}`);
  const tokens: string[] = [];
  const { consola } = await import("consola");
  for (const argument of command.arguments) {
    if (!argument.required || argument.default !== undefined) continue;
    const value = await consola.prompt(`${command.name}: ${argument.name}${argument.description ? ` (${argument.description})` : ""}`, { type: "text", cancel: "symbol" });
    if (typeof value !== "string" || value === "") throw new PrjError(`nothing run: ${argument.name} not given`, { exitCode: 130 });
    tokens.push(`${argument.name}=${value}`);
  }
  const { prjArgv } = await import("../paths.ts");
  const child = Bun.spawn([...prjArgv(), "run", command.name, ...tokens, "--attach"], {
    cwd: project.root,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
    env: process.env as Record<string, string>,
  });
  const code = await child.exited;
  if (code !== 0) throw new PrjError(`prj run ${command.name} exited with ${code}`, { exitCode: code === 2 || code === 130 ? code : 1, logged: true });
}
