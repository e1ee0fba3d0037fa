// Config loading: every bad file must name file:line:col, the dotted path and
// the problem, and exit 2. Fixtures are written to a temp project, and the
// tests run from its root so paths show as `.prj/commands/dev.yaml`, as users see them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { ConfigError } from "../../src/errors.ts";
import {
  listCommandFiles,
  loadCommand,
  loadGlobalConfig,
  loadProjectConfig,
  loadSettings,
  parseYamlFile,
} from "../../src/config/load.ts";
import { DEFAULT_NAMING_PATTERN, parseDuration } from "../../src/config/defaults.ts";
import { tempDir } from "../helpers/world.ts";

// SPEC §3 "Command YAML", verbatim.
const SPEC_COMMAND = `name: feature-branch
description: Feature work in an isolated worktree and session
arguments:
  - { name: branch, required: true, description: Branch to create }
  - { name: env, default: development }
environment:                 # command-level, applies to steps and the session
  API_URL: "http://localhost:{{port}}"
worktree:                    # optional: create or reuse a worktree first
  branch: "{{branch}}"
  base_branch: main
session:                     # optional: create or reuse a tmux session
  name_template: "{{project}}-{{branch}}-dev"
  working_directory: "{{worktree_path | default(project_path)}}"
  auto_attach: false
  environment: "{{env | default('development')}}"   # which project environment
  inherit_project_env: true
  additional_env: { SESSION_ID: "{{session_name}}" }
  windows:
    - { name: editor, command: "$EDITOR ." }
    - { name: server, command: "npm run dev" }
    - name: tests
      layout: main-vertical
      panes: ["npm run test:watch", "git status"]
  pre_create_steps: [validate-environment]
  post_create_steps: [setup-development-tools]
  cleanup_steps: [stop-services]          # run when the session is killed through prj
pre_steps: []
steps: [install-deps]
post_steps: []
cleanup_on_failure: []
timeout: 30m
`;

let originalCwd = "";
let project = "";
let fixtureCount = 0;

beforeAll(() => {
  originalCwd = process.cwd();
  project = join(tempDir("config-"), "myapp");
  mkdirSync(project, { recursive: true });
  process.chdir(project);
});

afterAll(() => {
  process.chdir(originalCwd);
});

/**
 * A fresh project holding the given command files; returns its `.prj`.
 * It also becomes the current directory, so paths show as `.prj/commands/…`.
 */
function prjWith(commands: Record<string, string>, projectYaml?: string): string {
  fixtureCount += 1;
  const root = join(project, `p${fixtureCount}`);
  const dir = join(root, ".prj");
  mkdirSync(join(dir, "commands"), { recursive: true });
  mkdirSync(join(dir, "configs"), { recursive: true });
  for (const [file, text] of Object.entries(commands)) writeFileSync(join(dir, "commands", file), text);
  if (projectYaml !== undefined) writeFileSync(join(dir, "configs", "project.yaml"), projectYaml);
  process.chdir(root);
  return dir;
}

interface Expected {
  file: string;
  line?: number;
  col?: number;
  path: string;
  problem: string;
  hint?: string;
}

function expectConfigError(action: () => unknown, expected: Expected): ConfigError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const error = caught as ConfigError;
  expect({ file: error.file, line: error.line, col: error.col, path: error.path, problem: error.problem }).toEqual({
    file: expected.file,
    line: expected.line,
    col: expected.col,
    path: expected.path,
    problem: expected.problem,
  });
  if (expected.hint !== undefined) expect(error.hint).toBe(expected.hint);
  expect(error.exitCode).toBe(2);
  return error;
}

/** The display path of a command file in the current fixture. */
function shown(file: string): string {
  return `.prj/commands/${file}`;
}

describe("YAML syntax", () => {
  test("an unclosed flow list names the line where the parser gave up", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\nsteps: [a, b\n" });
    const error = expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 3,
      col: 1,
      path: "",
      problem: "invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]",
    });
    expect(error.message).toBe(`${shown("dev.yaml")}:3:1: ${error.problem}`);
  });

  test("an unclosed quote", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\ndescription: 'unclosed\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 3,
      col: 1,
      path: "",
      problem: "invalid YAML: missing closing 'quote",
    });
  });

  test("a tab-indented top-level key", () => {
    const dir = prjWith({ "dev.yaml": "\tname: dev\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 1,
      col: 1,
      path: "",
      problem: "tabs are not allowed for indentation; use spaces",
    });
  });

  test("a tab-indented nested list wins over the errors it causes earlier in the file", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\nsession:\n  windows:\n\t- name: editor\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 4,
      col: 1,
      path: "",
      problem: "tabs are not allowed for indentation; use spaces",
    });
  });

  test("a duplicate key names the key", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\nsteps: []\nsteps: [a]\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 3,
      col: 1,
      path: "",
      problem: 'duplicate key "steps"',
    });
  });

  test("a second YAML document is refused rather than ignored", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\n---\nname: other\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 2,
      col: 1,
      path: "",
      problem: "a config file holds one YAML document; remove the extra '---'",
    });
  });
});

describe("command validation", () => {
  test("a misspelt key under session suggests the right one and points at the key", () => {
    const text = ["name: dev", "description: x", "session:", "  name_template: a", "  task: dev", "  auto_attach: false", "  windws: []", ""].join("\n");
    const dir = prjWith({ "dev.yaml": text });
    const error = expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 7,
      col: 3,
      path: "session.windws",
      problem: "unknown key (did you mean windows?)",
    });
    expect(error.message).toBe(`${shown("dev.yaml")}:7:3 session.windws: unknown key (did you mean windows?)`);
    expect(error.hint).toContain("windows");
  });

  test("an unknown top-level key", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\nstepz: [a]\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 2,
      col: 1,
      path: "stepz",
      problem: "unknown key (did you mean steps?)",
    });
  });

  test("an unknown key with nothing close gets no suggestion", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\ncolour: blue\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 2,
      col: 1,
      path: "colour",
      problem: "unknown key",
    });
  });

  test("a number where a list belongs", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\nsteps: 5\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 2,
      col: 8,
      path: "steps",
      problem: "expected a list, got a number",
    });
  });

  test("a name that differs from the file name points at the name key", () => {
    const dir = prjWith({ "dev.yaml": "description: x\nname: develop\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 2,
      col: 1,
      path: "name",
      problem: '"develop" does not match the file name dev.yaml',
      hint: "rename the file to develop.yaml or set name: dev",
    });
  });

  test("a step name that is a path is refused", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\nsteps:\n  - install-deps\n  - ../../bin/sh\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 4,
      col: 5,
      path: "steps.1",
      problem: `step name "../../bin/sh" may contain only letters, digits, '.', '_' and '-'`,
    });
  });

  test("an inline step with a misspelt run key reports the typo, not the missing run", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\npost_steps:\n  - { name: hello, rn: echo hi }\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 3,
      col: 20,
      path: "post_steps.0.rn",
      problem: "unknown key (did you mean run?)",
    });
  });

  test("a step that is neither a name nor a mapping", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\nsteps: [7]\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 2,
      col: 9,
      path: "steps.0",
      problem: "expected a step name or a mapping with `run:`, got a number",
    });
  });

  test("a wrong type inside a window", () => {
    const text = "name: dev\nsession:\n  windows:\n    - name: editor\n      focus: \"yes\"\n";
    const dir = prjWith({ "dev.yaml": text });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 5,
      col: 14,
      path: "session.windows.0.focus",
      problem: "expected true or false, got a string",
    });
  });

  test("a bare string where a window mapping belongs says what a window looks like", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\nsession:\n  windows: [editor]\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 3,
      col: 13,
      path: "session.windows.0",
      problem: 'expected a window mapping such as { name: editor, command: "vim ." }, got a string',
    });
  });

  test("a window command that is neither a string nor a list", () => {
    const text = "name: dev\nsession:\n  windows:\n    - { name: a }\n    - { name: b, command: 42 }\n";
    const dir = prjWith({ "dev.yaml": text });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 5,
      col: 27,
      path: "session.windows.1.command",
      problem: "expected a string or a list of strings, got a number",
    });
  });

  test("a bad duration", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\ntimeout: 30 minutes\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 2,
      col: 10,
      path: "timeout",
      problem: `invalid duration "30 minutes"; use a number of seconds or a number followed by s, m, h or d, like "30m"`,
    });
  });

  test("an environment variable name a shell could not export", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\nenvironment:\n  API-URL: x\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 3,
      col: 3,
      path: "environment.API-URL",
      problem: `"API-URL" is not a valid environment variable name (letters, digits and '_', not starting with a digit)`,
    });
  });

  test("an empty command file is missing its name", () => {
    const dir = prjWith({ "dev.yaml": "# nothing yet\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 1,
      col: 1,
      path: "name",
      problem: "required field missing",
    });
  });

  test("a missing required field inside a block points at the block", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\nworktree:\n  base_branch: main\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 3,
      col: 3,
      path: "worktree.branch",
      problem: "required field missing",
    });
  });

  test("a required argument with a default is contradictory", () => {
    const dir = prjWith({ "dev.yaml": "name: dev\narguments:\n  - { name: pr, required: true, default: 1 }\n" });
    expectConfigError(() => loadCommand(dir, "dev"), {
      file: shown("dev.yaml"),
      line: 3,
      col: 33,
      path: "arguments.0.default",
      problem: "a required argument cannot have a default",
    });
  });

  test("the SPEC §3 example loads as written", () => {
    const dir = prjWith({ "feature-branch.yaml": SPEC_COMMAND });
    const loaded = loadCommand(dir, "feature-branch");
    expect(loaded.name).toBe("feature-branch");
    expect(loaded.config.arguments).toEqual([
      { name: "branch", required: true, description: "Branch to create" },
      { name: "env", default: "development" },
    ]);
    expect(loaded.config.session?.windows?.[2]).toEqual({
      name: "tests",
      layout: "main-vertical",
      panes: ["npm run test:watch", "git status"],
    });
    expect(loaded.config.steps).toEqual(["install-deps"]);
    expect(loaded.config.timeout).toBe("30m");
    expect(loaded.source.positionOf(["session", "windows", 1, "command"])).toEqual({ line: 20, col: 32 });
  });

  test("inline steps, pane objects and command lists are accepted", () => {
    const text = [
      "name: full",
      "secret_env: [API_TOKEN]",
      "session:",
      "  windows:",
      "    - name: work",
      "      command: [npm ci, npm run dev]",
      "      environment: { PORT: 3000, DEBUG: true }",
      "      panes:",
      "        - htop",
      "        - { command: [a, b], working_directory: src, focus: true }",
      "steps:",
      "  - { name: greet, run: echo hi, timeout: 90, working_directory: src }",
      "  - run: echo bye",
      "",
    ].join("\n");
    const dir = prjWith({ "full.yml": text });
    const loaded = loadCommand(dir, "full");
    expect(loaded.config.steps).toEqual([
      { name: "greet", run: "echo hi", timeout: 90, working_directory: "src" },
      { run: "echo bye" },
    ]);
  });
});

describe("finding commands", () => {
  test("an unknown command lists what exists and suggests the nearest", () => {
    const dir = prjWith({ "start-dev.yaml": "name: start-dev\n", "review-pr.yml": "name: review-pr\n" });
    expectConfigError(() => loadCommand(dir, "start-dve"), {
      file: ".prj/commands",
      path: "",
      problem: 'unknown command "start-dve"',
      hint: "did you mean start-dev? available commands: review-pr, start-dev",
    });
  });

  test("a command name that is a path is refused before any file is opened", () => {
    const dir = prjWith({});
    expectConfigError(() => loadCommand(dir, "../secrets"), {
      file: ".prj/commands",
      path: "",
      problem: `invalid command name "../secrets": it may contain only letters, digits, '.', '_' and '-'`,
    });
  });

  test("listCommandFiles skips dotfiles and other extensions, and refuses a name defined twice", () => {
    const dir = prjWith({ "b.yml": "name: b\n", "a.yaml": "name: a\n", ".a.yaml.swp": "", "notes.txt": "" });
    expect(listCommandFiles(dir).map((file) => file.name)).toEqual(["a", "b"]);
    writeFileSync(join(dir, "commands", "a.yml"), "name: a\n");
    expect(() => listCommandFiles(dir)).toThrow(ConfigError);
  });
});

describe("global and project config", () => {
  function globalEnv(yaml: string | undefined): Record<string, string> {
    const home = process.env.HOME!;
    const xdg = mkdtempSync(join(home, "xdg-"));
    if (yaml !== undefined) {
      mkdirSync(join(xdg, "prunejuice"), { recursive: true });
      writeFileSync(join(xdg, "prunejuice", "config.yaml"), yaml);
    }
    return { HOME: home, XDG_CONFIG_HOME: xdg, SHELL: "/bin/bash" };
  }

  test("missing and empty files mean all defaults", () => {
    const dir = prjWith({}, "");
    const settings = loadSettings(dir, globalEnv(undefined));
    expect(settings).toEqual({
      defaults: { shell: "/bin/bash", shell_configured: false, tmux_session_prefix: "" },
      tmux: { auto_attach: false, session_timeout_seconds: 86400, default_window_name: "main", socket_name: undefined },
      project: { name: `p${fixtureCount}` },
      sessions: { tmux_config: undefined, default_task: "dev", naming_pattern: DEFAULT_NAMING_PATTERN, auto_cleanup: false },
      worktrees: { base_path: "../worktrees", copy_files: [], port_base: 3000 },
      environments: {},
    });
    expect(loadGlobalConfig(globalEnv("")).config).toEqual({});
  });

  test("project beats global, global beats built-in defaults", () => {
    const env = globalEnv(
      [
        "defaults:",
        "  shell: zsh",
        "  tmux_session_prefix: prj",
        "tmux:",
        "  auto_attach: true",
        "  session_timeout: 48h",
        "  default_window_name: editor",
        "  socket_name: work",
        "",
      ].join("\n"),
    );
    const dir = prjWith(
      {},
      [
        "project:",
        "  name: my-project",
        "sessions:",
        "  naming_pattern: \"{{project}}-{{task}}\"",
        "  session_timeout: 2h",
        "worktrees:",
        "  copy_files: [.env, .env.local]",
        "  port_base: 4000",
        "environments:",
        "  testing: { NODE_ENV: test, CI: true }",
        "tmux:",
        "  default_window_name: code",
        "",
      ].join("\n"),
    );
    const settings = loadSettings(dir, env);
    expect(settings.defaults).toEqual({ shell: "zsh", shell_configured: true, tmux_session_prefix: "prj" });
    expect(settings.tmux).toEqual({
      auto_attach: true,
      session_timeout_seconds: 7200,
      default_window_name: "code",
      socket_name: "work",
    });
    expect(settings.project.name).toBe("my-project");
    expect(settings.sessions.naming_pattern).toBe("{{project}}-{{task}}");
    expect(settings.sessions.default_task).toBe("dev");
    expect(settings.worktrees).toEqual({ base_path: "../worktrees", copy_files: [".env", ".env.local"], port_base: 4000 });
    expect(settings.environments).toEqual({ testing: { NODE_ENV: "test", CI: true } });
  });

  test("defaults.shell counts as configured when a file sets it, not when it comes from $SHELL", () => {
    const fromProject = loadSettings(prjWith({}, "defaults:\n  shell: /bin/zsh\n"), globalEnv(undefined));
    expect(fromProject.defaults).toMatchObject({ shell: "/bin/zsh", shell_configured: true });
    const fromEnv = loadSettings(prjWith({}, ""), globalEnv(undefined));
    expect(fromEnv.defaults).toMatchObject({ shell: "/bin/bash", shell_configured: false });
  });

  test("a global config error is shown under ~", () => {
    const env = globalEnv("tmux:\n  auto_atach: true\n");
    const xdgName = basename(env.XDG_CONFIG_HOME!);
    expectConfigError(() => loadGlobalConfig(env), {
      file: `~/${xdgName}/prunejuice/config.yaml`,
      line: 2,
      col: 3,
      path: "tmux.auto_atach",
      problem: "unknown key (did you mean auto_attach?)",
    });
  });

  test("project-only keys are unknown in the global config", () => {
    const env = globalEnv("defaults:\n  shell: zsh\nworktrees:\n  port_base: 3000\n");
    const xdgName = basename(env.XDG_CONFIG_HOME!);
    expectConfigError(() => loadGlobalConfig(env), {
      file: `~/${xdgName}/prunejuice/config.yaml`,
      line: 3,
      col: 1,
      path: "worktrees",
      problem: "unknown key",
    });
  });

  test("a project config with a bad duration and a fractional port", () => {
    const dir = prjWith({}, "sessions:\n  session_timeout: 1w\n");
    const file = ".prj/configs/project.yaml";
    expectConfigError(() => loadProjectConfig(dir), {
      file,
      line: 2,
      col: 20,
      path: "sessions.session_timeout",
      problem: `invalid duration "1w"; use a number of seconds or a number followed by s, m, h or d, like "30m"`,
    });
    writeFileSync(join(dir, "configs", "project.yaml"), "worktrees:\n  port_base: 3000.5\n");
    expectConfigError(() => loadProjectConfig(dir), {
      file,
      line: 2,
      col: 14,
      path: "worktrees.port_base",
      problem: "expected a whole number, got 3000.5",
    });
  });

  test("the session timeout may be set in only one place per project file", () => {
    const dir = prjWith({}, "tmux:\n  session_timeout: 1h\nsessions:\n  session_timeout: 2h\n");
    expectConfigError(() => loadProjectConfig(dir), {
      file: ".prj/configs/project.yaml",
      line: 4,
      col: 3,
      path: "sessions.session_timeout",
      problem: "also set as tmux.session_timeout in this file; keep only one",
    });
  });
});

describe("positions and durations", () => {
  test("positionOf falls back to the nearest ancestor and finds keys", () => {
    const source = parseYamlFile("x.yaml", "a:\n  b: [1, 2]\n  c:\n");
    expect(source.positionOf(["a", "b", 1])).toEqual({ line: 2, col: 10 });
    expect(source.positionOf(["a", "b"], "key")).toEqual({ line: 2, col: 3 });
    expect(source.positionOf(["a", "missing"])).toEqual({ line: 2, col: 3 });
    expect(source.positionOf(["a", "c"])).toEqual({ line: 3, col: 3 });
    expect(source.has(["a", "b", 0])).toBe(true);
    expect(source.has(["a", "b", 5])).toBe(false);
  });

  test.each([
    [30, 30],
    ["30", 30],
    ["45s", 45],
    ["30m", 1800],
    ["2h", 7200],
    ["1d", 86400],
  ] as const)("parseDuration(%p) is %p seconds", (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  test.each([["0"], [0], [1.5], ["-5m"], ["1w"], ["30 m"], [""], ["m"]] as const)("parseDuration(%p) throws", (input) => {
    expect(() => parseDuration(input)).toThrow();
  });
});
