import { describe, expect, test } from "bun:test";
import { renderTemplate, templateVariables, TemplateError } from "../../src/template/render.ts";
import { shellQuote } from "../../src/template/shell-quote.ts";

const vars: Record<string, string | undefined> = {
  project: "MyApp",
  branch: "Feature/Auth",
  task: "dev",
  padded: "  spaced out  ",
  empty: "",
  worktree_path: undefined,
  project_path: "/home/me/my app",
  "worktrees.base_path": "../worktrees",
  "base-branch": "main",
};

function templateError(template: string, values: Record<string, string | undefined> = vars): TemplateError {
  try {
    renderTemplate(template, values);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(template)} to fail`);
}

describe("renderTemplate", () => {
  test.each([
    ["no expressions", "plain text", "plain text"],
    ["a variable", "{{project}}", "MyApp"],
    ["spaces inside braces", "{{  project  }}", "MyApp"],
    ["the default naming pattern", "{{project}}-{{branch}}-{{task}}", "MyApp-Feature/Auth-dev"],
    ["dotted names", "{{worktrees.base_path}}/{{project}}", "../worktrees/MyApp"],
    ["dashed names", "{{ base-branch }}", "main"],
    ["lower", "{{ project | lower }}", "myapp"],
    ["upper", "{{ project | upper }}", "MYAPP"],
    ["slug", "{{ branch | slug }}", "feature-auth"],
    ["trim", "[{{ padded | trim }}]", "[spaced out]"],
    ["chained left to right", "{{ padded | trim | upper | slug }}", "spaced-out"],
    ["default with a single-quoted literal", "{{ missing | default('main') }}", "main"],
    ["default with a double-quoted literal", '{{ missing | default("a b") }}', "a b"],
    ["default with a literal containing }} and |", "{{ missing | default('x}}|y') }}", "x}}|y"],
    ["default with an empty literal", "[{{ missing | default('') }}]", "[]"],
    ["default with a variable", "{{ worktree_path | default(project_path) }}", "/home/me/my app"],
    ["default with a variable, no spaces", "{{worktree_path|default(project_path)}}", "/home/me/my app"],
    ["default skipped when the value is set", "{{ branch | default('main') }}", "Feature/Auth"],
    ["default on an empty value", "{{ empty | default('fallback') }}", "fallback"],
    ["default after slug emptied the value", "{{ missing | default('///') | slug | default('main') }}", "main"],
    ["filters before default pass a missing value on", "{{ missing | upper | default('x') }}", "x"],
    ["filters after default", "{{ missing | default('Main') | upper }}", "MAIN"],
    ["an empty value renders as empty", "[{{ empty }}]", "[]"],
    ["a lone brace is text", "a { b } c }}", "a { b } c }}"],
    ["\\{{ is a literal {{", "docker ps --format '\\{{.Names}}' {{task}}", "docker ps --format '{{.Names}}' dev"],
    ["multi-line", "cd {{project}}\necho {{task}}\n", "cd MyApp\necho dev\n"],
  ])("%s", (_, template, expected) => {
    expect(renderTemplate(template, vars)).toBe(expected);
  });

  test("quote applies to each final value, not to the text around it", () => {
    const quote = (value: string) => `<${value}>`;
    expect(renderTemplate("echo {{ project | lower }} {{ missing | default('x') }} done", vars, { quote })).toBe(
      "echo <myapp> <x> done",
    );
  });

  test("shellQuote as quote keeps a hostile argument as data", () => {
    const rendered = renderTemplate("echo {{ name }}", { name: "$(rm -rf ~)" }, { quote: shellQuote });
    expect(rendered).toBe("echo '$(rm -rf ~)'");
  });
});

describe("template errors", () => {
  test.each([
    // [template, reason, offset, variable, hint contains]
    ["{{ brnch }}", 'unknown variable "brnch"', 0, "brnch", 'did you mean "branch"?'],
    ["cd {{ project }} && {{ brnch | slug }}", 'unknown variable "brnch"', 20, "brnch", '"branch"'],
    ["{{ zzzzzzzzzz }}", 'unknown variable "zzzzzzzzzz"', 0, "zzzzzzzzzz", "default("],
    ["{{ constructor }}", 'unknown variable "constructor"', 0, "constructor", undefined],
    ["{{ worktree_path }}", 'variable "worktree_path" has no value here', 0, "worktree_path", "default("],
    ["{{ worktree_path | default(nope) }}", 'unknown variable "nope"', 0, "nope", undefined],
    ["{{ worktree_path | default(worktree_path) }}", 'variable "worktree_path" has no value here', 0, "worktree_path", undefined],
    ["hello {{ name", "unclosed {{", 6, undefined, "}}"],
    ["{{ project }} {{ name | lower", "unclosed {{", 14, undefined, undefined],
    ["{{}}", "empty expression {{ }}", 0, undefined, "{{ project }}"],
    ["x {{   }}", "empty expression {{ }}", 2, undefined, undefined],
    ["{{ project | lowr }}", 'unknown filter "lowr"', 0, undefined, 'did you mean "lower"?'],
    ["{{ project | frobnicate }}", 'unknown filter "frobnicate"', 0, undefined, "filters are: default, lower"],
    ["{{ project | lower(1) }}", 'filter "lower" takes no argument', 0, undefined, undefined],
    ["{{ project | default }}", 'malformed default argument: expected "(" after default', 0, undefined, "default('text')"],
    ["{{ project | default() }}", "malformed default argument: expected a quoted value or a variable name", 0, undefined, undefined],
    ["{{ project | default('a }}", "malformed default argument: unclosed '", 0, undefined, undefined],
    ["{{ project | default('a', 'b') }}", 'malformed default argument: expected ")" after the one value', 0, undefined, undefined],
    ["{{ project | default(1) }}", "malformed default argument: expected a quoted value or a variable name", 0, undefined, undefined],
    ["{{ project | }}", 'unexpected "}", expected a filter name after "|"', 0, undefined, undefined],
    ["{{ | lower }}", 'unexpected "|", expected a variable name', 0, undefined, undefined],
    ["{{ project task }}", 'unexpected "t", expected "|" or "}}"', 0, undefined, undefined],
    ["{{ .Names }}", 'unexpected ".", expected a variable name', 0, undefined, undefined],
  ])("%j", (template, reason, offset, variable, hint) => {
    const error = templateError(template);
    expect(error).toBeInstanceOf(TemplateError);
    expect(error.reason).toBe(reason);
    expect(error.message).toBe(reason);
    expect(error.offset).toBe(offset);
    expect(template.startsWith("{{", error.offset)).toBe(true);
    expect(error.variable).toBe(variable);
    if (hint !== undefined) expect(error.hint).toContain(hint);
  });

  test("line and column locate the {{ inside a multi-line script", () => {
    const error = templateError("set -e\ncd {{ project }}\n  echo {{ nope }}\n");
    expect(error.offset).toBe(31);
    expect([error.line, error.column]).toEqual([3, 8]);
  });

  test("an unknown variable is an error even when it would render in a quoted run step", () => {
    expect(() => renderTemplate("echo {{ nope }}", {}, { quote: shellQuote })).toThrow(TemplateError);
  });
});

describe("templateVariables", () => {
  test.each([
    ["plain", []],
    ["{{project}}-{{worktree}}-{{task}}-{{project}}", ["project", "worktree", "task"]],
    ["{{ worktree_path | default(project_path) | slug }}", ["worktree_path", "project_path"]],
    ["{{ a | default('b') }}", ["a"]],
    ["\\{{ not_a_variable }}", []],
  ])("%j → %j", (template, expected) => {
    expect(templateVariables(template)).toEqual(expected);
  });

  test("syntax errors surface", () => {
    expect(() => templateVariables("{{ a | nope }}")).toThrow(TemplateError);
  });
});

describe("shellQuote", () => {
  test.each([
    ["simple", "simple"],
    ["path/to/file.txt", "path/to/file.txt"],
    ["--flag=value", "--flag=value"],
    ["user@host:1,2%+", "user@host:1,2%+"],
    ["", "''"],
    ["a b", "'a b'"],
    ["it's", "'it'\\''s'"],
    ["$(rm -rf ~)", "'$(rm -rf ~)'"],
    ["line1\nline2", "'line1\nline2'"],
    ["=cmd", "'=cmd'"],
    ["~", "'~'"],
    ["*", "'*'"],
    ["Café", "'Café'"],
  ])("%j → %s", (value, expected) => {
    expect(shellQuote(value)).toBe(expected);
  });

  const nasty = [
    "",
    " ",
    "a b",
    "it's",
    "''",
    "'\\''",
    '"double"',
    "$HOME",
    "${HOME}",
    "$(id)",
    "`id`",
    "back\\slash",
    "trailing\\",
    "line1\nline2",
    "\n",
    "a;b && c || d | e & f",
    "< > >> 2>&1",
    "*?[a-z]{x,y}~",
    "#comment",
    "!bang !! !$",
    "tab\there",
    "\r\n",
    "-n",
    "-e \\n",
    "%s %d",
    "=cmd",
    "Café 日本 🚀",
  ];

  test.each(nasty.map((value) => [value]))("%j round-trips through a real sh", (value) => {
    const result = Bun.spawnSync(["sh", "-c", `printf %s ${shellQuote(value)}`], { stdout: "pipe", stderr: "pipe" });
    expect(result.stderr.toString()).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout.toString()).toBe(value);
  });

  test("a rendered run step passes every value through sh as one argument", () => {
    const values = { a: "it's $(id)", b: "`id`; echo pwned", c: "" };
    const script = renderTemplate("printf '[%s]' {{a}} {{b}} {{c}}", values, { quote: shellQuote });
    const result = Bun.spawnSync(["sh", "-c", script], { stdout: "pipe", stderr: "pipe" });
    expect(result.stdout.toString()).toBe("[it's $(id)][`id`; echo pwned][]");
  });
});
