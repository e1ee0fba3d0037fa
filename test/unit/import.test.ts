// The pure converters behind `prj import`: tables of peer snippets in, prj commands and notes out.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { CommandConfig } from "../../src/config/schema.ts";
import { ConfigError, PrjError } from "../../src/errors.ts";
import { cdTarget, expandVars, sanitizeCommandName, type ImportContext } from "../../src/import/common.ts";
import { convertTmuxinator, usesErb } from "../../src/import/tmuxinator.ts";
import { convertTmuxp } from "../../src/import/tmuxp.ts";
import { readPeerFile } from "../../src/import/write.ts";
import { buildFrozenCommand, layoutGeometry } from "../../src/freeze/freeze.ts";
import { sessionCreationCommands } from "../../src/tmux/script.ts";
import { tempDir } from "../helpers/world.ts";

const context: ImportContext = { fileDir: "/work/app/config", home: "/home/u", fileStem: "app", projectRoot: "/work/app", env: { PROJ: "/srv/proj", USER: "u" } };

/** Parses YAML text the way `prj import` does and converts it. */
function convert(tool: "tmuxinator" | "tmuxp", yaml: string) {
  const file = join(tempDir("import-"), "peer.yml");
  writeFileSync(file, yaml);
  const data = readPeerFile(file, "peer.yml", tool);
  const result = tool === "tmuxinator" ? convertTmuxinator(data, context) : convertTmuxp(data, context);
  expect([...Value.Errors(CommandConfig, result.command)]).toEqual([]);
  return result;
}

describe("shared pieces", () => {
  test.each([
    ["sample", "sample"],
    ["Blank pane test", "Blank-pane-test"],
    ["Pause / skip (pane-level)", "Pause-skip-pane-level"],
    ["🍩", ""],
    ["..hidden", "hidden"],
  ])("command name from %p is %p", (raw, expected) => {
    expect(sanitizeCommandName(raw)).toBe(expected);
  });

  test.each([
    ["cd /var/log", "/var/log"],
    ["cd ~/", "/home/u"],
    ["cd", "/home/u"],
    ["cd -- src", "src"],
    ["cd 'my dir'", "my dir"],
    ["cd \"$HOME\"", "/home/u"],
    ["cd $HOME/src", "/home/u/src"],
    ["cd \"$PROJ\"", undefined],
    ["cd -", undefined],
    ["cd src && make", undefined],
    ["cd ~other", undefined],
    ["echo cd", undefined],
  ])("cdTarget(%p) is %p", (command, expected) => {
    expect(cdTarget(command, "/home/u")).toBe(expected as string | undefined);
  });

  test("expandVars replaces set variables and leaves the others, like os.path.expandvars", () => {
    expect(expandVars("${PROJ}/x $USER $NOPE ${NOPE2}", { PROJ: "/p", USER: "u" })).toEqual({ text: "/p/x u $NOPE ${NOPE2}", expanded: ["PROJ", "USER"] });
  });
});

describe("reading peer files", () => {
  test("YAML 1.1 scalars read as Ruby and Python read them", () => {
    const { command } = convert("tmuxinator", "name: n\nwindows:\n  - 222_333: a\n  - 4e5: b\n  - 111222333444555666777: c\n  - true: d\n  - nil: e\n  - ~: f\n");
    expect(command.session!.windows!.map((window) => window.name)).toEqual(["222333", "4e5", "111222333444555666777", "true", "nil", undefined]);
  });

  test("a file that is not YAML is an exit-2 error with its position", () => {
    const file = join(tempDir("import-"), "broken.yml");
    writeFileSync(file, "name: x\nwindows: [\n");
    let error: unknown;
    try {
      readPeerFile(file, "broken.yml", "tmuxp");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as ConfigError).message).toMatch(/^broken\.yml:\d+:\d+: not valid YAML/);
  });

  test("a YAML file that is not a mapping is an exit-2 error", () => {
    const file = join(tempDir("import-"), "list.yml");
    writeFileSync(file, "- a\n- b\n");
    expect(() => readPeerFile(file, "list.yml", "tmuxinator")).toThrow(PrjError);
  });

  test("ERB is recognised in any tag form", () => {
    expect(usesErb("root: <%= ENV['HOME'] %>")).toBe(true);
    expect(usesErb("<% if true %>\nname: x\n<% end %>")).toBe(true);
    expect(usesErb("name: plain # 100% sure")).toBe(false);
  });
});

describe("tmuxinator", () => {
  test("pre_window and a window's pre run first in every pane; pane lists and names", () => {
    const { command } = convert("tmuxinator", `
name: app
root: ~/code
pre_window: nvm use
windows:
  - editor:
      layout: main-vertical
      pre: [echo a, null]
      panes:
        - vim
        -
        - logs: [tail -f a, tail -f b]
  - shell: [git pull, git status]
  - blank:
`);
    expect(command.session).toEqual({
      name_template: "app",
      working_directory: "/home/u/code",
      windows: [
        { name: "editor", layout: "main-vertical", command: ["nvm use", "echo a"], panes: ["vim", {}, { command: ["tail -f a", "tail -f b"] }] },
        { name: "shell", command: ["nvm use", "git pull", "git status"] },
        { name: "blank", command: "nvm use" },
      ],
    });
  });

  test("a root inside the project is written relative to it; a relative window root is relative to where tmuxinator ran", () => {
    const { command } = convert("tmuxinator", "name: app\nroot: /work/app/web\nwindows:\n  - api:\n      root: services/api\n  - web: ls\n");
    expect(command.session!.working_directory).toBe("web");
    expect(command.session!.windows![0]!.working_directory).toBe("../services/api");
  });

  test("a leading cd becomes the pane's directory; a later one makes the pane start where it ends, its commands stepping back first", () => {
    const { command, warnings } = convert("tmuxinator", "name: app\nwindows:\n  - w:\n      panes:\n        - [cd /var/log, tail -f syslog]\n        - [make, cd src]\n        - cd api && npm start\n        - cd web; yarn dev\n");
    expect(command.session!.windows![0]!.panes).toEqual([
      { command: "tail -f syslog", working_directory: "/var/log" },
      { command: ["cd -- ..", "make", "cd src"], working_directory: "src" },
      { command: "npm start", working_directory: "api" },
      { command: "yarn dev", working_directory: "web" },
    ]);
    expect(warnings).toEqual([]);
  });

  test("pre_window then a pane's `cd DIR && cmd`: the pane starts in DIR and replays pre_window where tmuxinator ran it", () => {
    const { command, comments, warnings } = convert("tmuxinator", "name: app\nroot: /work/app\npre_window: nvm use\nwindows:\n  - w:\n      panes:\n        - cd web && yarn start\n        - yarn test\n  - single: [cd api, npm start]\n");
    const [w, single] = command.session!.windows!;
    expect(w).toEqual({
      name: "w",
      panes: [{ working_directory: "web", command: ["cd -- ..", "nvm use", "cd web && yarn start"] }, { command: ["nvm use", "yarn test"] }],
    });
    expect(single).toEqual({ name: "single", working_directory: "api", command: ["cd -- ..", "nvm use", "cd api", "npm start"] });
    expect(comments.map((comment) => comment.path)).toEqual([
      ["session", "windows", 0, "panes", 0, "command", 0],
      ["session", "windows", 1, "command", 0],
    ]);
    expect(warnings).toEqual([]);
  });

  test("a cd that depends on a command or a variable is reported, and stays a command", () => {
    const { command, warnings } = convert("tmuxinator", "name: app\nwindows:\n  - w:\n      panes:\n        - yarn install && cd web\n        - cd api || exit 1\n        - cd $API_DIR && make\n        - (cd docs && make html)\n");
    expect(command.session!.windows![0]!.panes).toEqual(["yarn install && cd web", "cd api || exit 1", "cd $API_DIR && make", "(cd docs && make html)"]);
    expect(warnings.map((line) => line.slice(0, line.indexOf(" depends") > 0 ? line.indexOf(" depends") : line.indexOf(" does not")))).toEqual([
      "windows[0].panes[0]: `cd web`",
      "windows[0].panes[1]: `cd api`",
      "windows[0].panes[2]: `cd $API_DIR`",
    ]);
  });

  test("startup_window and startup_pane set focus", () => {
    const { command } = convert("tmuxinator", "name: a\nstartup_window: logs\nstartup_pane: 1\nwindows:\n  - edit: vim\n  - logs:\n      panes: [a, b]\n");
    const [edit, logs] = command.session!.windows!;
    expect(edit!.focus).toBeUndefined();
    expect(logs!.focus).toBe(true);
    expect(logs!.panes).toEqual(["a", { command: "b", focus: true }]);
  });

  test("hooks map onto steps; the rest is reported", () => {
    const { command, warnings } = convert("tmuxinator", `
name: hooks
on_project_start: [docker compose up -d, echo up]
on_project_first_start: bundle install
pre: echo pre
post: echo post
on_project_stop: docker compose down
on_project_exit: echo bye
on_project_restart: echo again
socket_name: work
tmux_options: -f ~/.tmux.alt.conf
attach: false
windows:
  - w:
      synchronize: after
      panes: [a]
`);
    expect(command.pre_steps).toEqual([{ name: "on_project_start", run: "docker compose up -d\necho up", continue_on_error: true }]);
    expect(command.session!.pre_create_steps).toEqual([
      { name: "pre", run: "echo pre", continue_on_error: true },
      { name: "on_project_first_start", run: "bundle install", continue_on_error: true },
    ]);
    // attach: false: tmuxinator's script goes on to on_project_exit at once.
    expect(command.post_steps).toEqual([
      { name: "post", run: "echo post", continue_on_error: true },
      { name: "on_project_exit", run: "echo bye", continue_on_error: true },
    ]);
    expect(command.session!.cleanup_steps).toEqual([{ name: "on_project_stop", run: "docker compose down" }]);
    expect(command.session!.auto_attach).toBe(false);
    for (const key of ["on_project_restart", "socket_name", "tmux_options", "windows[0].synchronize", "pre", "post", "on_project_first_start"]) {
      expect(warnings.some((line) => line.startsWith(`${key}:`))).toBe(true);
    }
  });

  test("prj template braces in commands stay literal", () => {
    const { command } = convert("tmuxinator", "name: a\nwindows:\n  - ps: docker ps --format '{{.Names}}'\n");
    expect(command.session!.windows![0]!.command).toBe("docker ps --format '\\{{.Names}}'");
  });

  test("a name with nothing prj keeps falls back to the file name, and the session to the naming pattern", () => {
    const { command, warnings } = convert("tmuxinator", "name: 🍩\nwindows:\n  - e: echo\n");
    expect(command.name).toBe("app");
    expect(command.session!.name_template).toBeUndefined();
    expect(warnings[0]).toStartWith("name:");
  });
});

describe("tmuxp", () => {
  test("shell_command_before from session and window runs first; a cd after it makes each pane start where tmuxp's shell ends", () => {
    const { command, warnings } = convert("tmuxp", `
session_name: dev
shell_command_before: source .venv/bin/activate
windows:
  - window_name: w
    shell_command_before: [cd ~/]
    panes:
      - shell_command: [cd /var/log, ls]
      - echo hi
  - window_name: v
    shell_command_before: ["cd ~/code && nvm use"]
    panes:
      - yarn start
      - yarn test
`);
    // The session-level command runs before the cd, so the panes replay it from the session's directory.
    expect(command.session!.windows![0]).toEqual({
      name: "w",
      layout: "b07f,800x600,0,0[800x300,0,0,0,800x299,0,301,1]",
      panes: [
        { working_directory: "/var/log", command: ["cd -- /work/app", "source .venv/bin/activate", "cd ~/", "cd /var/log", "ls"] },
        { working_directory: "/home/u", command: ["cd -- /work/app", "source .venv/bin/activate", "cd ~/", "echo hi"], focus: true },
      ],
    });
    // Here only the shared commands move the shell, so the window itself starts where they end.
    expect(command.session!.windows![1]).toEqual({
      name: "v",
      working_directory: "/home/u/code",
      layout: "b07f,800x600,0,0[800x300,0,0,0,800x299,0,301,1]",
      command: ["cd -- /work/app", "source .venv/bin/activate", "cd ~/code && nvm use"],
      panes: ["yarn start", { command: "yarn test", focus: true }],
    });
    expect(warnings).toEqual([]);
  });

  test("a leading cd in shell_command_before is the window's directory", () => {
    const { command } = convert("tmuxp", "session_name: s\nwindows:\n  - window_name: w\n    shell_command_before: cd ~/code/web && nvm use\n    panes: [yarn start, {shell_command: [cd src, vim]}]\n");
    expect(command.session!.windows![0]).toMatchObject({
      working_directory: "/home/u/code/web",
      panes: [{ command: ["nvm use", "yarn start"] }, { working_directory: "src", command: ["cd -- /home/u/code/web", "nvm use", "cd src", "vim"], focus: true }],
    });
  });

  test("start_directory: `./` is the file's directory, a window's is relative to the session's, ~ and $VAR expand", () => {
    const { command, warnings } = convert("tmuxp", `
session_name: dirs
start_directory: ./
windows:
  - window_name: a
    start_directory: ../lib
  - window_name: b
    start_directory: "~/notes"
  - window_name: c
    start_directory: $PROJ/data
  - window_name: d
    start_directory: logs
    panes:
      - start_directory: /tmp
      - shell_command: make
`);
    expect(command.session!.working_directory).toBe("config");
    expect(command.session!.windows!.map((window) => window.working_directory)).toEqual(["../lib", "/home/u/notes", "/srv/proj/data", "logs"]);
    expect(command.session!.windows![3]!.panes).toEqual([{ working_directory: "/tmp" }, { command: "make", focus: true }]);
    expect(warnings).toContain("windows[2].start_directory: expanded $PROJ at import time (tmuxp expands them each time it loads)");
  });

  test("environment at session, window and pane level", () => {
    const { command, warnings } = convert("tmuxp", `
session_name: env
environment: { EDITOR: vim, PORT: "8000" }
windows:
  - window_name: w
    environment: { A: "1", B: "2" }
    panes:
      - environment: { A: "3" }
        shell_command: env
      - env
`);
    expect(command.session!.additional_env).toEqual({ EDITOR: "vim", PORT: "8000" });
    expect(command.session!.windows![0]!.environment).toEqual({ A: "1", B: "2" });
    expect(command.session!.windows![0]!.panes![0]).toEqual({ command: "env", environment: { A: "3" } });
    expect(warnings.some((line) => line.startsWith("windows[0].panes[0].environment:") && line.includes("B"))).toBe(true);
  });

  test("enter: false is left out, sticky as in tmuxp; sleeps and history options are reported", () => {
    const { command, warnings } = convert("tmuxp", `
session_name: s
suppress_history: false
windows:
  - panes:
      - shell_command:
          - echo run
          - cmd: echo typed
            enter: false
          - echo also typed
      - shell_command: [{ cmd: echo slow, sleep_before: 2 }]
`);
    expect(command.session!.windows![0]!.panes).toEqual(["echo run", { command: "echo slow", focus: true }]);
    expect(warnings.filter((line) => line.includes("enter: false"))).toHaveLength(2);
    expect(warnings.some((line) => line.startsWith("windows[0].panes[1].shell_command[0]: sleep_before"))).toBe(true);
    expect(warnings.some((line) => line.startsWith("suppress_history:"))).toBe(true);
  });

  test("window_index orders windows; the last focus wins; automatic-rename drops the name", () => {
    const { command, warnings } = convert("tmuxp", `
session_name: s
windows:
  - window_name: zero
    focus: true
  - window_name: five
    window_index: 5
    focus: true
  - window_name: one
    options: { automatic-rename: on, remain-on-exit: on }
`);
    expect(command.session!.windows).toEqual([{ name: "zero" }, {}, { name: "five", focus: true }]);
    expect(warnings).toContain("windows[2].options.remain-on-exit: tmux option; not converted");
    expect(warnings.some((line) => line.startsWith("windows[2].window_name: left out"))).toBe(true);
  });

  test("before_script runs in the session's directory before the windows; plugins and options are reported", () => {
    const { command, warnings } = convert("tmuxp", `
session_name: s
start_directory: /srv/app
before_script: ./bootstrap.sh --quiet
plugins: [my.plugin]
global_options: { default-shell: /bin/zsh }
windows: [{ window_name: w }]
`);
    expect(command.session!.pre_create_steps).toEqual([{ name: "before_script", run: "cd -- /srv/app && /work/app/config/bootstrap.sh --quiet" }]);
    expect(warnings.some((line) => line.startsWith("plugins:"))).toBe(true);
    expect(warnings).toContain("global_options.default-shell: tmux option; not converted");
  });

  test("a pane's shell becomes its command; what tmuxp would type into it is reported", () => {
    const { command, warnings } = convert("tmuxp", "session_name: s\nwindows:\n  - panes:\n      - shell: python3\n        shell_command: [print(1)]\n      - top\n");
    expect(command.session!.windows![0]!.panes).toEqual(["python3", { command: "top", focus: true }]);
    expect(warnings.some((line) => line.startsWith("windows[0].panes[0].shell:") && line.includes("not converted"))).toBe(true);
  });
});

describe("windows without a name", () => {
  test("are created without -n, so tmux names them after their program as the peers leave them", () => {
    const pane = { workingDirectory: "/w", environment: {}, focus: false };
    const commands = sessionCreationCommands({
      name: "s",
      workingDirectory: "/w",
      environment: {},
      windows: [
        { name: "", workingDirectory: "/w", environment: {}, focus: true, panes: [pane] },
        { name: "", workingDirectory: "/w", environment: {}, focus: false, panes: [pane] },
      ],
      identity: { project: "/w", worktree: "main", task: "dev", command: "c" },
      shell: "/bin/sh",
    });
    const creators = commands.filter((argv) => argv[0] === "new-session" || argv[0] === "new-window");
    expect(creators).toHaveLength(2);
    for (const argv of creators) expect(argv).not.toContain("-n");
  });

  test("a window named \"\" (tmuxp's window_name: '') is created with -n '', which tmux never renames", () => {
    const pane = { workingDirectory: "/w", environment: {}, focus: false };
    const commands = sessionCreationCommands({
      name: "s",
      workingDirectory: "/w",
      environment: {},
      windows: [
        { name: "", emptyName: true, workingDirectory: "/w", environment: {}, focus: true, panes: [pane] },
        { name: "", emptyName: true, workingDirectory: "/w", environment: {}, focus: false, panes: [pane] },
      ],
      identity: { project: "/w", worktree: "main", task: "dev", command: "c" },
      shell: "/bin/sh",
    });
    const creators = commands.filter((argv) => argv[0] === "new-session" || argv[0] === "new-window");
    for (const argv of creators) expect(argv.slice(argv.indexOf("-n"), argv.indexOf("-n") + 2)).toEqual(["-n", ""]);
  });
});

describe("freeze", () => {
  const pane = (index: number, path: string, active = false, command = "sh") => ({ index, path, active, command });
  const session = {
    name: "My Session",
    path: "/work/app",
    windows: [
      { index: 0, name: "edit", automaticRename: false, layout: "aaaa,80x24,0,0{40x24,0,0,1,39x24,41,0,2}", active: false, layoutOptions: {}, panes: [pane(0, "/work/app/src", false, "vim"), pane(1, "/work/app/src/lib", true)] },
      { index: 1, name: "sh", automaticRename: true, layout: "bbbb,80x24,0,0,3", active: true, layoutOptions: {}, panes: [pane(0, "/var/log", true)] },
      { index: 3, name: "mixed", automaticRename: false, layout: "cccc,80x24,0,0[80x12,0,0,4,80x11,0,13,5]", preset: "even-vertical", active: false, layoutOptions: {}, panes: [pane(0, "/work/app/docs", true), pane(1, "/work/app")] },
    ],
  };

  test("directories relative inside the project, names only where tmux does not pick them, layouts and focus", () => {
    const { command, notes } = buildFrozenCommand(session, { projectRoot: "/work/app" });
    expect(command.name).toBe("My-Session");
    expect(command.session).toEqual({
      name_template: "My Session",
      windows: [
        { name: "edit", working_directory: "src", layout: "aaaa,80x24,0,0{40x24,0,0,1,39x24,41,0,2}", panes: [{}, { working_directory: "lib", focus: true }] },
        { working_directory: "/var/log", focus: true },
        { name: "mixed", layout: "even-vertical", panes: [{ working_directory: "docs" }, {}] },
      ],
    });
    expect(notes).toEqual(["windows[0].panes[0]: was running vim; add it as the pane's `command:` to start it again"]);
    expect([...Value.Errors(CommandConfig, command)]).toEqual([]);
  });

  test("layoutGeometry ignores the checksum and pane ids", () => {
    expect(layoutGeometry("b0a5,80x24,0,0{78x24,0,0,0,1x24,79,0[1x11,79,0,1,1x12,79,12,2]}")).toBe(layoutGeometry("88ac,80x24,0,0{78x24,0,0,3,1x24,79,0[1x11,79,0,4,1x12,79,12,5]}"));
  });
});
