// A plan builder's input from plain data, for the unit tests of plans: one
// project `myapp` at /src/myapp on branch main, port 3010, no live sessions.
import type { CommandConfig, Settings } from "../../src/config/schema.ts";
import type { PlanInput } from "../../src/plan/build.ts";

export function testSettings(options: { shell?: string; project?: string } = {}): Settings {
  return {
    defaults: { shell: options.shell ?? "/bin/sh", shell_configured: false, tmux_session_prefix: "" },
    tmux: { auto_attach: false, session_timeout_seconds: 86400, default_window_name: "main", socket_name: undefined },
    project: { name: options.project ?? "myapp" },
    sessions: { tmux_config: undefined, default_task: "dev", naming_pattern: "{{project}}-{{worktree}}-{{task}}", auto_cleanup: false },
    worktrees: { base_path: "../worktrees", copy_files: [], port_base: 3000 },
    environments: {},
  };
}

/** `firstLine`: the line the YAML position of a path of length n reports is firstLine + n. */
export function planInput(
  config: CommandConfig,
  options: { cliArguments?: Record<string, string>; shell?: string; project?: string; firstLine?: number; col?: number } = {},
): PlanInput {
  const project = options.project ?? "myapp";
  return {
    project: { name: project, path: "/src/myapp" },
    settings: testSettings({ shell: options.shell, project }),
    command: {
      config,
      file: ".prj/commands/x.yaml",
      positionOf: (path) => ({ line: (options.firstLine ?? 10) + path.length, col: options.col ?? 5 }),
    },
    cliArguments: options.cliArguments ?? {},
    observed: { currentBranch: "main", sessions: [], worktrees: [], stepFiles: {}, portFor: () => 3010, user: "dev", now: new Date("2026-11-23T18:45:00Z") },
  };
}
