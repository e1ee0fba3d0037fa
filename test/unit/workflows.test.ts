// Pure pieces of the workflows: branch names, port blocks, worktree list
// parsing, built-in step placement and deadlines. (Shell placement of values:
// test/unit/shell-placement.test.ts and test/integration/shell-injection.test.ts.)
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { CommandConfig, Settings } from "../../src/config/schema.ts";
import { ConfigError, UsageError } from "../../src/errors.ts";
import { atDeadline, earliest, MAX_TIMER_DELAY_MS } from "../../src/exec/deadline.ts";
import { branchNameProblem } from "../../src/git/refs.ts";
import { parseWorktreeList } from "../../src/git/worktree.ts";
import { buildRunPlan, type PlanInput } from "../../src/plan/build.ts";
import { planToText } from "../../src/plan/format.ts";
import { openStateDatabase } from "../../src/state/db.ts";
import { plannedPort, recordWorktree, type PortRow } from "../../src/worktrees/ports.ts";
import { tempDir } from "../helpers/world.ts";

describe("branchNameProblem agrees with git check-ref-format --branch", () => {
  const names = [
    "user-auth", "feature/Auth", "review-pr456", "a@b", "ok.lock.x", "é", "$(id)",
    "a b", "a..b", "-x", "a/.b", "a.lock", "a/", "/a", "a//b", "x.", "a@{b", "a~", "a^", "a:b", "a?b", "a*b", "a[b", "a\\b", "a\tb", "",
  ];
  test.each(names.map((name) => [name]))("%j", (name) => {
    const git = Bun.spawnSync(["git", "check-ref-format", "--branch", name], { stdout: "pipe", stderr: "pipe" });
    expect(branchNameProblem(name) === undefined).toBe(git.exitCode === 0);
  });
  test("HEAD and @ are refused even though check-ref-format resolves them", () => {
    expect(branchNameProblem("HEAD")).toBeDefined();
    expect(branchNameProblem("@")).toBeDefined();
  });
});

describe("port blocks", () => {
  const base = 3000;
  test.each<[string, PortRow[], string, number]>([
    ["main, nothing recorded", [], "/p", 3000],
    ["first linked worktree leaves the first block to main", [], "/w/a", 3010],
    ["known path keeps its port", [{ path: "/w/a", port: 3040 }], "/w/a", 3040],
    ["next free after main and others", [{ path: "/p", port: 3000 }, { path: "/w/a", port: 3010 }], "/w/b", 3020],
    ["a freed block is reused", [{ path: "/p", port: 3000 }, { path: "/w/b", port: 3020 }], "/w/c", 3010],
    ["main not recorded but a worktree holds 3000", [{ path: "/w/a", port: 3000 }], "/p", 3010],
  ])("%s", (_, rows, path, expected) => {
    expect(plannedPort(rows, { mainPath: "/p", path, base })).toBe(expected);
  });

  test("recordWorktree records the main checkout first, so the plan and the record agree", () => {
    const store = openStateDatabase(join(tempDir("ports-"), "state.db"), { create: true });
    try {
      const planned = plannedPort(store.listWorktrees("/p"), { mainPath: "/p", path: "/w/a", base });
      const project = { root: "/p", mainBranch: "main", portBase: base };
      expect(recordWorktree(store, project, { path: "/w/a", branch: "a" })).toBe(planned);
      expect(recordWorktree(store, project, { path: "/w/a", branch: "a" })).toBe(planned);
      expect(recordWorktree(store, project, { path: "/p", branch: "main" })).toBe(3000);
      expect(recordWorktree(store, project, { path: "/w/b", branch: "b" })).toBe(3020);
    } finally {
      store.close();
    }
  });
});

describe("parseWorktreeList", () => {
  test("reads branches, detached heads, bare and prunable records", () => {
    const text = [
      "worktree /r\nHEAD aaa\nbranch refs/heads/main\n",
      "worktree /w/a\nHEAD bbb\ndetached\n",
      "worktree /w/b\nHEAD ccc\nbranch refs/heads/feature/x\nlocked\nprunable gitdir file points to non-existent location\n",
    ].join("\n");
    expect(parseWorktreeList(text)).toEqual([
      { path: "/r", head: "aaa", branch: "main", bare: false, prunable: false, locked: false },
      { path: "/w/a", head: "bbb", branch: undefined, bare: false, prunable: false, locked: false },
      { path: "/w/b", head: "ccc", branch: "feature/x", bare: false, prunable: true, locked: true },
    ]);
  });
  test("a record without a path is an error", () => {
    expect(() => parseWorktreeList("HEAD aaa\n")).toThrow();
  });
});

const settings: Settings = {
  defaults: { shell: "/bin/sh", shell_configured: false, tmux_session_prefix: "" },
  tmux: { auto_attach: false, session_timeout_seconds: 86400, default_window_name: "main", socket_name: undefined },
  project: { name: "app" },
  sessions: { tmux_config: undefined, default_task: "dev", naming_pattern: "{{project}}-{{worktree}}-{{task}}", auto_cleanup: false },
  worktrees: { base_path: "../worktrees", copy_files: [".env"], port_base: 3000 },
  environments: {},
};

function plan(config: CommandConfig, args: Record<string, string> = {}) {
  const input: PlanInput = {
    project: { name: "app", path: "/src/app" },
    settings,
    command: { config, file: ".prj/commands/x.yaml", positionOf: () => ({ line: 1, col: 1 }) },
    cliArguments: args,
    observed: {
      currentBranch: "main",
      sessions: [],
      worktrees: [],
      stepFiles: { lint: "/src/app/.prj/steps/lint" },
      portFor: () => 3010,
      user: "dev",
      now: new Date("2026-11-23T18:45:00Z"),
    },
  };
  return buildRunPlan(input);
}

describe("plans of workflows", () => {
  const feature: CommandConfig = {
    name: "feature",
    arguments: [{ name: "branch", required: true }],
    worktree: { branch: "{{branch}}", copy_files: ["config/local.yaml"] },
    session: {},
  };

  test("copy_files: the project's list and the command's own", () => {
    expect(plan(feature, { branch: "x" }).worktree?.copyFiles).toEqual([".env", "config/local.yaml"]);
  });

  test.each(["has space", "a..b", "-rf", "x.lock"])("branch %j is refused while planning (exit 2)", (branch) => {
    expect(() => plan(feature, { branch })).toThrow(UsageError);
  });

  test("steps named only with dots are refused", () => {
    expect(() => plan({ name: "x", steps: [".."] })).toThrow(ConfigError);
    expect(() => plan({ name: "x", steps: [{ name: "..", run: "true" }] })).toThrow(ConfigError);
  });

  test("built-ins listed explicitly replace their default place in the plan text", () => {
    const text = planToText(plan({ ...feature, steps: ["lint", "create-worktree", "start-session"], session: {} }, { branch: "x" }));
    expect(text.match(/create-worktree/g)?.length).toBe(1);
    expect(text).toMatch(/1\. lint.*\n.*2\. create-worktree.*\(steps\)\n.*3\. start-session.*\(steps\)/);
  });

  test.each<[string, CommandConfig, RegExp]>([
    ["create-worktree without a worktree block", { name: "x", steps: ["create-worktree"] }, /needs a `worktree:` block/],
    ["start-session without a session block", { name: "x", steps: ["start-session"] }, /needs a `session:` block/],
    ["a built-in twice", { name: "x", session: {}, pre_steps: ["start-session"], steps: ["start-session"] }, /listed twice/],
    ["a built-in in cleanup_on_failure", { name: "x", session: {}, cleanup_on_failure: ["start-session"] }, /cannot run in cleanup_on_failure/],
    ["the worktree after the session", { ...feature, post_steps: ["create-worktree"] }, /create-worktree must run before start-session/],
    ["the session moved before the worktree", { ...feature, pre_steps: ["start-session"] }, /create-worktree must run before start-session/],
  ])("%s is refused", (_, config, message) => {
    expect(() => plan(config, config.arguments ? { branch: "x" } : {})).toThrow(message);
  });

  test("inline steps refer to arguments for where they stand, and carry the values beside the script", () => {
    const config: CommandConfig = { name: "x", arguments: [{ name: "a" }], steps: [{ run: 'echo "{{a}}" {{a}}' }] };
    expect(plan(config, { a: "$(id)" }).steps.main[0]).toMatchObject({ run: 'echo "$PRJ_V_a""" "$PRJ_V_a"', shellValues: { PRJ_V_a: "$(id)" } });
  });
});

describe("atDeadline", () => {
  test("a deadline past setTimeout's range does not fire at once", async () => {
    let fired = false;
    const cancel = atDeadline(Date.now() + MAX_TIMER_DELAY_MS * 3, () => (fired = true));
    await Bun.sleep(20);
    cancel();
    expect(fired).toBe(false);
  });
  test("a near deadline fires", async () => {
    let fired = false;
    atDeadline(Date.now() + 5, () => (fired = true));
    const until = Date.now() + 2000;
    while (!fired && Date.now() < until) await Bun.sleep(5);
    expect(fired).toBe(true);
  });
  test("earliest ignores missing deadlines", () => {
    expect(earliest(undefined, 5, 3)).toBe(3);
    expect(earliest(undefined)).toBeUndefined();
    expect(earliest(10_000_000_000_000, 900_000_000_000)).toBe(900_000_000_000);
  });
});
