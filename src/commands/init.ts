import { defineCommand } from "./define.ts";
import { relative } from "node:path";
import { initProject } from "../init/init.ts";
import { printJson, writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "init", description: "Create the .prj/ tree, default commands and database" },
  args: {
    path: { type: "positional", required: false, description: "Directory to initialise (default: the repository root)" },
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  async run({ args }) {
    const result = await initProject(args.path);
    try {
      const { openProject } = await import("../project.ts");
      const { noteProject } = await import("../projects/registry.ts");
      noteProject(await openProject(result.root));
    } catch {
      // A project whose settings do not load is still initialised; its first run registers it.
    }
    if (args.json) return printJson(result);
    const show = (file: string) => relative(process.cwd(), file) || ".";
    if (result.created.length === 0) {
      writeOut(`Already initialised: ${show(result.root)}/.prj (nothing changed)\n`);
      return;
    }
    writeOut(`Initialised ${result.root}/.prj\n`);
    for (const file of result.created) writeOut(`  created ${show(file)}\n`);
    for (const file of result.kept) writeOut(`  kept    ${show(file)}\n`);
    writeOut("\nNext: prj list-commands, then prj run start-dev\n");
  },
});
