import { expect, test } from "bun:test";
import { closest, ConfigError, exitCodeOf, formatError, TmuxError, UsageError } from "../../src/errors.ts";

const suggestions: [string, string[], string | undefined][] = [
  ["stauts", ["status", "stats", "init"], "status"],
  ["stat", ["status", "stats"], "stats"],
  ["windws", ["windows", "name", "layout"], "windows"],
  ["dyr-run", ["dry-run", "json", "attach"], "dry-run"],
  ["xyz", ["status", "init"], undefined],
];
test.each(suggestions)("closest(%j) is %j", (input, candidates, expected) => {
  expect(closest(input, candidates)).toBe(expected);
});

test("config errors read file:line:col path: problem and exit 2", () => {
  const error = new ConfigError({ file: ".prj/commands/dev.yaml", line: 7, col: 3, path: "session.windws" }, "unknown key", "did you mean windows?");
  expect(error.message).toBe(".prj/commands/dev.yaml:7:3 session.windws: unknown key");
  expect(formatError(error, false)).toBe("prj: .prj/commands/dev.yaml:7:3 session.windws: unknown key\n  hint: did you mean windows?");
  expect(exitCodeOf(error)).toBe(2);
});

test("other failures exit 1 and show no stack unless asked", () => {
  const error = new TmuxError("new-session", "duplicate session: x\n");
  expect(exitCodeOf(error)).toBe(1);
  expect(formatError(error, false)).not.toContain("    at ");
  expect(formatError(error, true)).toContain("    at ");
  expect(exitCodeOf(new Error("boom"))).toBe(1);
  expect(formatError(new Error("boom"), false)).toContain("PRJ_LOG_LEVEL=debug");
  expect(new UsageError("bad").exitCode).toBe(2);
});
