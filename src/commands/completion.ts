import { defineCommand } from "./define.ts";
import { UsageError } from "../errors.ts";
import { writeOut } from "../ui/output.ts";
import { isShell, SHELLS, completionScript } from "../completion/scripts.ts";

export default defineCommand({
  meta: { name: "completion", description: "Print the shell completion script for bash, zsh or fish" },
  args: {
    shell: { type: "positional", required: false, description: `Shell: ${SHELLS.join(", ")}` },
  },
  async run({ args }) {
    const shell = args.shell;
    if (!shell || !isShell(shell)) {
      throw new UsageError(
        shell ? `no completion for shell "${shell}"; supported shells: ${SHELLS.join(", ")}` : `missing SHELL for \`prj completion\`: one of ${SHELLS.join(", ")}`,
        "e.g. `source <(prj completion bash)` in ~/.bashrc, `prj completion fish | source` in config.fish",
      );
    }
    writeOut(completionScript(shell));
  },
});
