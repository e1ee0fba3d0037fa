/**
 * `prj import tmuxinator|tmuxp FILE`: read the peer's file, convert it (pure,
 * in tmuxinator.ts / tmuxp.ts), check the result loads like any command, and
 * write it into `.prj/commands`.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, resolve } from "node:path";
import { ConfigError, PrjError, UsageError } from "../errors.ts";
import { findProjectRoot, projectPaths } from "../paths.ts";
import { PeerRejection, type ImportContext, type ImportResult, type PendingLayout } from "./common.ts";
import { checkCommandName, checkCommandYaml, fileStem, readPeerDocument, renderCommandYaml, writeCommandFile } from "./write.ts";

export type PeerTool = "tmuxinator" | "tmuxp";

export interface ImportOptions {
  name?: string;
  force?: boolean;
  /** Render and check, but write nothing. */
  dryRun?: boolean;
  cwd?: string;
}

export interface ImportOutcome {
  tool: PeerTool;
  source: string;
  name: string;
  /** The file written; undefined on a dry run. */
  file: string | undefined;
  yaml: string;
  warnings: string[];
}

export async function importPeerFile(tool: PeerTool, file: string, options: ImportOptions = {}): Promise<ImportOutcome> {
  const cwd = options.cwd ?? process.cwd();
  const root = findProjectRoot(cwd);
  if (!root) throw new UsageError(`no .prj directory found in ${cwd} or any parent`, "run `prj init` in your repository first");
  const paths = projectPaths(root);
  const name = options.name === undefined ? undefined : checkCommandName(options.name);

  const source = resolve(cwd, file);
  const { displayPath } = await import("../config/load.ts");
  const shown = displayPath(source);
  const { usesErb, convertTmuxinator } = await import("./tmuxinator.ts");
  const { data, locate } = readPeerDocument(source, shown, tool, (text) => {
    if (tool === "tmuxinator" && usesErb(text)) {
      throw new PrjError(`${shown} uses ERB templates (<%= … %>), which prj cannot render`, {
        exitCode: 2,
        hint: "render it first (for example `erb file.yml > rendered.yml`, with the values you pass to tmuxinator) and import the result, or replace each ERB value with a prj argument `{{name}}` after importing",
      });
    }
  });

  const context: ImportContext = {
    fileDir: dirname(source),
    home: process.env.HOME || homedir(),
    fileStem: fileStem(source),
    projectRoot: root,
    env: process.env,
    exists: (path) => existsSync(path),
  };
  let result: ImportResult;
  try {
    if (tool === "tmuxinator") result = convertTmuxinator(data, context);
    else result = (await import("./tmuxp.ts")).convertTmuxp(data, context);
  } catch (error) {
    if (!(error instanceof PeerRejection)) throw error;
    // The peer stops on this file itself: say what it says, and where the cause is.
    const position = locate(error.path);
    throw new ConfigError(
      { file: shown, line: position?.line, col: position?.col, path: keyPathText(error.path) },
      `${tool} cannot load this file: ${error.peerSays}`,
      `${error.why}; prj imports only what ${tool} itself runs`,
    );
  }
  if (result.pendingLayouts?.length) await workOutLayouts(result);
  if (name !== undefined) result.command.name = name;
  if (!result.command.name) {
    throw new UsageError(`cannot make a command name from ${shown}`, "pass --name NAME");
  }
  if (!result.command.session?.windows?.length) result.warnings.push("windows: none declared; the session gets prj's default window");

  const yaml = renderCommandYaml(result.command, [`Imported by \`prj import ${tool}\` from ${shown}.`], result.warnings, undefined, result.comments);
  const target = `${paths.commands}/${result.command.name}.yaml`;
  await checkCommandYaml(yaml, target);
  const written = options.dryRun ? undefined : writeCommandFile(paths.commands, result.command.name, yaml, options.force ?? false);
  return { tool, source: shown, name: result.command.name, file: written, yaml, warnings: result.warnings };
}

/** `windows[2].panes[0]`, the way warnings name places in the peer file. */
function keyPathText(path: (string | number)[]): string {
  return path.map((part, index) => (typeof part === "number" ? `[${part}]` : `${index ? "." : ""}${part}`)).join("");
}

/**
 * Replaces each pending preset by the exact layout tmux makes of it with the
 * peer's options, asked of tmux on a throw-away private server (the user's
 * tmux, so its own arithmetic). When tmux cannot tell, the preset stays and
 * the difference is reported.
 */
async function workOutLayouts(result: ImportResult): Promise<void> {
  const { runProcess } = await import("../exec/runner.ts");
  const tmux = Bun.which("tmux");
  const { withScratchServer } = await import("../tmux/scratch.ts");
  const windows = result.command.session?.windows ?? [];
  const replaceAll = async (scratch: string[] | undefined) => {
    for (const [index, pending] of (result.pendingLayouts ?? []).entries()) {
      const layout = scratch ? await askTmux(runProcess, scratch, pending, index) : undefined;
      const window = windows[pending.path[2] as number];
      if (layout && window) {
        window.layout = layout;
        const options = Object.entries(pending.options).map(([option, value]) => `${option} ${value}`).join(", ");
        result.comments.push({ path: pending.path, text: `${pending.preset} with ${options}, as tmux lays it out at ${pending.size.columns}x${pending.size.rows}` });
      } else {
        result.warnings.push(`${pending.notePath}: ${pending.preset} is shaped by tmux options prj does not set (${Object.keys(pending.options).join(", ")}), and tmux could not work the layout out at import; prj's panes take the preset's default sizes`);
      }
    }
  };
  // A scratch server of its own, its socket removed afterwards (see tmux/scratch.ts).
  if (tmux && result.pendingLayouts?.length) await withScratchServer(tmux, replaceAll);
  else await replaceAll(undefined);
}

async function askTmux(
  runProcess: (argv: readonly string[]) => Promise<{ exitCode: number; stdout: string; stderr: string }>,
  tmux: string[],
  pending: PendingLayout,
  index: number,
): Promise<string | undefined> {
  const session = `w${index}`;
  const target = `=${session}:`;
  const [columns, rows] = [String(pending.size.columns), String(pending.size.rows)];
  const argv = ["new-session", "-d", "-s", session, "-x", columns, "-y", rows, ";", "resize-window", "-t", target, "-x", columns, "-y", rows];
  for (const [option, value] of Object.entries(pending.options)) argv.push(";", "set-option", "-w", "-t", target, option, value);
  for (let pane = 1; pane < pending.panes; pane++) argv.push(";", "split-window", "-t", target, ";", "select-layout", "-t", target, pending.preset);
  argv.push(";", "display-message", "-p", "-t", target, "#{window_layout}");
  const answer = await runProcess([...tmux, ...argv]);
  const layout = answer.stdout.trim();
  return answer.exitCode === 0 && /^[0-9a-f]{4},/.test(layout) ? layout : undefined;
}
