import { describe, expect, test } from "bun:test";
import type { CommandConfig, Settings } from "../../src/config/schema.ts";
import { ConfigError, UsageError } from "../../src/errors.ts";
import { buildRunPlan, type PlanInput } from "../../src/plan/build.ts";
import { planToJson } from "../../src/plan/format.ts";

const settings: Settings = {
  defaults: { shell: "/bin/bash", shell_configured: false, tmux_session_prefix: "" },
  tmux: { auto_attach: false, session_timeout_seconds: 86400, default_window_name: "main", socket_name: undefined },
  project: { name: "myapp" },
  sessions: { tmux_config: undefined, default_task: "dev", naming_pattern: "{{project}}-{{worktree}}-{{task}}", auto_cleanup: false },
  worktrees: { base_path: "../worktrees", copy_files: [".env"], port_base: 3000 },
  environments: { development: { NODE_ENV: "development", DB_PASSWORD: "hunter2-secret" } },
};

function input(config: CommandConfig, cliArguments: Record<string, string> = {}, overrides: Partial<PlanInput["observed"]> = {}): PlanInput {
  return {
    project: { name: "myapp", path: "/src/myapp" },
    settings,
    command: { config, file: ".prj/commands/x.yaml", positionOf: (path) => ({ line: path.length + 1, col: 3 }) },
    cliArguments,
    observed: {
      currentBranch: "main",
      sessions: [],
      worktrees: [],
      stepFiles: { "stop-services": "/src/myapp/.prj/steps/stop-services.sh" },
      portFor: () => 3010,
      user: "dev",
      now: new Date("2026-11-23T18:45:00Z"),
      ...overrides,
    },
  };
}

describe("buildRunPlan", () => {
  test("names the session from the default pattern with the current branch", () => {
    const plan = buildRunPlan(input({ name: "start-dev", session: {} }));
    expect(plan.session?.name).toBe("myapp-main-dev");
    expect(plan.session?.windows.map((window) => window.name)).toEqual(["main"]);
    expect(plan.session?.workingDirectory).toBe("/src/myapp");
  });

  test("feature branch: worktree path from base_path, session in it", () => {
    const plan = buildRunPlan(
      input(
        {
          name: "feature-branch",
          arguments: [{ name: "branch", required: true }],
          worktree: { branch: "{{branch}}" },
          session: { name_template: "{{project}}-{{branch}}-dev", working_directory: "{{worktree_path}}" },
        },
        { branch: "Feature/Auth" },
      ),
    );
    expect(plan.worktree).toEqual({ path: "/src/worktrees/myapp-feature-auth", branch: "Feature/Auth", baseBranch: "main", copyFiles: [".env"] });
    expect(plan.session?.name).toBe("myapp-feature-auth-dev");
    expect(plan.session?.workingDirectory).toBe("/src/worktrees/myapp-feature-auth");
    expect(plan.environment.PRJ_PORT).toBe("3010");
  });

  test("an existing worktree for the branch is reused where it is", () => {
    const plan = buildRunPlan(
      input({ name: "f", worktree: { branch: "topic" }, session: {} }, {}, { worktrees: [{ path: "/elsewhere/topic", branch: "topic" }] }),
    );
    expect(plan.worktree?.path).toBe("/elsewhere/topic");
    expect(plan.session?.workingDirectory).toBe("/elsewhere/topic");
  });

  test("environment merges project env < command env < additional_env < PRJ_*", () => {
    const plan = buildRunPlan(
      input({
        name: "env",
        environment: { NODE_ENV: "override", API_URL: "http://localhost:{{port}}" },
        session: { environment: "development", additional_env: { SESSION_ID: "{{session_name}}", API_URL: "x" } },
      }),
    );
    const env = plan.session!.environment;
    expect(env.NODE_ENV).toBe("override");
    expect(env.API_URL).toBe("x");
    expect(env.SESSION_ID).toBe("myapp-main-dev");
    expect(env.PRJ_SESSION_NAME).toBe("myapp-main-dev");
    expect(env.DB_PASSWORD).toBe("hunter2-secret");
    expect(plan.secretKeys).toContain("DB_PASSWORD");
  });

  test("dry-run JSON redacts secrets everywhere, including tmux operations", () => {
    const plan = buildRunPlan(
      input({
        name: "env",
        secret_env: ["MY_VAR"],
        environment: { MY_VAR: "very-private-value" },
        session: { environment: "development", windows: [{ name: "w", command: "echo very-private-value" }] },
      }),
    );
    const text = JSON.stringify(planToJson(plan));
    expect(text).not.toContain("very-private-value");
    expect(text).not.toContain("hunter2-secret");
    expect(text).toContain("***");
  });

  test("plain panes start defaults.shell as a login shell only when a config file sets it", () => {
    const config: CommandConfig = { name: "plain", session: { windows: [{ name: "shell" }, { name: "run", command: "make" }] } };
    const inherited = planToJson(buildRunPlan(input(config)));
    const configured = planToJson(
      buildRunPlan({ ...input(config), settings: { ...settings, defaults: { ...settings.defaults, shell_configured: true } } }),
    );
    expect(inherited.tmux_operations[0]).not.toContain("/bin/bash -l");
    expect(configured.tmux_operations[0]).toEndWith(" /bin/bash -l");
    // A pane with a command is started through the wrapper either way.
    for (const plan of [inherited, configured]) {
      expect(plan.tmux_operations.find((line: string) => line.startsWith("new-window"))).toContain("prj-pane /bin/bash make");
    }
  });

  test("a same-named session of another identity gets -2; the same identity is reused", () => {
    const foreign = { name: "myapp-main-dev", project: "", worktree: "", task: "" };
    expect(buildRunPlan(input({ name: "s", session: {} }, {}, { sessions: [foreign] })).session?.name).toBe("myapp-main-dev-2");
    const ours = { name: "myapp-main-dev", project: "/src/myapp", worktree: "main", task: "dev" };
    expect(buildRunPlan(input({ name: "s", session: {} }, {}, { sessions: [ours] })).session?.name).toBe("myapp-main-dev");
  });

  test("panes: window command runs first in each pane; focus defaults to the first window", () => {
    const plan = buildRunPlan(
      input({
        name: "p",
        session: {
          windows: [
            { name: "a" },
            { name: "b", command: "source venv", layout: "tiled", panes: ["npm test", { command: ["git fetch", "git status"], working_directory: "sub", focus: true }] },
          ],
        },
      }),
    );
    const [a, b] = plan.session!.windows;
    expect(a!.focus).toBe(true);
    expect(b!.panes.map((pane) => pane.command)).toEqual(["source venv\nnpm test", "source venv\ngit fetch\ngit status"]);
    expect(b!.panes[1]!.workingDirectory).toBe("/src/myapp/sub");
    expect(b!.panes[1]!.focus).toBe(true);
  });

  test("inline run steps refer to substituted values, which travel as data beside the script", () => {
    const plan = buildRunPlan(
      input({ name: "r", arguments: [{ name: "x", required: true }], steps: [{ run: "echo {{x}}" }] }, { x: "$(touch /tmp/pwned)" }),
    );
    expect(plan.steps.main[0]).toEqual({
      kind: "inline",
      name: "run-0",
      run: 'echo "$PRJ_V_x"',
      timeoutSeconds: undefined,
      workingDirectory: undefined,
      shellValues: { PRJ_V_x: "$(touch /tmp/pwned)" },
    });
  });

  test("window and pane commands too; the window's command and the pane's share one set of values", () => {
    const plan = buildRunPlan(
      input(
        {
          name: "w",
          arguments: [{ name: "file", required: true }],
          session: { windows: [{ name: "e", command: "cd {{file}}", panes: ["vim {{file}}", "ls '{{file}}'"] }] },
        },
        { file: "$(touch /tmp/pwned)" },
      ),
    );
    const panes = plan.session!.windows[0]!.panes;
    expect(panes.map((pane) => pane.command)).toEqual(['cd "$PRJ_V_file"\nvim "$PRJ_V_file"', `cd "$PRJ_V_file"\nls ''"$PRJ_V_file"''`]);
    expect(panes.map((pane) => pane.shellValues)).toEqual([{ PRJ_V_file: "$(touch /tmp/pwned)" }, { PRJ_V_file: "$(touch /tmp/pwned)" }]);
  });

  test("a placement prj cannot prove safe is a config error at its line and column, with a hint", () => {
    const refused = (config: CommandConfig, args: Record<string, string>) => {
      try {
        buildRunPlan(input(config, args));
      } catch (error) {
        return error as ConfigError;
      }
      throw new Error("expected a ConfigError");
    };
    const step = refused({ name: "r", arguments: [{ name: "msg" }], steps: [{ run: "set -e\nx=$(date) {{msg}}" }] }, { msg: "m" });
    expect(step).toBeInstanceOf(ConfigError);
    expect(step.exitCode).toBe(2);
    expect(step.path).toBe("steps.0.run");
    expect(step.problem).toContain("{{msg}} cannot stand here: it stands in or after a $(…) command substitution");
    expect(step.problem).toContain("(line 2, column 11 of the text)");
    expect(step.hint).toContain('"$PRJ_ARG_MSG"');
    const pane = refused({ name: "p", arguments: [{ name: "msg" }], session: { windows: [{ command: "eval {{msg}}" }] } }, { msg: "m" });
    expect(pane.path).toBe("session.windows.0.command");
    expect(pane.problem).toContain("is an argument of `eval`");
    expect(pane.hint).toContain("the window's `environment:`");
  });

  test("a value from a sensitive argument is sensitive under its variable name too", () => {
    const plan = buildRunPlan(
      input(
        { name: "s", arguments: [{ name: "dsn" }], secret_env: ["dsn"], steps: [{ run: "psql {{dsn}}" }] },
        { dsn: "postgres://u:hunter22@db/app" },
      ),
    );
    expect(plan.secretKeys).toContain("PRJ_V_dsn");
  });

  const usage: [string, CommandConfig, Record<string, string>, RegExp][] = [
    ["missing required argument", { name: "f", arguments: [{ name: "branch", required: true }] }, {}, /missing required argument "branch"/],
    ["unknown argument", { name: "f", arguments: [{ name: "branch" }] }, { brnch: "x" }, /unknown argument "brnch"/],
  ];
  test.each(usage)("%s is a usage error (exit 2)", (_, config, args, message) => {
    let caught: unknown;
    try {
      buildRunPlan(input(config, args));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).exitCode).toBe(2);
    expect((caught as Error).message).toMatch(message);
  });

  const config: [string, CommandConfig, RegExp][] = [
    ["unknown variable", { name: "f", session: { name_template: "{{brnch}}" } }, /x\.yaml:3:3 session\.name_template: unknown variable "brnch"/],
    ["unclosed template", { name: "f", session: { name_template: "{{project" } }, /unclosed/],
    ["unknown step", { name: "f", steps: ["stop-servces"] }, /unknown step "stop-servces"/],
    ["unknown project environment", { name: "f", session: { environment: "staging" } }, /unknown project environment "staging"/],
  ];
  test.each(config)("%s is a config error naming the place", (_, command, message) => {
    let caught: unknown;
    try {
      buildRunPlan(input(command));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).exitCode).toBe(2);
    expect((caught as Error).message).toMatch(message);
  });

  test("unknown step error lists the available steps", () => {
    expect(() => buildRunPlan(input({ name: "f", steps: ["nope"] }))).toThrow(ConfigError);
    try {
      buildRunPlan(input({ name: "f", steps: ["nope"] }));
    } catch (error) {
      expect((error as ConfigError).hint).toContain("stop-services");
      expect((error as ConfigError).hint).toContain("create-worktree");
    }
  });
});
