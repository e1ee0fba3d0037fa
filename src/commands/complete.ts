import type { CommandEntry } from "./entry.ts";
import { defineCommand } from "./define.ts";
import { writeOut } from "../ui/output.ts";

/**
 * Hidden: what the completion scripts call on every TAB. It gets its words raw
 * (cli.ts does not parse them as flags) and is silent on any error, because a
 * message on a shell's prompt line is worse than no candidates.
 */
export default defineCommand({
  meta: { name: "__complete", description: "Print completion candidates for the words after `prj`", hidden: true },
  async run({ rawArgs, data }) {
    const words = rawArgs[0] === "--" ? rawArgs.slice(1) : rawArgs;
    try {
      const commands = data as Record<string, CommandEntry>;
      const { completeWords } = await import("../completion/complete.ts");
      const candidates = await completeWords(words, commands);
      if (candidates.length > 0) writeOut(`${candidates.join("\n")}\n`);
    } catch (error) {
      const { log } = await import("../ui/log.ts");
      log.debug(`no completions for ${JSON.stringify(words)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  },
});
