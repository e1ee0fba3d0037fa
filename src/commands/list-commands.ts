import { defineCommand } from "./define.ts";
import { openProject } from "../project.ts";
import { printJson, table, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "list-commands", description: "List the commands in .prj/commands" },
  args: { json: { type: "boolean", description: "Print as JSON" } },
  async run({ args }) {
    const project = await openProject();
    const { argumentsText, listProjectCommands } = await import("../run/command-list.ts");
    const commands = await listProjectCommands(project);
    if (args.json) return printJson(commands);
    if (commands.length === 0) {
      writeOut("No commands in .prj/commands; `prj init` writes the defaults.\n");
      return;
    }
    const rows = commands.map((command) => [command.name, argumentsText(command), command.description, command.file]);
    writeOut(`${table(rows, ["COMMAND", "ARGUMENTS", "DESCRIPTION", "FILE"])}\n`);
  },
});
