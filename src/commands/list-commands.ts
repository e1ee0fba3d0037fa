import { defineCommand } from "./define.ts";
import { openProject } from "../project.ts";
import { printJson, table, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "list-commands", description: "List the commands in .prj/commands" },
  args: { json: { type: "boolean", description: "Print as JSON" } },
  async run({ args }) {
    const project = await openProject();
    const { listCommandFiles, loadCommand, displayPath } = await import("../config/load.ts");
    const commands = listCommandFiles(project.paths.prj).map((file) => {
      const { config } = loadCommand(project.paths.prj, file.name);
      return {
        name: config.name,
        description: config.description ?? "",
        arguments: (config.arguments ?? []).map((argument) => ({
          name: argument.name,
          required: argument.required ?? false,
          default: argument.default,
          description: argument.description ?? "",
        })),
        file: displayPath(file.path),
      };
    });
    if (args.json) return printJson(commands);
    if (commands.length === 0) {
      writeOut("No commands in .prj/commands; `prj init` writes the defaults.\n");
      return;
    }
    const rows = commands.map((command) => [
      command.name,
      command.arguments.map((argument) => (argument.required ? `${argument.name}=…` : `[${argument.name}=…]`)).join(" "),
      command.description,
      command.file,
    ]);
    writeOut(`${table(rows, ["COMMAND", "ARGUMENTS", "DESCRIPTION", "FILE"])}\n`);
  },
});
