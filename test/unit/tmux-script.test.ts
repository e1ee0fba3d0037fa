import { describe, expect, test } from "bun:test";
import type { SessionSpec } from "../../src/plan/types.ts";
import { escapeFormat, tmuxCommandLine, tmuxQuote } from "../../src/tmux/quote.ts";
import { endRecorderCommands, EXIT_ON_INTERRUPT, PANE_WRAPPER, paneArgv, SESSION_CLOSED_HOOK, sessionCreationCommands } from "../../src/tmux/script.ts";

const pane = (command?: string, focus = false) => ({ command, workingDirectory: "/w", environment: {}, focus });

function spec(windows: SessionSpec["windows"]): SessionSpec {
  return {
    name: "app-main-dev",
    workingDirectory: "/w",
    environment: { TOKEN: "t$1;x" },
    windows,
    identity: { project: "/w", worktree: "main", task: "dev", command: "start-dev" },
    shell: "/bin/bash",
  };
}

describe("tmux quoting", () => {
  const cases: [string, string][] = [
    ["plain", '"plain"'],
    ['a"b', '"a\\"b"'],
    ["$HOME", '"\\$HOME"'],
    ["back\\slash", '"back\\\\slash"'],
    ["two\nlines", '"two\\nlines"'],
    ["bell\x07", '"bell\\007"'],
  ];
  test.each(cases)("%j", (raw, quoted) => expect(tmuxQuote(raw)).toBe(quoted));

  test("format characters are doubled", () => expect(escapeFormat("#{session_name}#")).toBe("##{session_name}##"));

  test("only words that need it are quoted", () => {
    expect(tmuxCommandLine(["new-window", "-d", "-t", "=s:", "x y"])).toBe('new-window -d -t =s: "x y"');
    expect(tmuxCommandLine(["select-layout", "-t", "=s:{end}"])).toBe('select-layout -t "=s:{end}"');
  });
});

describe("sessionCreationCommands", () => {
  test("one new-session, tags, then one new-window per further window", () => {
    const commands = sessionCreationCommands(spec([
      { name: "editor", workingDirectory: "/w", environment: {}, focus: false, panes: [pane("vim")] },
      { name: "server", workingDirectory: "/w", environment: {}, focus: true, panes: [pane()] },
    ]));
    expect(commands.map((argv) => argv[0])).toEqual([
      "new-session", "set-option", "set-option", "set-option", "set-option", "new-window", "select-window",
    ]);
    expect(commands[0]).toContain("TOKEN=t$1;x");
    expect(commands[0]!.slice(-6)).toEqual(paneArgv("/bin/bash", "vim"));
    expect(commands[5]).toEqual(["new-window", "-d", "-t", "=app-main-dev:", "-n", "server", "-c", "/w"]);
  });

  test("panes split in order, get the layout, and the focused pane is selected by offset", () => {
    const commands = sessionCreationCommands(spec([
      { name: "tests", workingDirectory: "/w", environment: {}, layout: "main-vertical", focus: false, panes: [pane("a"), pane("b", true), pane("c")] },
    ]));
    const verbs = commands.map((argv) => argv[0]);
    expect(verbs.filter((verb) => verb === "split-window")).toHaveLength(2);
    expect(commands.at(-2)).toEqual(["select-layout", "-t", "=app-main-dev:{end}", "main-vertical"]);
    expect(commands.at(-1)).toEqual(["select-pane", "-t", "=app-main-dev:{end}.-1"]);
  });

  describe("re-tiling between splits", () => {
    const layouts = (window: SessionSpec["windows"][number], size?: SessionSpec["size"]) =>
      sessionCreationCommands({ ...spec([window]), size })
        .filter((argv) => argv[0] === "split-window" || argv[0] === "select-layout")
        .map((argv) => (argv[0] === "split-window" ? "split" : argv[3]!));
    const window = (panes: number, layout?: string) => ({
      name: "w", workingDirectory: "/w", environment: {}, layout, focus: false, panes: Array.from({ length: panes }, () => pane("x")),
    });
    const cases: [string, SessionSpec["windows"][number], SessionSpec["size"], string[]][] = [
      ["2 panes with a layout: the layout only", window(2, "main-vertical"), undefined, ["split", "main-vertical"]],
      ["3 panes without a layout end tiled", window(3), undefined, ["split", "split", "tiled"]],
      ["3 panes at 132x43: no re-tiling in between", window(3, "even-vertical"), { columns: 132, rows: 43 }, ["split", "split", "even-vertical"]],
      ["3 panes in a smaller terminal re-tile in between", window(3, "even-vertical"), { columns: 60, rows: 20 }, ["split", "tiled", "split", "even-vertical"]],
      ["4 panes re-tile after every split but the last", window(4, "main-vertical"), undefined,
        ["split", "tiled", "split", "tiled", "split", "main-vertical"]],
      ["6 panes without a layout", window(6), undefined, ["split", "tiled", "split", "tiled", "split", "tiled", "split", "tiled", "split", "tiled"]],
    ];
    test.each(cases)("%s", (_, shape, size, expected) => expect(layouts(shape, size)).toEqual(expected));
  });

  test("a window's own environment does not leak into the session environment", () => {
    const commands = sessionCreationCommands(spec([
      { name: "w", workingDirectory: "/w", environment: { ONLY_HERE: "1", TOKEN: "window" }, focus: false, panes: [pane()] },
    ]));
    expect(commands).toContainEqual(["set-environment", "-u", "-t", "=app-main-dev:", "ONLY_HERE"]);
    expect(commands).toContainEqual(["set-environment", "-t", "=app-main-dev:", "TOKEN", "t$1;x"]);
  });

  test("window names and directories are format-escaped", () => {
    const commands = sessionCreationCommands(spec([
      { name: "#{session_name}", workingDirectory: "/w/#dir", environment: {}, focus: false, panes: [{ ...pane(), workingDirectory: "/w/#dir" }] },
    ]));
    expect(commands[0]).toContain("##{session_name}");
    expect(commands[0]).toContain("/w/##dir");
  });

  test("no command means a plain shell", () => expect(paneArgv("/bin/zsh", undefined)).toEqual([]));

  test("with a configured shell, plain panes of every kind start it as a login shell", () => {
    const commands = sessionCreationCommands({
      ...spec([
        { name: "a", workingDirectory: "/w", environment: {}, focus: false, panes: [pane(), pane("  "), pane("htop")] },
        { name: "b", workingDirectory: "/w", environment: {}, focus: false, panes: [pane()] },
      ]),
      plainPanesUseShell: true,
    });
    const panes = commands.filter((argv) => ["new-session", "new-window", "split-window"].includes(argv[0]!));
    expect(panes.map((argv) => argv.slice(-2))).toEqual([
      ["/bin/bash", "-l"],
      ["/bin/bash", "-l"],
      ["/bin/bash", "htop"],
      ["/bin/bash", "-l"],
    ]);
  });
});

describe("values a pane command refers to", () => {
  test("go to that pane's processes with -e, never into an argv, and leave no trace in the session environment", () => {
    const first = { ...pane('printf %s "$PRJ_V_msg"'), shellValues: { PRJ_V_msg: "$(id) 'q'" } };
    const second = { ...pane('echo "$PRJ_V_other"'), shellValues: { PRJ_V_other: "two" } };
    const commands = sessionCreationCommands(spec([{ name: "a", workingDirectory: "/w", environment: {}, focus: true, panes: [first, second] }]));
    const newSession = commands.find((argv) => argv[0] === "new-session")!;
    const split = commands.find((argv) => argv[0] === "split-window")!;
    expect(newSession).toContain("PRJ_V_msg=$(id) 'q'");
    expect(newSession).not.toContain("PRJ_V_other=two");
    expect(split).toContain("PRJ_V_other=two");
    // new-session -e also writes the session environment; the value is taken out of it again.
    expect(commands).toContainEqual(["set-environment", "-u", "-t", "=app-main-dev:", "PRJ_V_msg"]);
    // The pane's argv has only the reference.
    expect(newSession.at(-1)).toBe('printf %s "$PRJ_V_msg"');
  });
});

describe("paneArgv", () => {
  const cases: [string, string | undefined, { plainShell?: boolean }, string[]][] = [
    ["/bin/zsh", undefined, {}, []],
    ["/bin/zsh", "", { plainShell: true }, ["/bin/zsh", "-l"]],
    ["/usr/bin/fish", undefined, { plainShell: true }, ["/usr/bin/fish", "-l"]],
    ["/bin/bash", "make", { plainShell: true }, ["/bin/sh", "-c", PANE_WRAPPER, "prj-pane", "/bin/bash", "make"]],
    ["/bin/zsh", "make", {}, ["/bin/sh", "-c", PANE_WRAPPER, "prj-pane", "/bin/zsh", "make"]],
    ["/usr/bin/fish", "make", {}, ["/bin/sh", "-c", PANE_WRAPPER, "prj-pane", "/usr/bin/fish", "make"]],
    // dash and its kin would stay behind as a second interactive shell after Ctrl-C without the trap.
    ["/bin/sh", "make", {}, ["/bin/sh", "-c", PANE_WRAPPER, "prj-pane", "/bin/sh", `${EXIT_ON_INTERRUPT}make`]],
    ["/usr/bin/dash", "make", {}, ["/bin/sh", "-c", PANE_WRAPPER, "prj-pane", "/usr/bin/dash", `${EXIT_ON_INTERRUPT}make`]],
    ["mksh", "make", {}, ["/bin/sh", "-c", PANE_WRAPPER, "prj-pane", "mksh", `${EXIT_ON_INTERRUPT}make`]],
  ];
  test.each(cases)("%s %j %j", (shell, command, options, argv) => expect(paneArgv(shell, command, options)).toEqual(argv));

  test("the trap line ends before the command starts", () => expect(EXIT_ON_INTERRUPT).toBe("trap 'exit 130' INT\n"));
});

describe("endRecorderCommands", () => {
  const file = "/data/it's #1/session-ends.tsv";

  test("a global session-closed hook and a once-per-server sentinel, appended to the same batch", () => {
    const windows = [{ name: "w", workingDirectory: "/w", environment: {}, focus: false, panes: [pane()] }];
    const plain = sessionCreationCommands(spec(windows));
    const recorded = sessionCreationCommands(spec(windows), { recordEndsTo: file });
    expect(recorded.slice(0, plain.length)).toEqual(plain);
    expect(recorded.slice(plain.length)).toEqual(endRecorderCommands(file));
    const [hook, sentinel] = endRecorderCommands(file);
    // Global (-g): a hook set on the session is looked up after the session is gone and never fires for it.
    expect(hook!.slice(0, 3)).toEqual(["set-hook", "-g", SESSION_CLOSED_HOOK]);
    expect(hook![3]).toStartWith("run-shell -b ");
    expect(sentinel!.slice(0, 3)).toEqual(["if-shell", "-F", "#{?@prj_end_recorder,,1}"]);
    expect(sentinel![3]).toContain("set-option -g @prj_end_recorder 1 ; run-shell -b ");
  });

  test("only the session id, the path and the time reach the shell; the path is quoted and format-escaped", () => {
    const text = endRecorderCommands(`/data/it's "#1" $HOME\\x/session-ends.tsv`).flat().join("\n");
    // sh/fish double quoting (\" \$ \\) inside tmux quoting (which escapes each backslash, quote and $ again); `#` doubled for formats.
    expect(text).toContain(String.raw`\"/data/it's \\\"##1\\\" \\\$HOME\\\\x/session-ends.tsv\"`);
    expect(text).toContain("'#{hook_session}'");
    // The socket comes from the job's own $TMUX: no tmux value is spliced into shell text.
    expect(text).toContain("${TMUX%,*,*}");
    expect(text).not.toContain("#{q:");
    expect(text).not.toContain("session_name");
  });

  test("a path with a backtick gets no recorder rather than a quoting guess", () => {
    expect(endRecorderCommands("/data/`x`/ends.tsv")).toEqual([]);
  });

  test("with setpriv the sentinel dies with its server (parent-death signal)", () => {
    const text = endRecorderCommands("/d/ends.tsv", { parentDeathSignal: "/usr/bin/setpriv" }).flat().join("\n");
    expect(text).toContain("exec /usr/bin/setpriv --pdeathsig HUP /bin/sh -c '");
  });

  test("the scripts are parsed alike by sh and fish: no single quote or backslash pair inside them", () => {
    for (const command of endRecorderCommands("/d/ends.tsv")) {
      const line = command[command.length - 1]!;
      const script = /-c '([^']*)'/.exec(line.replaceAll('\\"', '"').replaceAll("\\\\", "\\"))?.[1];
      expect(script).toBeDefined();
      expect(script).not.toMatch(/\\\\|\\'/);
    }
  });
});
