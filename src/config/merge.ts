/**
 * Layering of the global and project configs into {@link Settings}. Pure, and
 * free of yaml and TypeBox, so a config-cache hit (cache.ts) never loads them.
 */
import { basename, resolve } from "node:path";
import {
  DEFAULT_NAMING_PATTERN,
  DEFAULT_PORT_BASE,
  DEFAULT_SESSION_TIMEOUT,
  DEFAULT_TASK,
  DEFAULT_WINDOW_NAME,
  DEFAULT_WORKTREE_BASE_PATH,
  FALLBACK_SHELL,
  parseDuration,
} from "./defaults.ts";
import type { Env } from "./files.ts";
import type { GlobalConfig, ProjectConfig, Settings } from "./schema.ts";

/**
 * Layers built-in defaults < global < project into one {@link Settings} with
 * every field filled. The command and CLI layers sit above this and are
 * applied by the caller (e.g. `session.auto_attach`, then `--attach`).
 * `projectRoot` (the main worktree) names the project when the config does not,
 * and `env.SHELL` is the shell default before `/bin/sh`.
 */
export function mergeSettings(
  global: GlobalConfig,
  project: ProjectConfig,
  context: { projectRoot: string; env?: Env },
): Settings {
  const env = context.env ?? process.env;
  const timeout =
    project.sessions?.session_timeout ??
    project.tmux?.session_timeout ??
    global.tmux?.session_timeout ??
    DEFAULT_SESSION_TIMEOUT;
  return {
    defaults: {
      shell: project.defaults?.shell ?? global.defaults?.shell ?? (env.SHELL || FALLBACK_SHELL),
      shell_configured: (project.defaults?.shell ?? global.defaults?.shell) !== undefined,
      tmux_session_prefix: project.defaults?.tmux_session_prefix ?? global.defaults?.tmux_session_prefix ?? "",
    },
    tmux: {
      auto_attach: project.tmux?.auto_attach ?? global.tmux?.auto_attach ?? false,
      session_timeout_seconds: parseDuration(timeout),
      default_window_name: project.tmux?.default_window_name ?? global.tmux?.default_window_name ?? DEFAULT_WINDOW_NAME,
      socket_name: project.tmux?.socket_name ?? global.tmux?.socket_name,
    },
    project: {
      name: project.project?.name ?? basename(resolve(context.projectRoot)),
    },
    sessions: {
      tmux_config: project.sessions?.tmux_config,
      default_task: project.sessions?.default_task ?? DEFAULT_TASK,
      naming_pattern: project.sessions?.naming_pattern ?? DEFAULT_NAMING_PATTERN,
      auto_cleanup: project.sessions?.auto_cleanup ?? false,
    },
    worktrees: {
      base_path: project.worktrees?.base_path ?? DEFAULT_WORKTREE_BASE_PATH,
      copy_files: [...(project.worktrees?.copy_files ?? [])],
      port_base: project.worktrees?.port_base ?? DEFAULT_PORT_BASE,
    },
    environments: { ...(project.environments ?? {}) },
  };
}
