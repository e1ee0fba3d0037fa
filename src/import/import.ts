/**
 * `prj import tmuxinator|tmuxp FILE`: read the peer's file, convert it (pure,
 * in tmuxinator.ts / tmuxp.ts), check the result loads like any command, and
 * write it into `.prj/commands`.
 */
import { homedir } from "node:os";
import { dirname, resolve } from "node:path";
import { PrjError, UsageError } from "../errors.ts";
import { findProjectRoot, projectPaths } from "../paths.ts";
import type { ImportContext, ImportResult } from "./common.ts";
import { checkCommandName, checkCommandYaml, fileStem, readPeerFile, renderCommandYaml, writeCommandFile } from "./write.ts";

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
  const data = readPeerFile(source, shown, tool, (text) => {
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
  };
  let result: ImportResult;
  if (tool === "tmuxinator") result = convertTmuxinator(data, context);
  else result = (await import("./tmuxp.ts")).convertTmuxp(data, context);
  if (name !== undefined) result.command.name = name;
  if (!result.command.name) {
    throw new UsageError(`cannot make a command name from ${shown}`, "pass --name NAME");
  }
  if (!result.command.session?.windows?.length) result.warnings.push("windows: none declared; the session gets prj's default window");

  const yaml = renderCommandYaml(result.command, [`Imported by \`prj import ${tool}\` from ${shown}.`], result.warnings);
  const target = `${paths.commands}/${result.command.name}.yaml`;
  await checkCommandYaml(yaml, target);
  const written = options.dryRun ? undefined : writeCommandFile(paths.commands, result.command.name, yaml, options.force ?? false);
  return { tool, source: shown, name: result.command.name, file: written, yaml, warnings: result.warnings };
}
