// What the plan builder refuses before anything runs (layouts, window names)
// and the `task=` argument every command takes.
import { describe, expect, test } from "bun:test";
import type { CommandConfig } from "../../src/config/schema.ts";
import { planInput } from "../helpers/plan-input.ts";
import { ConfigError, UsageError } from "../../src/errors.ts";
import { buildRunPlan, type PlanInput } from "../../src/plan/build.ts";
import { layoutWithChecksum } from "../../src/tmux/layout.ts";

function input(config: CommandConfig, cliArguments: Record<string, string> = {}): PlanInput {
  return planInput(config, { cliArguments });
}

function failure(build: () => unknown): unknown {
  try {
    build();
  } catch (error) {
    return error;
  }
  throw new Error("expected the plan to be refused");
}

describe("window layouts in plans", () => {
  const withLayout = (layout: string, panes = 2, args: CommandConfig["arguments"] = []): CommandConfig => ({
    name: "x",
    arguments: args,
    session: { windows: [{ name: "work", layout, panes: Array.from({ length: panes }, () => "true") }] },
  });

  test("a preset passes through", () => {
    expect(buildRunPlan(input(withLayout("main-vertical"))).session?.windows[0]?.layout).toBe("main-vertical");
  });

  test("a misspelt preset is a ConfigError at the layout, with did-you-mean", () => {
    const error = failure(() => buildRunPlan(input(withLayout("main-vertial"))));
    expect(error).toBeInstanceOf(ConfigError);
    const config = error as ConfigError;
    expect(config.exitCode).toBe(2);
    expect(config.path).toBe("session.windows.0.layout");
    expect(config.message).toStartWith('.prj/commands/x.yaml:14:5 session.windows.0.layout: unknown layout "main-vertial"');
    expect(config.hint).toStartWith("did you mean main-vertical?");
  });

  test("a templated layout is checked after rendering", () => {
    const config = withLayout("{{shape}}", 2, [{ name: "shape", default: "tiled" }]);
    expect(buildRunPlan(input(config)).session?.windows[0]?.layout).toBe("tiled");
    const error = failure(() => buildRunPlan(input(config, { shape: "vertical" }))) as ConfigError;
    expect(error.message).toContain('unknown layout "vertical"');
  });

  test("a custom layout must have as many panes as the window", () => {
    const layout = layoutWithChecksum("80x24,0,0{40x24,0,0,1,39x24,41,0,2}");
    expect(buildRunPlan(input(withLayout(layout, 2))).session?.windows[0]?.layout).toBe(layout);
    const error = failure(() => buildRunPlan(input(withLayout(layout, 3)))) as ConfigError;
    expect(error.problem).toBe("the custom layout has 2 panes but the window has 3");
  });

  test("a window name that renders to a control character is refused at the name", () => {
    const config: CommandConfig = { name: "x", arguments: [{ name: "title" }], session: { windows: [{ name: "{{title}}" }] } };
    const error = failure(() => buildRunPlan(input(config, { title: "a\nb" }))) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.path).toBe("session.windows.0.name");
    expect(error.problem).toContain("a newline");
  });
});

describe("task=", () => {
  const startDev: CommandConfig = { name: "start-dev", session: {} };

  test("names the session without being declared", () => {
    const plan = buildRunPlan(input(startDev, { task: "frontend" }));
    expect(plan.session?.name).toBe("myapp-main-frontend");
    expect(plan.session?.identity.task).toBe("frontend");
    expect(plan.environment.PRJ_TASK).toBe("frontend");
    expect(plan.arguments).toEqual({ task: "frontend" });
  });

  test("wins over the command's session.task, as every command-line value does", () => {
    const plan = buildRunPlan(input({ name: "x", session: { task: "review" } }, { task: "api" }));
    expect(plan.session?.name).toBe("myapp-main-api");
  });

  test("works for a command without a session", () => {
    const plan = buildRunPlan(input({ name: "x", steps: [{ run: "echo {{task}}" }] }, { task: "docs" }));
    expect(plan.environment.PRJ_TASK).toBe("docs");
  });

  test("a declared task argument keeps its default and description", () => {
    const config: CommandConfig = { name: "x", arguments: [{ name: "task", default: "qa" }], session: {} };
    expect(buildRunPlan(input(config)).session?.name).toBe("myapp-main-qa");
    expect(buildRunPlan(input(config, { task: "perf" })).session?.name).toBe("myapp-main-perf");
  });

  test("an empty task is a usage error", () => {
    const error = failure(() => buildRunPlan(input(startDev, { task: "" })));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe("task= needs a value");
  });

  test("other undeclared arguments are still refused", () => {
    const error = failure(() => buildRunPlan(input(startDev, { taks: "x" })));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain('unknown argument "taks"');
  });
});

describe("environment variables that hold code", () => {
  const withEnvironment = (environment: Record<string, string>, where: "command" | "window" = "command"): CommandConfig => ({
    name: "x",
    arguments: [{ name: "v", default: "touch /tmp/pwned" }],
    ...(where === "command" ? { environment } : {}),
    session: { windows: [{ name: "w", ...(where === "window" ? { environment } : {}) }] },
  });

  for (const key of ["PROMPT_COMMAND", "BASH_ENV", "PS1", "LD_PRELOAD", "GIT_SSH_COMMAND"]) {
    test(`a substituted value in ${key} is refused with its position`, () => {
      const error = failure(() => buildRunPlan(input(withEnvironment({ [key]: "x{{v}}" }))));
      expect(error).toBeInstanceOf(ConfigError);
      expect(String((error as Error).message)).toContain(key);
    });
  }

  test("window environments are checked too", () => {
    expect(failure(() => buildRunPlan(input(withEnvironment({ PROMPT_COMMAND: "{{v}}" }, "window"))))).toBeInstanceOf(ConfigError);
  });

  test("a literal value, an escaped template and ordinary variables stay allowed", () => {
    const plan = buildRunPlan(input(withEnvironment({ PROMPT_COMMAND: "history -a", PS1: "\\{{literal}} $ ", APP_MODE: "{{v}}" })));
    expect(plan.environment.PROMPT_COMMAND).toBe("history -a");
    expect(plan.environment.APP_MODE).toBe("touch /tmp/pwned");
  });
});
