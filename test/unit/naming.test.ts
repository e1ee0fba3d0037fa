import { describe, expect, test } from "bun:test";
import { PrjError, UsageError } from "../../src/errors.ts";
import { buildSessionName, MAX_SESSION_NAME, sanitizeName, shortenName, uniqueName } from "../../src/naming.ts";

/** What every name prj produces must satisfy. */
function expectWellFormed(name: string): void {
  expect(name.length).toBeLessThanOrEqual(MAX_SESSION_NAME);
  expect(name).toMatch(/^[a-z0-9_]+(-[a-z0-9_]+)*$/);
  expect(sanitizeName(name)).toBe(name);
}

const longBranch = (seed: string) => `feature/${seed}-${"x".repeat(200 - seed.length - 9)}`;

describe("sanitizeName", () => {
  test.each([
    ["Feature/Auth", "feature-auth"],
    ["Test@Session#123", "test-session-123"],
    ["-Test---Session-", "test-session"],
    ["myapp", "myapp"],
    ["snake_case_ok", "snake_case_ok"],
    ["a  b\tc\nd", "a-b-c-d"],
    ["UPPER.lower", "upper-lower"],
    ["Café/Über", "caf-ber"],
    ["ünïcödé", "n-c-d"],
    ["fix-🐛-bug", "fix-bug"],
    ["日本-api-v2", "api-v2"],
    ["release/1.2.3", "release-1-2-3"],
    ["___", "___"],
    ["///", ""],
    ["日本", ""],
    ["", ""],
    ["---", ""],
  ])("%j → %j", (raw, expected) => {
    expect(sanitizeName(raw)).toBe(expected);
  });

  test("is idempotent", () => {
    for (const raw of ["Feature/Auth", "-a--b-", "Café/Über", "x".repeat(80)]) {
      expect(sanitizeName(sanitizeName(raw))).toBe(sanitizeName(raw));
    }
  });
});

describe("shortenName", () => {
  test.each([
    ["a fitting string is unchanged", "myapp-main-dev", "myapp-main-dev"],
    ["exactly 50 characters is unchanged", "a".repeat(50), "a".repeat(50)],
  ])("%s", (_, input, expected) => {
    expect(shortenName(input)).toBe(expected);
  });

  test("fitting parts are joined, skipping empty ones", () => {
    expect(shortenName({ prefix: "myapp", middle: "feature-auth", suffix: "dev" })).toBe("myapp-feature-auth-dev");
    expect(shortenName({ prefix: "myapp", middle: "", suffix: "dev" })).toBe("myapp-dev");
  });

  test("a long middle is cut, prefix and suffix stay whole, a hash of the full name is inserted", () => {
    const parts = { prefix: "myproj", middle: sanitizeName(longBranch("a")), suffix: "dev" };
    const name = shortenName(parts);
    expectWellFormed(name);
    expect(name).toHaveLength(MAX_SESSION_NAME);
    expect(name).toMatch(/^myproj-feature-a-x+-[0-9a-f]{6}-dev$/);
    expect(shortenName(parts)).toBe(name);
  });

  test("names differing only in the cut-off part still differ", () => {
    const a = shortenName({ prefix: "p", middle: `${"m".repeat(100)}-one`, suffix: "dev" });
    const b = shortenName({ prefix: "p", middle: `${"m".repeat(100)}-two`, suffix: "dev" });
    expect(a).not.toBe(b);
    expect(a.slice(0, 30)).toBe(b.slice(0, 30));
  });

  test("an overlong prefix and suffix are cut too, keeping the prefix start and the suffix end", () => {
    const name = shortenName({ prefix: `start${"p".repeat(60)}`, middle: "branch", suffix: `${"s".repeat(60)}end` });
    expectWellFormed(name);
    expect(name).toMatch(/^startp+-[0-9a-f]{6}-s+end$/);
  });

  test("an unstructured string is cut in its middle, keeping both ends", () => {
    const input = `head-${"m".repeat(100)}-tail`;
    const name = shortenName(input);
    expectWellFormed(name);
    expect(name.startsWith("head-")).toBe(true);
    expect(name.endsWith("-tail")).toBe(true);
  });

  test("a custom max is honoured", () => {
    expect(shortenName("a".repeat(40), 20)).toHaveLength(20);
    expect(() => shortenName("abc", 5)).toThrow(RangeError);
  });
});

describe("buildSessionName", () => {
  test.each([
    ["the spec example", { rendered: "myapp-feature/Auth-dev", project: "myapp", task: "dev" }, "myapp-feature-auth-dev"],
    ["raw project and task", { rendered: "MyApp-feature/Auth-dev", project: "MyApp", task: "dev" }, "myapp-feature-auth-dev"],
    ["no project or task given", { rendered: "MyApp-main-dev" }, "myapp-main-dev"],
    ["the prefix option", { rendered: "myapp-main-dev", project: "myapp", task: "dev", prefix: "prj" }, "prj-myapp-main-dev"],
    ["the prefix is added even when already there", { rendered: "prj-main-dev", prefix: "prj" }, "prj-prj-main-dev"],
    ["the prefix is sanitised", { rendered: "x", prefix: "My Prefix" }, "my-prefix-x"],
    ["an empty prefix is no prefix", { rendered: "x", prefix: "" }, "x"],
    ["project only", { rendered: "myapp", project: "myapp", task: "dev" }, "myapp"],
    ["project and task only", { rendered: "myapp-dev", project: "myapp", task: "dev" }, "myapp-dev"],
  ])("%s", (_, input, expected) => {
    expect(buildSessionName(input)).toBe(expected);
  });

  test("200-character names: ≤ 50, project and task whole, deterministic, distinct", () => {
    const input = (seed: string) => ({ rendered: `myproj-${longBranch(seed)}-dev`, project: "myproj", task: "dev" });
    const first = buildSessionName(input("one"));
    const second = buildSessionName(input("two"));
    expect(input("one").rendered).toHaveLength(211);
    for (const name of [first, second]) {
      expectWellFormed(name);
      expect(name).toMatch(/^myproj-feature-.*-[0-9a-f]{6}-dev$/);
    }
    expect(buildSessionName(input("one"))).toBe(first);
    expect(first).not.toBe(second);
  });

  test.each([
    ["project and task", { project: "myproj", task: "dev" }, /^myproj-.*-dev$/],
    ["project only", { project: "myproj" }, /^myproj-/],
    ["task only", { task: "dev" }, /-dev$/],
    ["neither: both ends of the string stay", {}, /^myproj-.*-dev$/],
    ["a prefix with neither", { prefix: "prj" }, /^prj-myproj-.*-dev$/],
    ["a prefix with both", { prefix: "prj", project: "myproj", task: "dev" }, /^prj-myproj-.*-[0-9a-f]{6}-dev$/],
  ])("long names keep what is recognised: %s", (_, extra, pattern) => {
    const name = buildSessionName({ rendered: `myproj-${"b".repeat(200)}-dev`, ...extra });
    expectWellFormed(name);
    expect(name).toMatch(pattern);
  });

  test("a project and task that do not appear in the pattern are not assumed", () => {
    const name = buildSessionName({ rendered: `review-${"b".repeat(100)}-x`, project: "myproj", task: "dev" });
    expectWellFormed(name);
    expect(name.startsWith("review-")).toBe(true);
  });

  test("a long project and a long task still give ≤ 50", () => {
    const project = "p".repeat(40);
    const task = "t".repeat(40);
    const name = buildSessionName({ rendered: `${project}-main-${task}`, project, task, prefix: "prj" });
    expectWellFormed(name);
    expect(name.startsWith("prj-ppp")).toBe(true);
    expect(name.endsWith("ttt")).toBe(true);
  });

  test("non-ASCII input is replaced, not transliterated", () => {
    expect(buildSessionName({ rendered: "Café-Über/Straße-dev", task: "dev" })).toBe("caf-ber-stra-e-dev");
    expect(buildSessionName({ rendered: "app-日本語-🚀-dev", project: "app", task: "dev" })).toBe("app-dev");
  });

  test.each([
    ["only separators", "///"],
    ["only CJK", "日本"],
    ["only an emoji", "🚀"],
    ["empty", ""],
  ])("a name that sanitises to nothing is a usage error naming the input: %s", (_, rendered) => {
    let caught: unknown;
    try {
      buildSessionName({ rendered });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    const error = caught as UsageError;
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(JSON.stringify(rendered));
    expect(error.hint).toBeDefined();
  });

  test("a prefix that sanitises to nothing is a usage error", () => {
    expect(() => buildSessionName({ rendered: "x", prefix: "!!!" })).toThrow(UsageError);
  });
});

describe("uniqueName", () => {
  const takenFrom = (names: string[]) => {
    const set = new Set(names);
    return (name: string) => set.has(name);
  };

  test.each([
    ["a free base is returned", "myapp-main-dev", [], "myapp-main-dev"],
    ["first clash gets -2", "myapp-main-dev", ["myapp-main-dev"], "myapp-main-dev-2"],
    ["second clash gets -3", "myapp-main-dev", ["myapp-main-dev", "myapp-main-dev-2"], "myapp-main-dev-3"],
    ["a gap is reused", "a", ["a", "a-3"], "a-2"],
  ])("%s", (_, base, taken, expected) => {
    expect(uniqueName(base, takenFrom(taken))).toBe(expected);
  });

  test("a 50-character base is shortened to make room, staying ≤ 50", () => {
    const base = buildSessionName({ rendered: `myproj-${"b".repeat(100)}-dev`, project: "myproj", task: "dev" });
    expect(base).toHaveLength(50);
    const taken: string[] = [base];
    for (const n of [2, 3, 10, 100]) {
      while (taken.length < n - 1) taken.push(uniqueName(base, takenFrom(taken)));
      const name = uniqueName(base, takenFrom(taken));
      expectWellFormed(name);
      expect(name.endsWith(`-${n}`)).toBe(true);
      expect(name.startsWith("myproj-")).toBe(true);
      expect(uniqueName(base, takenFrom(taken))).toBe(name);
    }
  });

  test("a predicate that never frees a name fails instead of looping", () => {
    expect(() => uniqueName("a", () => true)).toThrow(PrjError);
  });
});
