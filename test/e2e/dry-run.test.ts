// End-to-end tests of `prj run --dry-run` and of the ways a run is refused:
// the plan is complete and redacted, and neither it nor a refused run changes
// anything (files, worktrees, branches, tmux, database rows).
import { describe, expect, test } from "bun:test";
import { existsSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { git, tempDir, tempGitRepo, type RunResult } from "../helpers/world.ts";
import { countRows, expectExit, perTest, snapshotTree, STACK_LINE, World } from "./support.ts";

const newWorld = perTest(() => World.bare());


interface Project {
  w: World;
  repo: string;
  database: string;
}

/** An initialised `myproject` repository, with extra command files written before anything is observed. */
async function project(commands: Record<string, string> = {}): Promise<Project> {
  const w = newWorld();
  const repo = await tempGitRepo("myproject");
  expectExit(await w.prj(["init"], { cwd: repo }), 0);
  for (const [file, text] of Object.entries(commands)) writeFileSync(join(repo, ".prj/commands", file), text);
  return { w, repo, database: join(repo, ".prj/prunejuice.db") };
}

/**
 * Runs prj and checks that it changed nothing: the repository and its parent
 * (where worktrees would go) are identical, no tmux server exists on the
 * test's socket, and the database has no new rows.
 */
async function prjChangingNothing(p: Project, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const parent = dirname(p.repo);
  const rows = existsSync(p.database) ? countRows(p.database) : undefined;
  const before = snapshotTree(parent);
  const result = await p.w.prj(args, { cwd: p.repo, env });
  expect(snapshotTree(parent)).toEqual(before);
  if (rows) expect(countRows(p.database)).toEqual(rows);
  else expect(existsSync(p.database)).toBe(false);
  await p.w.expectNoTmuxServer();
  return result;
}

const STEP_PHASES = ["pre", "pre_create", "post_create", "main", "post", "cleanup_on_failure"];

describe("prj run --dry-run", () => {
  test("start-dev as text names the session, its windows and steps", async () => {
    const p = await project();
    const result = await prjChangingNothing(p, ["run", "start-dev", "--dry-run"]);
    expectExit(result, 0);
    expect(result.stdout).toContain("dry run");
    expect(result.stdout).toMatch(/name:\s+myproject-main-dev/);
    expect(result.stdout).toContain(`directory: ${realpathSync(p.repo)}`);
    for (const window of ["editor", "server", "tests", "shell"]) expect(result.stdout).toMatch(new RegExp(`\\d: ${window}\\b`));
    expect(result.stdout).toContain("start-session");
  });

  test("start-dev as JSON has the full plan for the main checkout", async () => {
    const p = await project();
    const result = await prjChangingNothing(p, ["run", "start-dev", "--dry-run", "--json"]);
    expectExit(result, 0);
    const plan = JSON.parse(result.stdout);
    const root = realpathSync(p.repo);
    expect(plan.command).toBe("start-dev");
    expect(plan.arguments).toEqual({});
    expect(plan.worktree).toBeNull();
    expect(plan.session.name).toBe("myproject-main-dev");
    expect(plan.session.working_directory).toBe(root);
    expect(plan.session.environment).toMatchObject({ PRJ_PROJECT: "myproject", PRJ_SESSION_NAME: "myproject-main-dev", PRJ_BRANCH: "main" });
    expect(plan.session.windows.map((window: { name: string }) => window.name)).toEqual(["editor", "server", "tests", "shell"]);
    expect(plan.session.windows[2].layout).toBe("main-vertical");
    expect(plan.session.windows[2].panes).toHaveLength(2);
    for (const phase of STEP_PHASES) expect(Array.isArray(plan.steps[phase])).toBe(true);
  });

  test("feature-branch plans a worktree beside the repository and a session in it", async () => {
    const p = await project();
    const result = await prjChangingNothing(p, ["run", "feature-branch", "branch=user-auth", "--dry-run", "--json"]);
    expectExit(result, 0);
    const plan = JSON.parse(result.stdout);
    const worktreePath = join(realpathSync(dirname(p.repo)), "worktrees/myproject-user-auth");
    expect(plan.command).toBe("feature-branch");
    expect(plan.arguments).toEqual({ branch: "user-auth" });
    expect(plan.worktree.path).toEndWith("/worktrees/myproject-user-auth");
    expect(plan.worktree).toMatchObject({ path: worktreePath, branch: "user-auth", base_branch: "main" });
    expect(plan.session.name).toBe("myproject-user-auth-dev");
    expect(plan.session.working_directory).toBe(worktreePath);
    expect(plan.session.environment).toMatchObject({ PRJ_BRANCH: "user-auth", PRJ_WORKTREE_PATH: worktreePath });
    expect(plan.session.windows.map((window: { name: string }) => window.name)).toEqual(["editor", "server", "tests"]);
    expect(Object.keys(plan.steps)).toEqual(expect.arrayContaining(STEP_PHASES));
    // Neither the worktree nor its branch exists.
    expect(existsSync(worktreePath)).toBe(false);
    expect(await git(p.repo, "branch", "--list", "user-auth")).toBe("");
  });

  describe("secrets", () => {
    const secretCommand = [
      "name: secrets",
      "environment:",
      "  API_TOKEN: s3cr3t-value",
      "  PLAIN: visible",
      "  MYVAR: my-private-value",
      "secret_env: [MYVAR]",
      "session:",
      "  windows:",
      "    - name: shell",
      "      command: echo $API_TOKEN",
      "      environment: { DB_PASSWORD: pane-pass-word }",
      "steps:",
      "  - name: show",
      `    run: "curl -H 'Authorization: s3cr3t-value' example.invalid"`,
      "",
    ].join("\n");
    const secretValues = ["s3cr3t-value", "my-private-value", "pane-pass-word"];

    test("are redacted in the JSON plan, and only they are", async () => {
      const p = await project({ "secrets.yaml": secretCommand });
      const result = await prjChangingNothing(p, ["run", "secrets", "--dry-run", "--json"]);
      expectExit(result, 0);
      const plan = JSON.parse(result.stdout);
      expect(plan.session.environment).toMatchObject({ API_TOKEN: "***", PLAIN: "visible", MYVAR: "***" });
      expect(plan.session.windows[0].environment).toMatchObject({ DB_PASSWORD: "***" });
      expect(plan.steps.main[0].run).toContain("Authorization: ***");
      for (const value of secretValues) {
        expect(result.stdout).not.toContain(value);
        expect(result.stderr).not.toContain(value);
      }
    });

    test("are redacted in the text plan, even with debug logging", async () => {
      const p = await project({ "secrets.yaml": secretCommand });
      const result = await prjChangingNothing(p, ["run", "secrets", "--dry-run"], { PRJ_LOG_LEVEL: "debug" });
      expectExit(result, 0);
      expect(result.stdout).toContain("API_TOKEN=***");
      expect(result.stdout).toContain("MYVAR=***");
      expect(result.stdout).toContain("PLAIN=visible");
      expect(result.stderr).toContain("[debug]");
      for (const value of secretValues) {
        expect(result.stdout).not.toContain(value);
        expect(result.stderr).not.toContain(value);
      }
    });

    test("arguments that are secret, or feed a secret, are redacted too", async () => {
      const p = await project({
        "deploy.yaml": [
          "name: deploy",
          "arguments: [{ name: token, required: true }, { name: api_key }, { name: target }]",
          "environment:",
          '  AUTH_TOKEN: "Bearer {{token}}"',
          "steps:",
          "  - name: call",
          "    run: echo {{token}} {{api_key}} {{target}}",
          "",
        ].join("\n"),
      });
      const args = ["run", "deploy", "token=tok-arg-value", "api_key=key-arg-value", "target=staging"];
      const json = await prjChangingNothing(p, [...args, "--dry-run", "--json"]);
      expectExit(json, 0);
      const plan = JSON.parse(json.stdout);
      expect(plan.arguments).toEqual({ token: "***", api_key: "***", target: "staging" });
      expect(plan.environment.AUTH_TOKEN).toBe("***");
      // The script refers to the values; the values travel beside it, the secret ones shown as ***.
      expect(plan.steps.main[0].run).toBe('echo "$PRJ_V_token" "$PRJ_V_api_key" "$PRJ_V_target"');
      expect(plan.steps.main[0].shell_values).toEqual({ PRJ_V_token: "***", PRJ_V_api_key: "***", PRJ_V_target: "staging" });
      const text = await prjChangingNothing(p, [...args, "--dry-run"]);
      expectExit(text, 0);
      expect(text.stdout).toContain("target=staging");
      for (const output of [json.stdout, json.stderr, text.stdout, text.stderr]) {
        expect(output).not.toContain("tok-arg-value");
        expect(output).not.toContain("key-arg-value");
      }
    });
  });

  test("an argument in an inline run step reaches it as data and is never executed", async () => {
    const marker = join(tempDir("pwn-"), "pwned");
    const p = await project({
      "inject.yaml": "name: inject\narguments: [{ name: x, required: true }]\nsteps:\n  - name: say\n    run: echo {{x}}\n",
    });
    const payload = `$(touch ${marker})`;
    const result = await prjChangingNothing(p, ["run", "inject", `x=${payload}`, "--dry-run", "--json"]);
    expectExit(result, 0);
    const plan = JSON.parse(result.stdout);
    expect(plan.steps.main[0].run).toBe('echo "$PRJ_V_x"');
    expect(plan.steps.main[0].shell_values).toEqual({ PRJ_V_x: payload });
    expect(existsSync(marker)).toBe(false);

    // The real run executes the step through a shell: the payload is printed, not run.
    const real = await p.w.prj(["run", "inject", `x=${payload}`], { cwd: p.repo });
    expectExit(real, 0);
    expect(`${real.stdout}${real.stderr}`).toContain(payload);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("usage errors exit 2 and change nothing", () => {
  const cases: [string, string[], RegExp][] = [
    ["a missing required argument", ["run", "feature-branch"], /missing required argument "branch"/],
    ["an unknown argument", ["run", "feature-branch", "branch=x", "bogus=1"], /unknown argument "bogus"/],
    ["a token without =", ["run", "feature-branch", "user-auth"], /"user-auth" is not a key=value argument/],
    ["an unknown command", ["run", "strat-dev"], /strat-dev/],
  ];
  for (const [what, args, message] of cases) {
    test(what, async () => {
      const p = await project();
      const result = await prjChangingNothing(p, args);
      expectExit(result, 2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(STACK_LINE);
      expect(result.stdout).toBe("");
    });
  }
});

describe("bad input exits 2 with file:line:col, changes nothing, shows no stack", () => {
  // [what, command name, file text, patterns the message must match]
  const cases: [string, string, string, RegExp[]][] = [
    [
      "YAML that does not parse",
      "broken",
      "name: broken\nsession: [\n  a: b\n",
      [/\.prj\/commands\/broken\.yaml:\d+:\d+/, /invalid YAML/],
    ],
    ["a tab-indented file", "tabbed", "name: tabbed\nsession:\n\twindows: []\n", [/\.prj\/commands\/tabbed\.yaml:3:1\b/, /tab/i]],
    [
      "a misspelt key",
      "typo",
      "name: typo\nsession:\n  windws: []\n",
      [/\.prj\/commands\/typo\.yaml:3:3 session\.windws\b/, /did you mean windows/],
    ],
    ["a number where a list belongs", "numeric", "name: numeric\nsteps: 5\n", [/\.prj\/commands\/numeric\.yaml:2:8 steps\b/, /list/]],
    [
      "a name that differs from the file name",
      "misnamed",
      "name: something-else\n",
      [/\.prj\/commands\/misnamed\.yaml:1:1 name\b/, /something-else/, /misnamed/],
    ],
    [
      "an unclosed {{ in a template",
      "unclosed",
      'name: unclosed\nsession:\n  name_template: "{{project"\n',
      [/\.prj\/commands\/unclosed\.yaml:3:\d+ session\.name_template\b/, /unclosed \{\{/],
    ],
    [
      "an unknown template variable",
      "unknownvar",
      'name: unknownvar\nsession:\n  name_template: "{{brnch}}-x"\n',
      [/\.prj\/commands\/unknownvar\.yaml:3:\d+ session\.name_template\b/, /"brnch"/],
    ],
    [
      "an unknown template variable in a step",
      "unknownstep",
      "name: unknownstep\nsteps:\n  - name: a\n    run: echo hi\n  - name: b\n    run: echo {{brnch}}\n",
      [/\.prj\/commands\/unknownstep\.yaml:6:\d+ steps\.1\.run\b/, /"brnch"/],
    ],
  ];
  for (const [what, name, text, patterns] of cases) {
    test(what, async () => {
      const p = await project({ [`${name}.yaml`]: text });
      // A real run, not a dry run: validation must stop it before anything happens.
      const result = await prjChangingNothing(p, ["run", name]);
      expectExit(result, 2);
      for (const pattern of patterns) expect(result.stderr).toMatch(pattern);
      expect(result.stderr).not.toMatch(STACK_LINE);
      expect(result.stderr).not.toContain("unexpected error");
      expect(result.stdout).toBe("");
      // Again, now that files which validated are in the config cache: the
      // message still comes with its line and column.
      const again = await prjChangingNothing(p, ["run", name]);
      expectExit(again, 2);
      expect(again.stderr).toBe(result.stderr);
    });
  }

  test("a directory with no .prj, with a hint to run prj init", async () => {
    const w = newWorld();
    const repo = await tempGitRepo("myproject");
    const p: Project = { w, repo, database: join(repo, ".prj/prunejuice.db") };
    const result = await prjChangingNothing(p, ["run", "start-dev"]);
    expectExit(result, 2);
    expect(result.stderr).toContain("prj init");
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(existsSync(join(repo, ".prj"))).toBe(false);
  });
});
