// The rules `prj import` follows for real users' files: where a pane's `cd`s
// leave its shell, which files the peers themselves refuse (and what they say),
// tmuxp's stacked panes, and the smaller peer habits a conversion must keep.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { CommandConfig } from "../../src/config/schema.ts";
import { cdMoves, leadingCds, PeerRejection, type ImportContext } from "../../src/import/common.ts";
import { tmuxinatorRejection, tmuxpRejection } from "../../src/import/rejections.ts";
import { topLevelSegments } from "../../src/import/shell.ts";
import { convertTmuxinator } from "../../src/import/tmuxinator.ts";
import { convertTmuxp, tmuxpStackedLayout } from "../../src/import/tmuxp.ts";
import { readPeerDocument } from "../../src/import/write.ts";
import { tempDir } from "../helpers/world.ts";

const context: ImportContext = { fileDir: "/work/app", home: "/home/u", fileStem: "app", projectRoot: "/work/app", env: { USER: "u", EDITOR_DIR: "/opt/ed" } };

function load(tool: "tmuxinator" | "tmuxp", yaml: string): unknown {
  const file = join(tempDir("rules-"), "peer.yml");
  writeFileSync(file, yaml);
  return readPeerDocument(file, "peer.yml", tool).data;
}

function convert(tool: "tmuxinator" | "tmuxp", yaml: string, extra: Partial<ImportContext> = {}) {
  const data = load(tool, yaml);
  const result = tool === "tmuxinator" ? convertTmuxinator(data, { ...context, ...extra }) : convertTmuxp(data, { ...context, ...extra });
  expect([...Value.Errors(CommandConfig, result.command)]).toEqual([]);
  return result;
}

describe("the shell's command lists", () => {
  test.each([
    ["cd api && npm start", [["cd api", "&&"], ["npm start", ""]]],
    ["cd api; npm start &", [["cd api", ";"], ["npm start", "&"]]],
    ["make 2>&1 | tee log", [["make 2>&1", "|"], ["tee log", ""]]],
    ["echo 'a && b' \"c; d\" && ls", [["echo 'a && b' \"c; d\"", "&&"], ["ls", ""]]],
    ["(cd docs && make) || echo $(cd x; pwd)", [["(cd docs && make)", "||"], ["echo $(cd x; pwd)", ""]]],
    ["cd a\nvim # && not this", [["cd a", "\n"], ["vim # && not this", ""]]],
  ])("%p splits at the top level", (line, expected) => {
    expect(topLevelSegments(line)!.map((segment) => [segment.text, segment.op])).toEqual(expected);
  });

  test("unclosed quotes cannot be read", () => {
    expect(topLevelSegments("echo 'oops && cd x")).toBeUndefined();
  });

  test.each([
    [["cd api && npm start"], { cds: ["api"], rest: ["npm start"] }],
    [["cd ~/code; cd web", "yarn"], { cds: ["/home/u/code", "web"], rest: ["yarn"] }],
    [["cd api || exit 1"], { cds: [], rest: ["cd api || exit 1"] }],
    [["cd api & sleep 1"], { cds: [], rest: ["cd api & sleep 1"] }],
    [["nvm use", "cd api"], { cds: [], rest: ["nvm use", "cd api"] }],
  ])("leadingCds(%p)", (commands, expected) => {
    expect(leadingCds(commands, "/home/u")).toEqual(expected);
  });

  test.each([
    [["nvm use", "cd web && yarn"], { targets: ["web"] }],
    [["make; cd dist"], { targets: ["dist"] }],
    [["cd a && cd b && vim"], { targets: ["a", "b"] }],
    [["(cd docs && make)", "echo $(cd x; pwd)"], { targets: [] }],
    [["make && cd dist"], { problem: { command: "cd dist", reason: "conditional" } }],
    [["cd dist || exit"], { problem: { command: "cd dist", reason: "conditional" } }],
    [["cd $DIR"], { problem: { command: "cd $DIR", reason: "not-a-plain-path" } }],
    [["pushd src"], { problem: { command: "pushd src", reason: "not-a-plain-path" } }],
  ])("cdMoves(%p)", (commands, expected) => {
    expect(cdMoves(commands, "/home/u")).toEqual(expected as ReturnType<typeof cdMoves>);
  });
});

describe("files the peers refuse", () => {
  const tmuxinator = (yaml: string) => tmuxinatorRejection(load("tmuxinator", yaml));
  const tmuxp = (yaml: string) => tmuxpRejection(load("tmuxp", yaml));

  type Refusal = [string, [(string | number)[], string]];
  test.each<Refusal>([
    ["name: x\n", [["windows"], "Your project file should include some windows."]],
    ["windows:\n  - a: vim\n", [["name"], "Your project file didn't specify a 'project_name'"]],
    ["name: x\nwindows:\n  - editor\n", [["windows", 0], 'undefined method `keys\' for "editor":String (NoMethodError)']],
    ["name: x\ntabs:\n  - a: vim\n", [["tabs"], "undefined method `map' for nil:NilClass (NoMethodError)"]],
    ["name: x\nwindows:\n  - 2024-01-01: vim\n", [["windows", 0, "2024-01-01"], "Failed to parse config file: Tried to load unspecified class: Date"]],
    ["name: x\nroot: 12\nwindows:\n  - a: vim\n", [["root"], "no implicit conversion of Integer into String (TypeError)"]],
    ["name: x\nwindows:\n  - a:\n      panes: [12]\n", [["windows", 0, "a", "panes", 0], "undefined method `shellescape' for 12:Integer (NoMethodError)"]],
    ["", [[], "undefined method `[]' for nil:NilClass (NoMethodError)"]],
  ])("tmuxinator refuses %p", (yaml, [path, peerSays]) => {
    const rejection = tmuxinator(yaml);
    expect(rejection).toBeInstanceOf(PeerRejection);
    expect([rejection!.path, rejection!.peerSays]).toEqual([path, peerSays]);
  });

  test("tmuxinator loads tabs next to windows, a name that is a number, and a window whose value is a number", () => {
    expect(tmuxinator("name: 42\ntabs:\n  - a: vim\nwindows:\n  - b: ls\n")).toBeUndefined();
    expect(tmuxinator("name: x\nwindows:\n  - a: 12\n")).toBeUndefined();
  });

  test.each<Refusal>([
    ["session_name: x\n", [[], "KeyError: 'windows'"]],
    ["windows:\n  - window_name: a\n", [[], "KeyError: 'session_name'"]],
    ["", [[], "KeyError: 'windows'"]],
    ["session_name: x\nenvironment:\n  PORT: 8000\nwindows: []\n", [["environment", "PORT"], "TypeError: expected str, bytes or os.PathLike object, not int"]],
    ["session_name: x\nwindows:\n  - window_name: 1\n", [["windows", 0, "window_name"], "TypeError: expected str, bytes or os.PathLike object, not int"]],
    ["session_name: x\nwindows:\n  - window_name: a\n    panes:\n", [["windows", 0, "panes"], "TypeError: 'NoneType' object is not iterable"]],
    ["session_name: x\nwindows:\n  - window_name: a\n    panes: [12]\n", [["windows", 0, "panes", 0], "AssertionError"]],
    ["session_name: x\nwindows:\n  - window_name: a\n    start_directory: ./sub\n", [["windows", 0, "start_directory"], "KeyError: 'start_directory'"]],
    ["session_name: my.site\nwindows: []\n", [["session_name"], "libtmux.exc.BadSessionName: ('tmux session name \"%s\" may not contain periods.', 'my.site')"]],
    ["session_name: ''\nwindows: []\n", [["session_name"], "libtmux.exc.BadSessionName: tmux session names may not be empty."]],
  ])("tmuxp refuses %p", (yaml, [path, peerSays]) => {
    const rejection = tmuxp(yaml);
    expect(rejection).toBeInstanceOf(PeerRejection);
    expect([rejection!.path, rejection!.peerSays]).toEqual([path, peerSays]);
  });

  test("the converters throw the refusal, so nothing is written", () => {
    expect(() => convertTmuxp(load("tmuxp", "session_name: x\n"), context)).toThrow(PeerRejection);
    expect(() => convertTmuxinator(load("tmuxinator", "name: x\n"), context)).toThrow(PeerRejection);
  });
});

describe("tmuxp's stacked panes", () => {
  test("each split halves the newest pane at 800x600, as tmuxp leaves a window without a layout", () => {
    expect(tmuxpStackedLayout(2)).toBe("b07f,800x600,0,0[800x300,0,0,0,800x299,0,301,1]");
    expect(tmuxpStackedLayout(3)).toMatch(/^[0-9a-f]{4},800x600,0,0\[800x300,0,0,0,800x149,0,301,1,800x149,0,451,2\]$/);
    expect(tmuxpStackedLayout(12)).toBeUndefined();
  });

  test("a window with panes and no layout gets it, with a comment; one pane or a layout of its own does not", () => {
    const { command, comments } = convert("tmuxp", "session_name: s\nwindows:\n  - window_name: a\n    panes: [vim, ls, top]\n  - window_name: b\n    layout: tiled\n    panes: [vim, ls]\n  - window_name: c\n    panes: [vim]\n");
    expect(command.session!.windows!.map((window) => window.layout)).toEqual([tmuxpStackedLayout(3), "tiled", undefined]);
    expect(comments.map((comment) => comment.path)).toEqual([["session", "windows", 0, "layout"]]);
  });

  test("layout options are left for tmux to work out at import", () => {
    const { pendingLayouts, warnings } = convert("tmuxp", "session_name: s\nwindows:\n  - window_name: a\n    layout: main-horizontal\n    options: { main-pane-height: 30 }\n    panes: [vim, ls, top]\n");
    expect(pendingLayouts).toEqual([{ path: ["session", "windows", 0, "layout"], preset: "main-horizontal", panes: 3, options: { "main-pane-height": "30" }, size: { columns: 800, rows: 600 }, notePath: "windows[0].layout" }]);
    expect(warnings[0]).toStartWith("windows[0].options.main-pane-height: tmux option; not set on prj's windows");
  });
});

describe("peer habits a conversion keeps", () => {
  test("window_name: '' is a window named \"\"", () => {
    expect(convert("tmuxp", "session_name: s\nwindows:\n  - window_name: ''\n").command.session!.windows).toEqual([{ name: "" }]);
  });

  test("$VAR in tmuxp commands is expanded as tmuxp expands it (set ones only), and reported", () => {
    const { command, warnings } = convert("tmuxp", "session_name: s\nwindows:\n  - window_name: a\n    panes:\n      - vim $EDITOR_DIR/init.lua '$USER'\n      - echo $NOT_SET\n      - ~/bin/start --fast\n");
    expect(command.session!.windows![0]!.panes).toEqual(["vim /opt/ed/init.lua 'u'", "echo $NOT_SET", { command: "/home/u/bin/start --fast", focus: true }]);
    expect(warnings).toEqual(["windows[0].panes[0].shell_command[0]: expanded $EDITOR_DIR, $USER at import time, as tmuxp does each time it loads (the written command holds today's value)"]);
  });

  test("a relative pane start_directory is relative to where tmuxp runs (the project root); ./x to the window's own", () => {
    const { command } = convert("tmuxp", "session_name: s\nstart_directory: /srv/app\nwindows:\n  - window_name: a\n    start_directory: web\n    panes:\n      - start_directory: api\n      - start_directory: ./src\n      - ls\n");
    const [window] = command.session!.windows!;
    expect(window!.working_directory).toBe("web");
    expect(window!.panes).toEqual([{ working_directory: "/work/app/api" }, { working_directory: "/work/app/web/src" }, { command: "ls", focus: true }]);
  });

  test("focus is Python truth: yes and a string count", () => {
    const { command } = convert("tmuxp", "session_name: s\nwindows:\n  - window_name: a\n  - window_name: b\n    focus: 'false'\n  - window_name: c\n    focus: 0\n");
    expect(command.session!.windows!.map((window) => window.focus)).toEqual([undefined, true, undefined]);
  });

  test("without focus, the window tmuxp made first stays active even when window_index moves it", () => {
    const { command } = convert("tmuxp", "session_name: s\nwindows:\n  - window_name: logs\n    window_index: 3\n  - window_name: editor\n");
    expect(command.session!.windows).toEqual([{ name: "editor" }, { name: "logs", focus: true }]);
  });

  test("windows: [] still gets tmux's one window", () => {
    expect(convert("tmuxp", "session_name: s\nwindows: []\n").command.session!.windows).toEqual([{}]);
  });

  test("a unique start of a preset is the preset; a layout tmux would refuse is reported", () => {
    const { command, warnings } = convert("tmuxinator", "name: a\nwindows:\n  - w:\n      layout: main-v\n      panes: [a, b]\n  - x:\n      layout: main\n      panes: [a, b]\n");
    expect(command.session!.windows!.map((window) => window.layout)).toEqual(["main-vertical", undefined]);
    expect(warnings.some((line) => line.startsWith("windows[1].layout:"))).toBe(true);
  });

  test("a # in a window name is reported: tmux reads it as a format when a peer passes it", () => {
    expect(convert("tmuxinator", "name: a\nwindows:\n  - '#hash': ls\n").warnings[0]).toStartWith("windows[0] name: tmux reads `#`");
  });

  test("tmuxinator hooks run in root and carry on when they fail, with a comment saying so", () => {
    const { command, comments } = convert("tmuxinator", "name: a\nroot: /work/app/api\npre: pg_ctl start\non_project_start: docker compose up -d\non_project_stop: docker compose down\nwindows:\n  - w: ls\n");
    expect(command.pre_steps).toEqual([{ name: "on_project_start", run: "docker compose up -d", working_directory: "api", continue_on_error: true }]);
    expect(command.session!.pre_create_steps).toEqual([{ name: "pre", run: "pg_ctl start", working_directory: "api", continue_on_error: true }]);
    expect(command.session!.cleanup_steps).toEqual([{ name: "on_project_stop", run: "docker compose down", working_directory: "api" }]);
    expect(comments).toContainEqual({ path: ["session", "pre_create_steps", 0, "continue_on_error"], text: "tmuxinator carries on when pre fails" });
  });

  test("a hook with bash-only syntax is reported when the user's shell is not sh", () => {
    const { warnings } = convert("tmuxinator", "name: a\non_project_start: source ~/.nvm/nvm.sh\nwindows:\n  - w: ls\n", { env: { SHELL: "/bin/bash" } });
    expect(warnings).toContain("on_project_start: uses `source`, which tmuxinator runs with your shell (/bin/bash) but prj's steps run with /bin/sh");
  });

  test("a directory that does not exist now is reported: prj run would stop where the peer falls back to HOME", () => {
    const { warnings } = convert("tmuxinator", "name: a\nroot: /nowhere/app\nwindows:\n  - w: ls\n", { exists: (path) => path !== "/nowhere/app" });
    expect(warnings.some((line) => line.startsWith("root: directory /nowhere/app does not exist now"))).toBe(true);
  });
});
