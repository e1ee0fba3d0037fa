/**
 * The shell new windows and panes start (`defaults.shell`, else `$SHELL`,
 * else /bin/sh) must exist before a session is made: otherwise tmux starts
 * the session, every pane dies at once, and the run "succeeds" with nothing
 * left. Checked only when a run makes a session, and cheap (a stat or a PATH
 * lookup); the config files are read again only to say where a bad value came from.
 */
import { accessSync, constants, statSync, type Stats } from "node:fs";
import { join } from "node:path";
import { ConfigError, UsageError } from "../errors.ts";
import { FALLBACK_SHELL } from "./defaults.ts";
import { displayPath, type Env } from "./files.ts";
import type { Settings } from "./schema.ts";

/** Why `shell` cannot be started, or undefined when it can. A bare name is looked up on PATH, as the pane's sh does. */
export function shellProblem(shell: string, env: Env = process.env): string | undefined {
  if (shell.trim() !== shell || shell === "") return `${JSON.stringify(shell)} is not a program name (it has leading or trailing spaces)`;
  if (!shell.includes("/")) {
    return Bun.which(shell, { PATH: env.PATH ?? "" }) ? undefined : `${shell} is not on PATH`;
  }
  let stat: Stats;
  try {
    stat = statSync(shell);
  } catch {
    return `${shell} does not exist`;
  }
  if (!stat.isFile()) return `${shell} is not a program (not a regular file)`;
  // access() alone says yes to root for any file; an execute bit must be set too.
  try {
    accessSync(shell, constants.X_OK);
    if ((stat.mode & 0o111) === 0) return `${shell} is not executable`;
  } catch {
    return `${shell} is not executable`;
  }
  return undefined;
}

/**
 * Throws an input error (exit 2) when the session shell cannot be started,
 * naming its origin: the config file and line of `defaults.shell`, or $SHELL.
 */
export async function assertShellUsable(settings: Settings, prjDir: string, env: Env = process.env): Promise<void> {
  const shell = settings.defaults.shell;
  const problem = shellProblem(shell, env);
  if (problem === undefined) return;
  const { globalConfigPath } = await import("../paths.ts");
  const hint = `set defaults.shell to an installed shell (e.g. /bin/bash) in ${displayPath(globalConfigPath(env))}`;
  if (!settings.defaults.shell_configured) {
    if (shell === FALLBACK_SHELL) throw new UsageError(`the fallback shell ${problem}`, hint);
    throw new UsageError(`the shell from $SHELL: ${problem}`, `fix $SHELL, or ${hint}`);
  }
  // Only on this error path are the files parsed again, for the line to point at.
  const { loadGlobalConfig, loadProjectConfig } = await import("./load.ts");
  const project = loadProjectConfig(prjDir);
  const source = project.config.defaults?.shell !== undefined ? project.source : loadGlobalConfig(env).source;
  const where = source
    ? { file: source.displayPath, ...source.positionOf(["defaults", "shell"]), path: "defaults.shell" }
    : { file: displayPath(join(prjDir, "configs", "project.yaml")), path: "defaults.shell" };
  throw new ConfigError(where, problem, hint);
}
