// Reading tmux's output: the field and row markers, the escaping each server
// version adds to what it prints, and the vis encoding of stored window names.
// The real servers (3.3a, 3.5a, 3.7c, 3.8, 3.1c) are driven by the e2e tests;
// these pin the decoders against tmux's documented output, 3.4's included,
// which no Debian suite carries.
import { describe, expect, test } from "bun:test";
import { findTmux, parseEnvironment } from "../../src/tmux/manager.ts";
import {
  classicLayout,
  decodeVis,
  encodesWindowNames,
  escapesDollar,
  FIELD_SEPARATOR,
  formatOf,
  parseRows,
  parseTmuxVersion,
  ROW_END,
  undoOutputEscaping,
  versionOfRows,
} from "../../src/tmux/parse.ts";
import { firstWindowSizeOnOldServers, sessionCreationCommands } from "../../src/tmux/script.ts";
import type { SessionSpec } from "../../src/plan/types.ts";

/** What a server prints for `formatOf(fields)` with these values (tmux expands each `#{field}`). */
function answer(version: string, rows: string[][], print: (value: string) => string = (value) => value): string {
  return rows.map((values) => `${[version, ...values].map(print).join(FIELD_SEPARATOR)}${ROW_END}\n`).join("");
}

/**
 * tmux 3.4's output pass: utf8_strvis with VIS_OCTAL|VIS_CSTYLE|VIS_NOSLASH,
 * which writes `\$` for a `$` before a letter, `_` or `{`, keeps tab and
 * newline, does not double backslashes, and writes other control bytes as
 * C-style or octal escapes.
 */
function printLike34(value: string): string {
  const cstyle: Record<number, string> = { 7: "\\a", 8: "\\b", 11: "\\v", 12: "\\f", 13: "\\r" };
  let out = "";
  for (let index = 0; index < value.length; index++) {
    const char = value[index]!;
    const code = char.charCodeAt(0);
    if (char === "$" && /[A-Za-z_{]/.test(value[index + 1] ?? "")) out += "\\$";
    else if (char === "\t" || char === "\n" || code >= 0x20 && code !== 0x7f) out += char;
    else out += cstyle[code] ?? `\\${code.toString(8).padStart(3, "0")}`;
  }
  return out;
}

const FIELDS = ["session_name", "@prj_project"] as const;

describe("formatOf and parseRows", () => {
  test("the format asks for the server version first, then the fields, between the markers", () => {
    expect(formatOf(FIELDS)).toBe(`#{version}${FIELD_SEPARATOR}#{session_name}${FIELD_SEPARATOR}#{@prj_project}${ROW_END}`);
  });

  test("the markers are printable ASCII (printed as is by every tmux, in any locale) around a random token", () => {
    expect(FIELD_SEPARATOR).toMatch(/^<[0-9a-f]{16}>$/);
    expect(ROW_END).toMatch(/^<[0-9a-f]{16}\.>$/);
  });

  const odd = [
    "plain",
    "tab\there",
    "new\nline",
    "both\t\n\tof them\n",
    "unit\x1fseparator",
    "ünïcödé ✓ 日本",
    "",
    "ends with a newline\n",
    "prj:section",
    "#{session_name}",
    "a\\b \\$HOME \\t",
  ];
  test.each(odd.map((value) => [JSON.stringify(value), value]))("a value %s comes back whole", (_label, value) => {
    const text = answer("3.3a", [[value, `/p/${value}`], ["next", "/q"]]);
    expect(parseRows(text, FIELDS, "t")).toEqual([
      { session_name: value, "@prj_project": `/p/${value}` },
      { session_name: "next", "@prj_project": "/q" },
    ]);
  });

  test("no output is no rows", () => {
    expect(parseRows("", FIELDS, "t")).toEqual([]);
  });

  test("a short row is an error, not a guess", () => {
    expect(() => parseRows(answer("3.3a", [["only one"]]), FIELDS, "t")).toThrow(/1 fields, wanted 2/);
  });

  test("text outside the rows is an error", () => {
    expect(() => parseRows(`${answer("3.3a", [["a", "b"]])}stray\n`, FIELDS, "t")).toThrow(/not a row/);
    // What a client in LANG=C without -u would have made of a tab-separated row.
    expect(() => parseRows("a_b\n", FIELDS, "t")).toThrow(/not a row/);
  });

  test("the server version of an answer is its first field", () => {
    expect(versionOfRows(answer("3.4", [["a", "b"]]))).toBe("3.4");
    expect(versionOfRows("")).toBeUndefined();
  });
});

describe("tmux 3.4's `\\$` in everything it prints", () => {
  const values = [
    "fix$HOME",
    "/home/me/src/my$app",
    "${x}",
    "$_under",
    "a$1 and $ alone and $$",
    "a\\$HOME (a backslash before it, stored so)",
    "\\\\$x",
    "trailing $",
    "quote \" and 'single'",
  ];
  test.each(values.map((value) => [JSON.stringify(value), value]))("%s reads back as stored from a 3.4 server", (_label, value) => {
    const text = answer("3.4", [[value, value]], printLike34);
    expect(parseRows(text, FIELDS, "t")).toEqual([{ session_name: value, "@prj_project": value }]);
  });

  test("only 3.4 escapes; the same text from other servers is taken as it is", () => {
    for (const version of ["3.2a", "3.3a", "3.5", "3.5a", "3.6", "3.7c", "3.8", "3.40", "next-3.6"]) {
      expect([version, escapesDollar(version)]).toEqual([version, false]);
      expect(undoOutputEscaping("a\\$HOME", version)).toBe("a\\$HOME");
    }
    expect(escapesDollar("3.4")).toBe(true);
    expect(escapesDollar("3.4a")).toBe(true);
    expect(undoOutputEscaping("fix\\$HOME", "3.4")).toBe("fix$HOME");
  });

  test("show-environment values from a 3.4 server are read back too", () => {
    expect(parseEnvironment(`${printLike34("A=$HOME/x")}\n-REMOVED\n`, "3.4")).toEqual({ A: "$HOME/x" });
  });
});

describe("parseEnvironment", () => {
  test("a value with newlines in it stays one value", () => {
    const text = "A=1\nKEY=-----BEGIN KEY-----\nabc\n-----END KEY-----\n-GONE\nB=two words\n";
    expect(parseEnvironment(text)).toEqual({ A: "1", KEY: "-----BEGIN KEY-----\nabc\n-----END KEY-----", B: "two words" });
  });
  test("an empty value and a value with `=` in it", () => {
    expect(parseEnvironment("EMPTY=\nURL=a=b=c\n")).toEqual({ EMPTY: "", URL: "a=b=c" });
  });
});

describe("decodeVis (window names stored by tmux 3.7 and later)", () => {
  test.each([
    ["a\\\\b", "a\\b"],
    ["back\\\\\\\\slashes", "back\\\\slashes"],
    ["tab\\there", "tab\there"],
    ["nl\\nx", "nl\nx"],
    ["\\303\\251t\\303\\251", "été"],
    ["\\$HOME", "$HOME"],
    ['say \\"hi\\"', 'say "hi"'],
    ["ünïcödé stays", "ünïcödé stays"],
    ["no escapes", "no escapes"],
    ["an unknown \\q escape and a lone \\", "an unknown \\q escape and a lone \\"],
  ])("%j decodes to %j", (stored, name) => {
    expect(decodeVis(stored)).toBe(name);
  });

  test("only servers of 3.7 and later encode every window name", () => {
    const table = ["3.2a", "3.3a", "3.4", "3.5a", "3.6b", "3.7", "3.7c", "3.8", "next-3.8", "4.0"].map((version) => [version, encodesWindowNames(version)]);
    expect(table).toEqual([
      ["3.2a", false], ["3.3a", false], ["3.4", false], ["3.5a", false], ["3.6b", false],
      ["3.7", true], ["3.7c", true], ["3.8", true], ["next-3.8", true], ["4.0", true],
    ]);
    expect(encodesWindowNames("master")).toBe(false);
  });

  test("versions parse from every spelling tmux uses", () => {
    expect(parseTmuxVersion("3.2a")).toEqual({ major: 3, minor: 2 });
    expect(parseTmuxVersion("next-3.6")).toEqual({ major: 3, minor: 6 });
    expect(parseTmuxVersion("openbsd-7.6")).toEqual({ major: 7, minor: 6 });
    expect(parseTmuxVersion("master")).toBeUndefined();
  });
});

describe("the first window's size on servers older than 3.3", () => {
  const pane = { command: undefined, workingDirectory: "/w", environment: {}, focus: false };
  const spec = (size?: { columns: number; rows: number }): SessionSpec => ({
    name: "app-main-dev",
    workingDirectory: "/w",
    environment: {},
    windows: [{ name: "one", environment: {}, panes: [pane], focus: false }],
    identity: { project: "/w", worktree: "main", task: "dev", command: "start-dev" },
    shell: "/bin/sh",
    ...(size ? { size } : {}),
  }) as SessionSpec;

  test("tmux decides from the server's version, sizes the window, then lets clients size it again", () => {
    expect(firstWindowSizeOnOldServers("=s:", { columns: 120, rows: 40 })).toEqual([
      "if-shell",
      "-F",
      "#{<:#{version},3.3}",
      "resize-window -t =s: -x 120 -y 40 ; set-option -w -u -t =s: window-size",
    ]);
  });

  test("right after new-session, before any split or layout, and only when the size is known", () => {
    const sized = sessionCreationCommands(spec({ columns: 120, rows: 40 }));
    expect(sized[0]![0]).toBe("new-session");
    expect(sized[1]).toEqual(firstWindowSizeOnOldServers("=app-main-dev:", { columns: 120, rows: 40 }));
    const unsized = sessionCreationCommands(spec());
    expect(unsized.some((command) => command[0] === "if-shell" && command[2] === "#{<:#{version},3.3}")).toBe(false);
  });
});

describe("findTmux", () => {
  test("PRJ_TMUX names the binary: a path as given (made absolute), a name looked up on PATH", () => {
    expect(findTmux({ PRJ_TMUX: "/opt/tmux-3.5a/bin/tmux" })).toBe("/opt/tmux-3.5a/bin/tmux");
    expect(findTmux({ PRJ_TMUX: "sh" })).toBe(Bun.which("sh")!);
    expect(findTmux({})).toBe(Bun.which("tmux") ?? "tmux");
  });
});

describe("classicLayout (tmux 3.8 prints layouts as JSON)", () => {
  test("a JSON layout becomes the checksummed form every tmux reads, as tmux 3.3a prints the same layout", () => {
    const json =
      '{"V":2,"L":{"t":"h","w":80,"h":24,"x":0,"y":0,"c":[{"t":"p","w":40,"h":24,"x":0,"y":0,"l":1,"i":0,"I":"%0"},' +
      '{"t":"v","w":39,"h":24,"x":41,"y":0,"c":[{"t":"p","w":39,"h":12,"x":41,"y":0,"l":0,"i":1,"I":"%1"},{"t":"p","w":39,"h":11,"x":41,"y":13,"a":true,"i":2,"I":"%2"}]}]}}';
    expect(classicLayout(json)).toBe("d67e,80x24,0,0{40x24,0,0,0,39x24,41,0[39x12,41,0,1,39x11,41,13,2]}");
    expect(classicLayout('{"V":2,"L":{"t":"p","w":80,"h":24,"x":0,"y":0,"a":true,"i":0,"I":"%3"}}')).toBe("b260,80x24,0,0,3");
  });

  test("the old form, and JSON the old form cannot hold, stay as they are", () => {
    expect(classicLayout("b25d,80x24,0,0,0")).toBe("b25d,80x24,0,0,0");
    const floating = '{"V":2,"L":{"t":"f","w":80,"h":24,"x":0,"y":0}}';
    expect(classicLayout(floating)).toBe(floating);
    expect(classicLayout("{not json")).toBe("{not json");
  });
});
