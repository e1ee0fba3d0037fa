// session.on_state in the plan: rendered with the run's values, shown by the dry run, recorded with the session
// (secrets never stored), and refused where a built-in step is listed.
import { describe, expect, test } from "bun:test";
import type { CommandConfig } from "../../src/config/schema.ts";
import { planInput } from "../helpers/plan-input.ts";
import { ConfigError } from "../../src/errors.ts";
import { buildRunPlan, type PlanInput } from "../../src/plan/build.ts";
import { planToJson, planToText } from "../../src/plan/format.ts";
import { recordedSessionPlan } from "../../src/plan/record.ts";

function input(config: CommandConfig, cliArguments: Record<string, string> = {}): PlanInput {
  return planInput(config, { cliArguments, shell: "/bin/bash", firstLine: 1, col: 3 });
}

const config: CommandConfig = {
  name: "agent",
  arguments: [{ name: "channel" }, { name: "hook_token" }],
  secret_env: [],
  session: {
    on_state: {
      waiting: [{ name: "notify", run: 'notify-send "{{session_name}} waits on #{{channel}}"' }],
      failed: [{ name: "page", run: "curl -H 'Authorization: {{hook_token}}' https://hooks.example/x" }],
    },
  },
};

describe("session.on_state", () => {
  test("rendered with the run's values, shown by the dry run, recorded with the session", () => {
    const plan = buildRunPlan(input(config, { channel: "ops", hook_token: "tok-abcdef" }));
    expect(Object.keys(plan.onState ?? {})).toEqual(["waiting", "failed"]);
    const doc = planToJson(plan);
    expect(doc.steps.on_state?.waiting).toEqual([expect.objectContaining({ name: "notify", kind: "inline" })]);
    expect(planToText(plan)).toContain("When a pane of the session becomes waiting (session.on_state.waiting):");
    const recorded = recordedSessionPlan(plan, "/src/myapp");
    expect(recorded.onState?.waiting?.[0]).toMatchObject({ name: "notify", kind: "inline" });
    expect(recorded.onState?.waiting?.[0]?.secretsWithheld).toBeUndefined();
  });

  test("a step rendered with a secret is recorded without it, marked withheld", () => {
    const plan = buildRunPlan(input({ ...config, secret_env: [] , arguments: [{ name: "channel" }, { name: "api_token" }],
      session: { on_state: { failed: [{ name: "page", run: "curl -H 'Authorization: {{api_token}}' https://hooks.example/x" }] } } }, { channel: "ops", api_token: "tok-abcdef" }));
    const recorded = recordedSessionPlan(plan, "/src/myapp");
    expect(JSON.stringify(recorded)).not.toContain("tok-abcdef");
    expect(recorded.onState?.failed?.[0]?.secretsWithheld).toBe(true);
  });

  test("a built-in step may not be listed there", () => {
    expect(() => buildRunPlan(input({ name: "x", session: { on_state: { done: ["start-session"] } } }))).toThrow(ConfigError);
    expect(() => buildRunPlan(input({ name: "x", session: { on_state: { done: ["start-session"] } } }))).toThrow(/cannot run in session\.on_state\.done/);
  });
});
