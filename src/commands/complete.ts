import { defineCommand } from "./define.ts";
import { writeOut } from "../ui/output.ts";

/**
 * Hidden: what the completion scripts call on every TAB. It gets its words raw
 * (cli.ts does not parse them as flags) and is silent on any error, because a
 * message on a shell's prompt line is worse than no candidates.
 */
export default defineCommand({
  meta: { name: "__complete", description: "Print completion candidates for the words after `prj`", hidden: true },
  async run({ rawArgs }) {
    const words = rawArgs[0] === "--" ? rawArgs.slice(1) : rawArgs;
    try {
      const { COMMANDS } = await import("../cli.ts");
      const { completeWords } = await import("../completion/complete.ts");
      const candidates = await completeWords(words, COMMANDS);
      if (candidates.length > 0) writeOut(`${candidates.join("\n")}\n`);
    } catch (error) {
      const { log } = await import("../ui/log.ts");
      log.debug(`no completions for ${JSON.stringify(words)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  },
});
