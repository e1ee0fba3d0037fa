// The order a run goes in, shared by the executor, the operations and the dry
// run: the session takes its own steps with it wherever start-session stands.
import { describe, expect, test } from "bun:test";
import type { CommandConfig } from "../../src/config/schema.ts";
import { planInput } from "../helpers/plan-input.ts";
import { ConfigError } from "../../src/errors.ts";
import { buildRunPlan, type PlanInput } from "../../src/plan/build.ts";
import { runOrder, type RunItem } from "../../src/plan/operations.ts";
import { planToText } from "../../src/plan/format.ts";
import type { RunPlan } from "../../src/plan/types.ts";

function plan(config: Omit<CommandConfig, "name">, project = "myapp"): RunPlan {
  return buildRunPlan(planInput({ name: "x", ...config }, { project }));
}

/** The run order as names: steps by name, `[worktree]`, `[session]`. */
function names(p: RunPlan): string[] {
  return runOrder(p).map((item: RunItem) => (item.item === "step" ? p.steps[item.phase][item.index]!.name : `[${item.item}]`));
}

const step = (name: string) => ({ name, run: `echo ${name}` });

describe("run order", () => {
  test("by default: pre, worktree, pre_create, session, post_create, steps, post", () => {
    const p = plan({
      worktree: { branch: "topic" },
      pre_steps: [step("pre")],
      steps: [step("main")],
      post_steps: [step("post")],
      session: { pre_create_steps: [step("before")], post_create_steps: [step("after")], windows: [{ name: "w" }] },
    });
    expect(names(p)).toEqual(["pre", "[worktree]", "before", "[session]", "after", "main", "post"]);
  });

  test("post_create_steps follow the session wherever start-session is listed, never before it", () => {
    const p = plan({
      steps: [step("install"), "start-session", step("announce")],
      session: { pre_create_steps: [step("before")], post_create_steps: [step("migrate")], windows: [{ name: "w" }] },
    });
    expect(names(p)).toEqual(["[worktree]", "install", "before", "[session]", "migrate", "announce"]);
  });

  test("create-worktree among the session's own steps goes with them", () => {
    const p = plan({
      worktree: { branch: "topic" },
      steps: ["start-session"],
      session: { pre_create_steps: [step("fetch"), "create-worktree"], windows: [{ name: "w" }] },
    });
    expect(names(p)).toEqual(["fetch", "[worktree]", "[session]"]);
  });

  const refused: [string, Omit<CommandConfig, "name">, string][] = [
    ["start-session in post_create_steps", { session: { post_create_steps: ["start-session"] } }, "start-session cannot be listed in session.post_create_steps"],
    ["start-session in pre_create_steps", { session: { pre_create_steps: ["start-session"] } }, "start-session cannot be listed in session.pre_create_steps"],
    ["create-worktree after the session's steps", { worktree: { branch: "t" }, session: { post_create_steps: ["create-worktree"] } }, "create-worktree must run before start-session"],
    ["create-worktree after start-session", { worktree: { branch: "t" }, pre_steps: ["start-session"], steps: ["create-worktree"], session: {} }, "create-worktree must run before start-session"],
  ];
  test.each(refused)("refused at validation: %s", (_, config, message) => {
    let error: unknown;
    try {
      plan(config);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as ConfigError).message).toContain(message);
  });
});

describe("the text dry run", () => {
  const text = planToText(
    plan({
      worktree: { branch: "topic" },
      pre_steps: [{ name: "prepare", run: "set -e\necho one\necho two\n" }],
      steps: [step("main")],
      cleanup_on_failure: [step("notify")],
      session: {
        windows: [{ name: "w", command: "echo a\necho b" }],
        cleanup_steps: [{ name: "stop", run: "docker compose stop db" }],
      },
    }),
    { worktree: "create", session: "reuse", branch: "awaited" },
  );

  test("a command of several lines is indented under its step and its pane", () => {
    expect(text).toContain("   1. prepare  (pre_steps)\n        set -e\n        echo one\n        echo two\n");
    expect(text).toContain("       pane 0: echo a\n               echo b\n");
  });

  test("lists the cleanup steps and those run on failure", () => {
    expect(text).toContain("If the run fails (cleanup_on_failure, then the rollback):\n    notify: echo notify\n");
    expect(text).toContain("When the session is killed through prj (session.cleanup_steps, as rendered now):\n    stop: docker compose stop db\n");
  });

  test("marks a session that would be reused, and where a new branch comes from", () => {
    expect(text).toContain("(live: it would be reused");
    expect(text).toContain("start-session  (session: it is live and would be reused)");
    expect(text).toContain("branch: topic (new, from main, which does not exist yet: pre_steps must make it)");
  });
});

describe("the default worktree path", () => {
  test("slugs the project name: no spaces in directories", () => {
    const p = plan({ worktree: { branch: "feature/Auth" } }, "My App");
    expect(p.worktree?.path).toBe("/src/worktrees/my-app-feature-auth");
  });
});
