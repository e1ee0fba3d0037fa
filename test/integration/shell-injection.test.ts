// No substituted value ever runs as code (SPEC §4, "Shell quoting"). Generated cases: shell
// templates in every quoting context and around every construct prj knows of, times a corpus of
// hostile values, run by real sh, bash, zsh and fish. Each case is either refused when the plan
// is built, or delivers the value byte for byte; a marker file the values try to create never
// appears. The cases of one shell run in one generated script, so the whole matrix stays fast.
// The last test sends values through tmux itself (`-e NAME=VALUE` on the batch's stdin) into
// panes of each shell, the way window and pane commands get them.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import type { PaneSpec, SessionSpec } from "../../src/plan/types.ts";
import { TemplateError } from "../../src/template/render.ts";
import type { ShellDialect } from "../../src/template/shell-placement.ts";
import { renderShellCommand, ShellValues } from "../../src/template/shell-values.ts";
import { tmuxCommandLine } from "../../src/tmux/quote.ts";
import { sessionCreationCommands } from "../../src/tmux/script.ts";
import { missing } from "../helpers/tools.ts";
import { PrivateTmux, run, tempDir, waitFor } from "../helpers/world.ts";

const root = tempDir("injection-");
const MARKER = join(root, "pwned");
const HOME = join(root, "home");

/** Values that try every way out: quotes, expansions, separators, formats, odd bytes, odd starts. */
const CORPUS: string[] = (() => {
  const touch = `touch ${MARKER}`;
  const base = [
    "", " ", "plain", "a b", "  two  spaces  ", "\t", "a\tb", "\n", "\r\n", "x\ny", "line\n", "\n\n\n",
    "'", "''", "it's", "'\\''", "'; " + touch + "; '", "'$(" + touch + ")'",
    '"', '""', '"double"', '"; ' + touch + '; "', '\\"; ' + touch + " #", "'\"; " + touch + "; \"'",
    "\\", "\\\\", "a\\'b", "trailing\\", "\\n", "\\$(" + touch + ")", "\\`" + touch + "\\`", "\\x41", "\\u0041",
    "$", "$HOME", "${HOME}", "$PRJ_V_v", "$(" + touch + ")", "$(touch${IFS}" + MARKER + ")", "$((1+1))", "$[1+1]",
    "`", "`" + touch + "`", "$'\\x41'", '$"x"', "${", "}", "{", "{a,b}", "{" + touch + ",x}",
    "; " + touch, "&& " + touch, "|| " + touch, "| " + touch, "& " + touch + " &", "\n" + touch + "\n",
    ";", "&", "|", "<", ">", ">>", "2>&1", "<(" + touch + ")", ">(" + touch + ")", "(" + touch + ")",
    "a[$(" + touch + ")]", "x[`" + touch + "`]", "arr[0]", "$(( a[$(" + touch + ")] ))",
    "#{session_name}", "#(" + touch + ")", "##", "#", "# comment", "%s %d %n %%", "%", "%1$s", "%(%s)T",
    "*", "?", "[a-z]*", "**/*", "~", "~root", "~/x", "-", "--", "-n", "-e", "-c", "--help", "-exec",
    "=", "=cmd", "=ls", "a=b", "PATH=/nowhere", "!", "!!", "!$", "^", "^x^y", ":h", ":q",
    "é", "日本語", "🚀 emoji", "\u200b", "\u00a0nbsp", "\ufeffBOM", "\u202eright-to-left", "\x01\x02\x1b[31m\x7f",
    "\u2028\u2029", "x".repeat(5000), ("$(" + touch + ")'\"`\\").repeat(400),
  ];
  return [...new Set(base)];
})();

type Accept = "both" | "sh" | "none";

interface Template {
  text: string;
  /** Which dialect accepts it: both, only inline steps (sh), or none (refused everywhere). */
  accept: Accept;
  /** POSIX syntax only: checked and run as an inline step (sh, bash --posix, zsh as sh), not in fish. */
  posix?: boolean;
  /** The output for value `v`, when accepted. */
  expect?: (v: string) => string;
}

const same = (v: string) => v;
const twice = (v: string) => v + v;

const TEMPLATES: Template[] = [
  // Bare, '…', "…", and mixtures: accepted everywhere, delivered exactly.
  { text: "printf '%s' {{v}}", accept: "both", expect: same },
  { text: "printf '%s' '{{v}}'", accept: "both", expect: same },
  { text: 'printf \'%s\' "{{v}}"', accept: "both", expect: same },
  { text: 'printf \'%s\' "a-{{v}}-b"', accept: "both", expect: (v) => `a-${v}-b` },
  { text: "printf '%s' pre{{v}}post", accept: "both", expect: (v) => `pre${v}post` },
  { text: "printf '%s' 'a'{{v}}\"b\"", accept: "both", expect: (v) => `a${v}b` },
  { text: "printf '%s' \"{{v}}\"'{{v}}'{{v}}", accept: "both", expect: (v) => v + v + v },
  { text: "printf '%s' {{v}}{{v}}", accept: "both", expect: twice },
  { text: "printf '%s' '{{v}}{{v}}'", accept: "both", expect: twice },
  { text: 'printf \'%s\' "{{v}}{{v}}"', accept: "both", expect: twice },
  { text: 'printf \'%s\' "{{v}}[1]"', accept: "both", expect: (v) => `${v}[1]` },
  { text: 'printf \'%s\' "{{v}}:h"', accept: "both", expect: (v) => `${v}:h` },
  { text: 'printf \'%s\' "{{v}}x"', accept: "both", expect: (v) => `${v}x` },
  { text: 'printf \'%s\' "\\${{v}}"', accept: "both", expect: (v) => `$${v}` },
  { text: 'printf \'%s\' "\'{{v}}\'"', accept: "both", expect: (v) => `'${v}'` },
  { text: "printf '%s' '\"{{v}}\"'", accept: "both", expect: (v) => `"${v}"` },
  { text: "printf '%s' a\\ {{v}}", accept: "both", expect: (v) => `a ${v}` },
  { text: "printf '%s' ~/{{v}} | wc -c | tr -d ' '", accept: "both", expect: (v) => `${Buffer.byteLength(`${HOME}/${v}`)}\n` },
  { text: "X={{v}} printenv X", accept: "both", expect: (v) => `${v}\n` },
  { text: "env X={{v}} printenv X", accept: "both", expect: (v) => `${v}\n` },
  { text: "command printf '%s' {{v}}", accept: "both", expect: same },
  { text: "X=1 printf '%s' {{v}} 2>/dev/null", accept: "both", expect: same },
  { text: "printf '%s' {{v}} | cat", accept: "both", expect: same },
  { text: "true && printf '%s' {{v}}", accept: "both", expect: same },
  { text: "printf '%s' {{v}}; printf '%s' '{{v}}'", accept: "both", expect: twice },
  { text: "printf '%s' {{v}}\nprintf '%s' \"{{v}}\"", accept: "both", expect: twice },
  { text: "printf '%s' \"$HOME\" >/dev/null; printf '%s' {{v}}", accept: "both", expect: same },
  { text: "test -n {{v}} 2>/dev/null || true; printf '%s' {{v}}", accept: "both", expect: same },
  { text: "sh -c 'printf \"%s\" \"$1\"' sh {{v}}", accept: "both", expect: same },
  { text: "printf '%s' {{v}} | sh -c 'cat'", accept: "both", expect: same },
  { text: "printf '%s' >/dev/null {{v}}; printf '%s' {{v}} >&1", accept: "both", expect: same },

  // Accepted for /bin/sh only: fish and zsh read these differently.
  { text: "printf '%s' {{v}} # {{v}} it's", accept: "sh", expect: same },
  { text: "printf '%s' 'a\\b{{v}}'", accept: "sh", expect: (v) => `a\\b${v}` },
  { text: "printf '%s' \\x41{{v}}", accept: "sh", expect: (v) => `x41${v}` },
  { text: "printf '%s' ~{{v}}", accept: "sh", expect: (v) => `~${v}` },
  { text: "printf '%s' ={{v}}", accept: "sh", expect: (v) => `=${v}` },
  { text: "(cd . && true); printf '%s' {{v}}", accept: "sh", expect: same },
  { text: "if true; then printf '%s' {{v}}; fi", accept: "sh", posix: true, expect: same },
  { text: "for x in {{v}}; do printf '%s' \"$x\"; done", accept: "sh", posix: true, expect: same },
  { text: "while true; do printf '%s' {{v}}; break; done", accept: "sh", posix: true, expect: same },
  { text: "{ printf '%s' {{v}}; }", accept: "sh", posix: true, expect: same },
  { text: "set -- {{v}}; printf '%s' \"$1\"", accept: "sh", posix: true, expect: same },
  { text: "# {{v}} it's\nprintf '%s' {{v}}", accept: "sh", posix: true, expect: same },
  { text: "x={{v}}; printf '%s' \"$x\"", accept: "sh", posix: true, expect: same },
  { text: "export x={{v}}; printf '%s' \"$x\"", accept: "sh", posix: true, expect: same },
  { text: "f() { :; }; printf '%s' {{v}}", accept: "sh", posix: true, expect: same },
  { text: "printf '%s' {{v}} >/dev/null && printf '%s' \"${HOME}\" >/dev/null; printf '%s' {{v}}", accept: "sh", posix: true, expect: same },
  // Refused: the three shapes that broke the old quoter, and everything prj does not parse.
  { text: "echo `echo '{{v}}'`; printf '%s' \"{{v}}\"", accept: "none" },
  { text: "x=\"$(case a in a) printf '%s' {{v}};; esac)\"; printf '%s' \"$x\"", accept: "none" },
  { text: "printf '%s' $'{{v}}'", accept: "none" },
  { text: "printf '%s' $\"{{v}}\"", accept: "none" },
  { text: "printf '%s' \"$(printf '%s' {{v}})\"", accept: "none" },
  { text: "printf '%s' \"$(printf '%s' \"{{v}}\")\"", accept: "none" },
  { text: "printf '%s' \"`printf '%s' '{{v}}'`\"", accept: "none" },
  { text: "printf '%s' `printf x` \"{{v}}\"", accept: "none" },
  { text: "case {{v}} in *) printf x;; esac", accept: "none" },
  { text: "cat <<EOF\n{{v}}\nEOF", accept: "none" },
  { text: "cat <<'EOF'\n{{v}}\nEOF", accept: "none" },
  { text: "cat <<EOF\nx\nEOF\nprintf '%s' {{v}}", accept: "none" },
  { text: "cat <<< {{v}}", accept: "none" },
  { text: "printf '%s' $(( {{v}} ))", accept: "none" },
  { text: "printf '%s' $[ {{v}} ]", accept: "none" },
  { text: "(( x = {{v}} ))", accept: "none" },
  { text: "[[ {{v}} == x ]]", accept: "none" },
  { text: "let x={{v}}", accept: "none" },
  { text: "declare -i x; x={{v}}", accept: "none" },
  { text: "integer x; x={{v}}", accept: "none" },
  { text: "a[{{v}}]=1", accept: "none" },
  { text: "printf -v {{v}} x", accept: "none" },
  { text: "read {{v}} </dev/null", accept: "none" },
  { text: "test -v {{v}}", accept: "none" },
  { text: "unset {{v}}", accept: "none" },
  { text: "export {{v}}", accept: "none" },
  { text: "set {{v}}", accept: "none" },
  { text: "printf '%s' ${X:-{{v}}}", accept: "none" },
  { text: "printf '%s' \"${X:-{{v}}}\"", accept: "none" },
  { text: "printf '%s' ${{v}}", accept: "none" },
  { text: "printf '%s' \"${{v}}\"", accept: "none" },
  { text: "printf '%s' ${#X} {{v}}", accept: "none" },
  { text: "printf '%s' <(printf {{v}})", accept: "none" },
  { text: "(printf '%s' {{v}})", accept: "none" },
  { text: "printf '%s' @({{v}})", accept: "none" },
  { text: "printf '%s' (echo {{v}})", accept: "none" },
  { text: "{{v}}", accept: "none" },
  { text: "{{v}} --version", accept: "none" },
  { text: "./{{v}}", accept: "none" },
  { text: "X=1 {{v}}", accept: "none" },
  { text: "eval printf %s {{v}}", accept: "none" },
  { text: "sh -c \"printf %s {{v}}\"", accept: "none" },
  { text: "bash -c 'printf %s {{v}}'", accept: "none" },
  { text: "bash -ec 'printf %s {{v}}'", accept: "none" },
  { text: "zsh -o pipefail -c 'printf %s {{v}}'", accept: "none" },
  { text: "fish -c \"printf %s {{v}}\"", accept: "none" },
  { text: "sh {{v}}", accept: "none" },
  { text: "sh -c \"sh -c 'printf %s {{v}}'\"", accept: "none" },
  { text: "env {{v}}", accept: "none" },
  { text: "env -S {{v}}", accept: "none" },
  { text: "sudo {{v}}", accept: "none" },
  { text: "sudo -s {{v}}", accept: "none" },
  { text: "timeout 5 {{v}}", accept: "none" },
  { text: "xargs {{v}} </dev/null", accept: "none" },
  { text: "find . -maxdepth 0 -exec {{v}} \\;", accept: "none" },
  { text: "find . -maxdepth 0 -exec sh -c {{v}} \\;", accept: "none" },
  { text: "awk {{v}} /dev/null", accept: "none" },
  { text: "awk -e {{v}} /dev/null", accept: "none" },
  { text: "sed {{v}} /dev/null", accept: "none" },
  { text: "sed -e {{v}} /dev/null", accept: "none" },
  { text: "python3 -c {{v}}", accept: "none" },
  { text: "perl -ne {{v}} /dev/null", accept: "none" },
  { text: "node -e {{v}}", accept: "none" },
  { text: "ssh localhost {{v}}", accept: "none" },
  { text: "su -c {{v}}", accept: "none" },
  { text: "git -c {{v}} status", accept: "none" },
  { text: "trap {{v}} EXIT", accept: "none" },
  { text: "alias x={{v}}", accept: "none" },
  { text: "source {{v}}", accept: "none" },
  { text: ". {{v}}", accept: "none" },
  { text: "printf '%s' {{v}} | sh", accept: "none" },
  { text: "printf '%s' {{v}} | bash -s", accept: "none" },
  { text: "printf '%s' {{v}} | sudo sh", accept: "none" },
  { text: "printf '%s' {{v}} | python3", accept: "none" },
  { text: "printf '%s' {{v}} | xargs sh -c 'echo $0'", accept: "none" },
  { text: "{ printf '%s' {{v}}; } | sh", accept: "none" },
  { text: "f() { eval \"$1\"; }; f {{v}}", accept: "none" },
  { text: "function f { eval \"$1\"; }; f {{v}}", accept: "none" },
  { text: "alias p=printf; p {{v}}", accept: "none" },
  { text: "shopt -s extglob; printf '%s' {{v}}", accept: "none" },
  { text: "setopt rcquotes; printf '%s' {{v}}", accept: "none" },
  { text: "set +eu; set +o noglob; printf '%s' {{v}}", accept: "sh", posix: true, expect: same },
  { text: "PS4={{v}} bash -xc true", accept: "none" },
  { text: "export PROMPT_COMMAND={{v}}", accept: "none" },
  { text: "env BASH_ENV={{v}} bash -c true", accept: "none" },
  { text: "GIT_SSH_COMMAND={{v}} git fetch", accept: "none" },
  { text: "LD_PRELOAD={{v}} true", accept: "none" },
  { text: "PATH={{v}} ls", accept: "none" },
  { text: "hash -p {{v}} ls", accept: "none" },
];

interface ShellRun {
  label: string;
  argv: string[];
  dialect: ShellDialect;
  fish?: boolean;
}

// Window and pane commands run in the user's shell; inline steps in /bin/sh (dash, bash, or zsh as sh).
const RUNS: ShellRun[] = [
  { label: "sh (pane)", argv: ["sh"], dialect: "any" },
  { label: "bash (pane)", argv: ["bash", "--norc", "--noprofile"], dialect: "any" },
  { label: "zsh (pane)", argv: ["zsh", "-f"], dialect: "any" },
  { label: "fish (pane)", argv: ["fish", "--no-config"], dialect: "any", fish: true },
  { label: "sh (step)", argv: ["sh"], dialect: "sh" },
  { label: "bash --posix (step)", argv: ["bash", "--posix", "--norc", "--noprofile"], dialect: "sh" },
  { label: "zsh as sh (step)", argv: ["zsh", "--emulate", "sh", "-f"], dialect: "sh" },
];

/** A shell the tests need; sh is always there, the others are test tools (test/helpers/tools.ts). */
const lacks = (shell: string) => (shell === "zsh" || shell === "fish" ? missing(shell) : Bun.which(shell) === null);

interface Case {
  id: number;
  template: Template;
  value: string;
  /** The rendered command, when accepted, and the variables it refers to. */
  script?: string;
  values?: Record<string, string>;
  refused?: string;
}

/** Renders every template with every value for a dialect; each case gets its own variable, so one process can run many. */
function casesFor(dialect: ShellDialect): Case[] {
  const out: Case[] = [];
  let id = 0;
  for (const template of TEMPLATES) {
    if (template.posix && dialect !== "sh") continue;
    for (const value of CORPUS) {
      id += 1;
      const variable = `v${id}`;
      const values = new ShellValues();
      const text = template.text.replaceAll("{{v}}", `{{${variable}}}`);
      try {
        const script = renderShellCommand(text, { [variable]: value }, { dialect, values });
        out.push({ id, template, value, script, values: values.toRecord() });
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        out.push({ id, template, value, refused: error.reason });
      }
    }
  }
  return out;
}

/**
 * One script running `cases`: each case's output (stderr too, so an error shows) follows a
 * NUL-framed case id on stdout. No value contains NUL, so the framing is unambiguous.
 */
function scriptFor(cases: Case[], fish: boolean): string {
  const lines: string[] = [];
  for (const each of cases) {
    lines.push(fish ? `printf '\\x00%s\\x00' ${each.id}` : `printf '\\000%s\\000' ${each.id}`);
    lines.push(fish ? `begin\n${each.script}\nend 2>&1` : `{\n${each.script}\n} 2>&1`);
  }
  lines.push(fish ? "printf '\\x00end\\x00'" : "printf '\\000end\\000'");
  return `${lines.join("\n")}\n`;
}

/** Runs accepted cases in processes of at most CHUNK cases, two at a time, so each process's environment stays small. */
async function runCases(shellRun: ShellRun, cases: Case[], dir: string): Promise<Map<number, Buffer>> {
  const CHUNK = 400;
  const chunks: Case[][] = [];
  for (let start = 0; start < cases.length; start += CHUNK) chunks.push(cases.slice(start, start + CHUNK));
  const outputs = new Map<number, Buffer>();
  const runChunk = async (chunk: Case[], index: number) => {
    const env: Record<string, string> = { PATH: process.env.PATH!, HOME, LANG: "C.UTF-8", LC_ALL: "C.UTF-8" };
    for (const each of chunk) Object.assign(env, each.values);
    const scriptPath = join(dir, `cases-${index}`);
    writeFileSync(scriptPath, scriptFor(chunk, shellRun.fish ?? false));
    const child = Bun.spawn([...shellRun.argv, scriptPath], { cwd: dir, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr] = await Promise.all([new Response(child.stdout).arrayBuffer(), new Response(child.stderr).text(), child.exited]);
    const parts = Buffer.from(stdout).toString("latin1").split("\0");
    // parts: "", id, output, id, output, …, "end", ""
    if (parts.at(-2) !== "end") throw new Error(`${shellRun.label}: the script stopped early: ${stderr.slice(0, 500)}`);
    for (let i = 1; i + 1 < parts.length - 2; i += 2) outputs.set(Number(parts[i]), Buffer.from(parts[i + 1]!, "latin1"));
  };
  for (let index = 0; index < chunks.length; index += 2) {
    await Promise.all(chunks.slice(index, index + 2).map((chunk, offset) => runChunk(chunk, index + offset)));
  }
  return outputs;
}

const totals = { cases: 0, refused: 0, delivered: 0 };

afterAll(() => {
  if (totals.cases === 0) return;
  console.log(
    `shell injection: ${totals.cases} cases (${TEMPLATES.length} templates, ${TEMPLATES.filter((each) => each.posix).length} of them POSIX-only, ` +
      `× ${CORPUS.length} values × ${RUNS.length} shell runs: ${RUNS.map((each) => each.label).join(", ")}; ` +
      `and each value in 3 contexts through tmux into sh, bash, zsh and fish panes): ` +
      `${totals.refused} refused at validation, ${totals.delivered} delivered byte for byte`,
  );
});

describe("substituted values never run as code", () => {
  test("every template is accepted or refused as declared, whatever the value", () => {
    for (const dialect of ["sh", "any"] as const) {
      const wanted = (template: Template) => template.accept === "both" || (template.accept === "sh" && dialect === "sh");
      for (const each of casesFor(dialect)) {
        const accepted = each.script !== undefined;
        if (accepted !== wanted(each.template)) {
          throw new Error(
            `${dialect}: ${JSON.stringify(each.template.text)} with ${JSON.stringify(each.value.slice(0, 40))} was ${accepted ? "accepted" : `refused (${each.refused})`}`,
          );
        }
      }
    }
    // The templates the issue reported break out of the old quoter are among the refused.
    expect(TEMPLATES.filter((template) => template.accept === "none").length).toBeGreaterThan(80);
  });

  for (const shellRun of RUNS) {
    test.skipIf(lacks(shellRun.argv[0]!))(`${shellRun.label}: each accepted case delivers the value exactly; nothing runs`, async () => {
      mkdirSync(HOME, { recursive: true });
      const cases = casesFor(shellRun.dialect);
      const dir = join(root, shellRun.label.replace(/[^a-z]+/g, "-"));
      mkdirSync(dir, { recursive: true });
      const outputs = await runCases(shellRun, cases.filter((each) => each.script !== undefined), dir);
      const wrong: string[] = [];
      for (const each of cases) {
        totals.cases += 1;
        if (each.script === undefined) {
          totals.refused += 1;
          continue;
        }
        const output = outputs.get(each.id) ?? Buffer.from("(no output frame)");
        const expected = Buffer.from(each.template.expect!(each.value), "utf8");
        if (output.equals(expected)) totals.delivered += 1;
        else wrong.push(`${JSON.stringify(each.template.text)} with ${JSON.stringify(each.value.slice(0, 60))}: got ${JSON.stringify(output.toString("utf8").slice(0, 120))}`);
      }
      expect(existsSync(MARKER)).toBe(false);
      if (wrong.length) throw new Error(`${wrong.length} cases differ:\n${wrong.slice(0, 20).join("\n")}`);
    }, 30_000);
  }
});

describe("through tmux, into the panes of each shell", () => {
  const shells = ["sh", "bash", "zsh", "fish"].filter((shell) => !lacks(shell));
  const tmux = new PrivateTmux("inject");
  afterAll(() => tmux.dispose());

  test.skipIf(missing("tmux"))(
    `${shells.join(", ")}: pane commands get every value exactly through -e on the batch's stdin`,
    async () => {
      const dir = join(root, "panes");
      const zdotdir = join(dir, "zdotdir");
      mkdirSync(zdotdir, { recursive: true });
      writeFileSync(join(zdotdir, ".zshrc"), ""); // no first-run wizard in the interactive zsh
      const contexts = [
        ["bare", (i: number) => `{{v${i}}}`],
        ["single", (i: number) => `'{{v${i}}}'`],
        ["double", (i: number) => `"{{v${i}}}"`],
      ] as const;
      const vars = Object.fromEntries(CORPUS.map((value, i) => [`v${i}`, value]));
      const batch: string[][] = [];
      for (const shell of shells) {
        const lines = CORPUS.flatMap((_, i) => contexts.map(([context, place]) => `printf '%s' ${place(i)} >'${dir}/${shell}-${i}-${context}'`));
        lines.push(`printf done >'${dir}/${shell}.done'`);
        const values = new ShellValues();
        const command = renderShellCommand(lines.join("\n"), vars, { dialect: "any", values });
        const pane: PaneSpec = { command, workingDirectory: dir, environment: {}, focus: false, shellValues: values.toRecord() };
        const spec: SessionSpec = {
          name: `inject-${shell}`,
          workingDirectory: dir,
          environment: { ZDOTDIR: zdotdir },
          windows: [{ name: "w", workingDirectory: dir, environment: {}, focus: true, panes: [pane] }],
          identity: { project: dir, worktree: "main", task: shell, command: "inject" },
          shell: Bun.which(shell)!,
        };
        batch.push(...sessionCreationCommands(spec));
        // No value reaches a process's argv: the pane's command holds only references.
        expect(command).not.toContain(CORPUS[CORPUS.length - 1]!);
      }
      const started = await run(["tmux", "-L", tmux.socket, "-f", "/dev/null", "start-server", ";", "source-file", "-"], {
        stdin: `${batch.map(tmuxCommandLine).join(" ; ")}\n`,
      });
      expect(started.stderr).toBe("");
      for (const shell of shells) await waitFor(() => existsSync(join(dir, `${shell}.done`)), { what: `${shell} pane to finish`, timeoutMs: 20_000 });
      const wrong: string[] = [];
      for (const shell of shells) {
        CORPUS.forEach((value, i) => {
          for (const [context] of contexts) {
            const output = readFileSync(join(dir, `${shell}-${i}-${context}`));
            if (!output.equals(Buffer.from(value, "utf8"))) wrong.push(`${shell} ${context} ${JSON.stringify(value.slice(0, 40))}: got ${JSON.stringify(output.toString().slice(0, 60))}`);
          }
        });
      }
      expect(wrong).toEqual([]);
      expect(existsSync(MARKER)).toBe(false);
      totals.cases += shells.length * CORPUS.length * contexts.length;
      totals.delivered += shells.length * CORPUS.length * contexts.length;
      // Once the command is done, the pane is the user's shell, still alive.
      for (const shell of shells) {
        const current = await waitFor(async () => {
          const name = (await tmux.ok("display-message", "-p", "-t", `=inject-${shell}:`, "#{pane_current_command}")).trim();
          return name === shell || (shell === "sh" && name === "dash") ? name : undefined;
        }, { what: `${shell} as the pane's shell` });
        expect(current).toBeTruthy();
      }
    },
    30_000,
  );
});

describe("the default commands", () => {
  const defaults = join(import.meta.dir, "../../src/defaults");
  const commands: string[] = [];
  for (const file of ["start-dev.yaml", "feature-branch.yaml", "review-pr.yaml"]) {
    const config = parseYaml(readFileSync(join(defaults, file), "utf8")) as { session?: { windows?: { command?: string | string[]; panes?: (string | { command?: string })[] }[] } };
    for (const window of config.session?.windows ?? []) {
      commands.push(...[window.command ?? []].flat());
      for (const pane of window.panes ?? []) commands.push(...[typeof pane === "string" ? pane : (pane.command ?? [])].flat());
    }
  }

  for (const shell of ["sh", "bash", "zsh", "fish"]) {
    test.skipIf(lacks(shell))(`every window and pane command parses in ${shell}`, async () => {
      expect(commands.length).toBeGreaterThan(2);
      for (const command of commands) {
        const checked = await run([shell, "-n", "-c", command]);
        // fish -n reports a syntax error on stderr and still exits 0.
        expect(`${command}: ${checked.stderr}`).toBe(`${command}: `);
        expect(checked.exitCode).toBe(0);
      }
    });
  }
});
