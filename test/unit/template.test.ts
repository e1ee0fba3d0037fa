import { describe, expect, test } from "bun:test";
import { renderTemplate, templateVariables, TemplateError } from "../../src/template/render.ts";
import { renderShellCommand, shellReference, ShellValues } from "../../src/template/shell-values.ts";

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

  test("quote sees each expression's variable, offset and source text", () => {
    const sites: unknown[] = [];
    renderTemplate("a {{ project | lower }} b {{task}}", vars, { quote: (value, _before, site) => (sites.push(site), value) });
    expect(sites).toEqual([
      { variable: "project", offset: 2, text: "{{ project | lower }}" },
      { variable: "task", offset: 26, text: "{{task}}" },
    ]);
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

  test("an unknown variable is an error in a shell command too", () => {
    expect(() => renderShellCommand("echo {{ nope }}", {}, { dialect: "sh", values: new ShellValues() })).toThrow(/unknown variable "nope"/);
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

describe("shell commands: values travel in the environment, the text refers to them", () => {
  test.each([
    ["echo {{ name }}", 'echo "$PRJ_V_name"'],
    ["echo '{{ name }}'", `echo ''"$PRJ_V_name"''`],
    ['echo "a{{ name }}b"', 'echo "a$PRJ_V_name""b"'],
    ["echo pre{{ name }}post", 'echo pre"$PRJ_V_name"post'],
    ["X={{ name }} make", 'X="$PRJ_V_name" make'],
  ])("%s → %s", (template, expected) => {
    const values = new ShellValues();
    expect(renderShellCommand(template, { name: "$(rm -rf ~)" }, { dialect: "sh", values })).toBe(expected);
    expect(values.toRecord()).toEqual({ PRJ_V_name: "$(rm -rf ~)" });
  });

  test("names follow the variable; a second value of the same variable gets _2; no name ends in PATH", () => {
    const values = new ShellValues();
    const script = renderShellCommand(
      "echo {{ a }} {{ a | upper }} {{ a }} {{ my-arg }} {{ worktree_path }}",
      { a: "x", "my-arg": "y", worktree_path: "/w" },
      { dialect: "any", values },
    );
    expect(script).toBe('echo "$PRJ_V_a" "$PRJ_V_a_2" "$PRJ_V_a" "$PRJ_V_my_arg" "$PRJ_V_worktree_path"');
    expect(values.toRecord()).toEqual({ PRJ_V_a: "x", PRJ_V_a_2: "X", PRJ_V_my_arg: "y", PRJ_V_worktree_path: "/w" });
    expect(new ShellValues().nameFor("GOPATH", "/go")).toBe("PRJ_V_GOPATH_");
  });

  test("references read the same in every quoting context", () => {
    expect(shellReference("N", "bare")).toBe('"$N"');
    expect(shellReference("N", "single")).toBe(`'"$N"'`);
    expect(shellReference("N", "double")).toBe('$N""');
  });

  test("a refused placement names the expression, the reason, its line and column, and a way out", () => {
    let error: TemplateError | undefined;
    try {
      renderShellCommand("set -e\necho $(date) {{ msg }}", { msg: "m" }, { dialect: "sh", values: new ShellValues(), hint: () => 'write "$PRJ_ARG_MSG"' });
    } catch (caught) {
      error = caught as TemplateError;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect(error!.reason).toBe("{{ msg }} cannot stand here: it stands in or after a $(…) command substitution, which prj does not parse");
    expect([error!.line, error!.column]).toEqual([2, 14]);
    expect(error!.hint).toBe('write "$PRJ_ARG_MSG"');
  });

  test("a NUL character is refused, since no shell can take it", () => {
    expect(() => renderShellCommand("echo \0{{ a }}", { a: "x" }, { dialect: "sh", values: new ShellValues() })).toThrow(/NUL/);
  });
});
