import { defineCommand } from "./define.ts";
import { writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "freeze", description: "Write a command that reproduces a running session's windows, panes and layouts" },
  args: {
    session: { type: "positional", required: true, description: "Session name (exact)" },
    name: { type: "string", description: "Command name (default: the session name)" },
    force: { type: "boolean", description: "Replace an existing command of that name" },
    "dry-run": { type: "boolean", description: "Print the command YAML instead of writing it" },
  },
  async run({ args }) {
    const { openProject } = await import("../project.ts");
    const { TmuxManager } = await import("../tmux/manager.ts");
    const { sessionNotFound } = await import("../sessions/context.ts");
    const { readSession, buildFrozenCommand, matchPresets } = await import("../freeze/freeze.ts");
    const { checkCommandName, checkCommandYaml, renderCommandYaml, writeCommandFile } = await import("../import/write.ts");
    const { log } = await import("../ui/log.ts");
    const name = args.name === undefined ? undefined : checkCommandName(args.name);
    const project = await openProject();
    const tmux = new TmuxManager({ socket: project.socket });
    await tmux.ensureSupported();
    const session = await readSession(tmux, args.session);
    if (!session) throw await sessionNotFound(tmux, args.session);
    await matchPresets(tmux.baseArgv()[0]!, session);
    const { command, notes } = buildFrozenCommand(session, { name, projectRoot: project.root, sessionPrefix: project.settings.defaults.tmux_session_prefix });
    const yaml = renderCommandYaml(command, [`Frozen by \`prj freeze\` from tmux session ${session.name}.`], notes, "Notes:");
    await checkCommandYaml(yaml, `${project.paths.commands}/${command.name}.yaml`);
    for (const note of notes) log.warn(note);
    if (args["dry-run"]) {
      writeOut(yaml);
      return;
    }
    const file = writeCommandFile(project.paths.commands, command.name, yaml, Boolean(args.force));
    const { relative } = await import("node:path");
    writeOut(`Wrote ${relative(process.cwd(), file) || file} from session ${session.name}\nRun it: prj run ${command.name}\n`);
  },
});
