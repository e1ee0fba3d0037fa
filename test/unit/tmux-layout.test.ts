import { describe, expect, test } from "bun:test";
import {
  layoutChecksum,
  layoutKind,
  layoutProblem,
  layoutWithChecksum,
  parseCells,
  versionHasMirroredLayouts,
} from "../../src/tmux/layout.ts";
import { windowNameProblem } from "../../src/tmux/window-name.ts";

describe("layoutChecksum", () => {
  // Layouts printed by tmux 3.3a (`list-windows -F '#{window_layout}'`), checksum and all.
  test.each([
    "b25d,80x24,0,0,0",
    "020a,80x24,0,0{40x24,0,0,1,39x24,41,0,2}",
    "bb62,159x48,0,0{79x48,0,0,79x48,80,0}",
  ])("matches tmux for %s", (layout) => {
    expect(layoutChecksum(layout.slice(5)).toString(16).padStart(4, "0")).toBe(layout.slice(0, 4));
  });

  test("layoutWithChecksum prefixes four lowercase hex digits", () => {
    expect(layoutWithChecksum("80x24,0,0,0")).toBe("b25d,80x24,0,0,0");
  });
});

describe("layoutProblem: presets", () => {
  test.each(["even-horizontal", "even-vertical", "main-horizontal", "main-vertical", "tiled"])("%s is valid with any pane count", (name) => {
    expect(layoutProblem(name, { panes: 1 })).toBeUndefined();
    expect(layoutProblem(name, { panes: 7, mirroredPresets: false })).toBeUndefined();
  });

  test.each(["main-horizontal-mirrored", "main-vertical-mirrored"])("%s depends on the server", (name) => {
    expect(layoutProblem(name, { panes: 2 })).toBeUndefined();
    expect(layoutProblem(name, { panes: 2, mirroredPresets: true })).toBeUndefined();
    const problem = layoutProblem(name, { panes: 2, mirroredPresets: false });
    expect(problem?.problem).toContain("needs tmux 3.5 or newer");
    expect(problem?.hint).toContain(name.replace("-mirrored", ""));
  });

  // Each of these crashed a tmux 3.3a server (all its sessions) or would be read as another layout.
  test.each([
    ["main-vertial", "main-vertical"],
    ["main-vertcal", "main-vertical"],
    ["even-horizonal", "even-horizontal"],
    ["tiles", "tiled"],
    ["Tiled", "tiled"],
    [" tiled", "tiled"],
    ["main-h", "main-horizontal"],
    ["t", "tiled"],
    ["main-vertical-mirroed", "main-vertical-mirrored"],
  ])("%s is refused, suggesting %s", (value, suggestion) => {
    const problem = layoutProblem(value, { panes: 2 });
    expect(problem?.problem).toBe(`unknown layout ${JSON.stringify(value)}`);
    expect(problem?.hint).toStartWith(`did you mean ${suggestion}?`);
  });

  test.each(["vertical", "m", "zzz", "xyz", "even", "main", "{{layout}}", "main-vertical;kill-server"])("%s is refused", (value) => {
    expect(layoutProblem(value, { panes: 2 })?.problem).toStartWith("unknown layout");
  });

  test("the mirrored names are not suggested to a server without them", () => {
    expect(layoutProblem("main-vertical-mirroed", { panes: 2, mirroredPresets: false })?.hint).not.toContain("mirrored?");
  });

  test("an empty or blank layout is refused", () => {
    expect(layoutProblem("", { panes: 1 })?.problem).toBe("the layout is empty");
    expect(layoutProblem("   ", { panes: 1 })?.problem).toBe("the layout is empty");
  });
});

describe("layoutProblem: custom layouts", () => {
  const two = "80x24,0,0{40x24,0,0,1,39x24,41,0,2}";
  const cases: [string, string, number, string | undefined][] = [
    ["one pane", "80x24,0,0,1", 1, undefined],
    ["one pane without an id", "80x24,0,0", 1, undefined],
    ["two side by side", two, 2, undefined],
    ["two stacked", "80x24,0,0[80x12,0,0,1,80x11,0,13,2]", 2, undefined],
    ["nested", "80x24,0,0[80x12,0,0{40x12,0,0,1,39x12,41,0,2},80x11,0,13,3]", 3, undefined],
    ["nested without ids", "80x24,0,0[80x12,0,0{40x12,0,0,39x12,41,0},80x11,0,13]", 3, undefined],
    ["too few cells", "80x24,0,0,1", 2, "the custom layout has 1 pane but the window has 2"],
    ["too many cells", two, 1, "the custom layout has 2 panes but the window has 1"],
    ["widths do not add up", "80x24,0,0{40x24,0,0,1,40x24,41,0,2}", 2, "add up to width 81, not 80"],
    ["heights do not add up", "80x24,0,0[80x12,0,0,1,80x12,0,13,2]", 2, "add up to height 25, not 24"],
    ["child taller than parent", "80x24,0,0{40x24,0,0,1,39x23,41,0,2}", 2, "must be as tall as the cell around it (24)"],
    ["child narrower than parent", "80x24,0,0[79x12,0,0,1,80x11,0,13,2]", 2, "must be as wide as the cell around it (80)"],
    ["offset wrong", "80x24,0,0{40x24,0,0,1,39x24,40,0,2}", 2, "should start at 41,0"],
    ["outer cell moved", "80x24,5,5{40x24,5,5,1,39x24,46,5,2}", 2, "the outer cell starts at 0,0"],
    ["zero size", "0x0,0,0{0x0,0,0,0x0,0,0}", 2, "has no room"],
    ["larger than tmux allows", "20000x24,0,0{10000x24,0,0,9999x24,10001,0}", 2, "larger than tmux allows (10000)"],
    ["huge numbers", "99999999x24,0,0", 1, "expected WIDTHxHEIGHT,X,Y"],
    ["a split of one", "80x24,0,0{80x24,0,0}", 1, "a split holds at least two cells"],
    ["unclosed", "80x24,0,0{40x24,0,0,1,39x24,41,0,2", 2, "expected ',' or '}'"],
    ["mismatched brackets", "80x24,0,0{40x24,0,0,1,39x24,41,0,2]", 2, "expected ',' or '}'"],
    ["trailing text", `${two}junk`, 2, "unexpected text"],
    ["missing size", "x24,0,0", 1, "expected WIDTHxHEIGHT,X,Y"],
    ["negative", "80x24,-1,0", 1, "expected WIDTHxHEIGHT,X,Y"],
    ["empty body", "", 1, "expected WIDTHxHEIGHT,X,Y"],
    ["non-ASCII", "80x24,0,0,１", 1, "unexpected text"],
  ];
  test.each(cases)("%s", (_, body, panes, expected) => {
    const problem = layoutProblem(layoutWithChecksum(body), { panes });
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem?.problem).toContain(expected);
  });

  test("a wrong checksum is refused and the right one named", () => {
    const problem = layoutProblem(`0000,${two}`, { panes: 2 });
    expect(problem?.problem).toBe("custom layout checksum 0000 does not match its cells (expected 020a)");
    expect(problem?.hint).toContain("list-windows");
  });

  test("upper-case checksum digits are read as tmux reads them", () => {
    expect(layoutProblem(`020A,${two}`, { panes: 2 })).toBeUndefined();
  });

  test("very deep nesting is refused without recursing through it", () => {
    let body = "1x1,0,0";
    for (let depth = 0; depth < 5000; depth++) body = `1x1,0,0{${body},1x1,0,0}`;
    expect(layoutProblem(layoutWithChecksum(body), { panes: 2 })?.problem).toContain("longer than 8192");
    const parsed = parseCells("1x1,0,0{".repeat(200) + "1x1,0,0");
    expect("problem" in parsed && parsed.problem).toContain("nested more than 100 deep");
  });

  test("layoutKind tells presets from custom strings", () => {
    expect(layoutKind("tiled")).toBe("preset");
    expect(layoutKind("main-vertical-mirrored")).toBe("mirrored-preset");
    expect(layoutKind(layoutWithChecksum(two))).toBe("custom");
    expect(layoutKind("main-vertial")).toBeUndefined();
  });
});

describe("versionHasMirroredLayouts", () => {
  test.each([
    ["3.2a", false],
    ["3.3a", false],
    ["3.4", false],
    ["3.5", true],
    ["3.5a", true],
    ["3.6", true],
    ["next-3.7", true],
    ["4.0", true],
    ["master", undefined],
  ] as const)("%s → %p", (version, expected) => {
    expect(versionHasMirroredLayouts(version)).toBe(expected);
  });
});

describe("windowNameProblem", () => {
  test.each(["editor", "server 1", "tests: unit", "café", "日本語", "🚀 deploy", "#{not-a-format}", "a.b"])("%s is fine", (name) => {
    expect(windowNameProblem(name)).toBeUndefined();
  });
  test.each([
    ["a\tb", "a tab"],
    ["a\nb", "a newline"],
    ["a\rb", "a carriage return"],
    ["\u001b[31mred", "U+001B"],
    ["a\u0000b", "U+0000"],
    ["a\u007fb", "U+007F"],
    ["a\u009bb", "U+009B"],
    ["a\ud800b", "surrogate"],
  ])("%j is refused (%s)", (name, what) => {
    expect(windowNameProblem(name)).toContain(what);
  });
});
