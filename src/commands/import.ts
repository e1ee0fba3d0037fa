import { defineCommand } from "./define.ts";
import { writeOut } from "../ui/output.ts";
import type { PeerTool } from "../import/import.ts";

const ARGS = {
  file: { type: "positional", required: true, description: "The project or workspace file to convert" },
  name: { type: "string", description: "Command name (default: the file's session name, else its file name)" },
  force: { type: "boolean", description: "Replace an existing command of that name" },
  "dry-run": { type: "boolean", description: "Print the command YAML instead of writing it" },
} as const;

function importer(tool: PeerTool, description: string) {
  return defineCommand({
    meta: { name: tool, description },
    args: ARGS,
    async run({ args }) {
      const { importPeerFile } = await import("../import/import.ts");
      const { log } = await import("../ui/log.ts");
      const outcome = await importPeerFile(tool, args.file, { name: args.name, force: Boolean(args.force), dryRun: Boolean(args["dry-run"]) });
      // Each thing not converted exactly, one line with its key path; also kept as comments in the file.
      for (const warning of outcome.warnings) log.warn(`${outcome.source}: ${warning}`);
      if (args["dry-run"]) {
        writeOut(outcome.yaml);
        return;
      }
      const { relative } = await import("node:path");
      writeOut(`Wrote ${relative(process.cwd(), outcome.file!) || outcome.file} from ${outcome.source}${outcome.warnings.length ? ` (${outcome.warnings.length} note${outcome.warnings.length === 1 ? "" : "s"} above)` : ""}\n`);
      writeOut(`Run it: prj run ${outcome.name}\n`);
    },
  });
}

export default defineCommand({
  meta: { name: "import", description: "Convert a tmuxinator or tmuxp file into a prj command" },
  subCommands: {
    tmuxinator: importer("tmuxinator", "Convert a tmuxinator project file into .prj/commands/NAME.yaml"),
    tmuxp: importer("tmuxp", "Convert a tmuxp workspace file into .prj/commands/NAME.yaml"),
  },
});
