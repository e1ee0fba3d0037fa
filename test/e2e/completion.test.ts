// `prj completion`: the bash script loaded into a real bash, asking the
// compiled binary (`prj __complete`) for subcommands, flags, command names,
// `name=` arguments and live session names on a private tmux server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { CommandDef } from "citty";
import { COMMANDS } from "../../src/cli.ts";
import { missing } from "../helpers/tools.ts";
import { run, tempDir, tempGitRepo, type RunResult } from "../helpers/world.ts";
import { ensureBinary, expectExit, prjBinary, World } from "./support.ts";

const world = World.bare();
let repo: string;

beforeAll(async () => {
  await ensureBinary();
  repo = await tempGitRepo("myproject");
  const init = await world.prj(["init"], { cwd: repo });
  if (init.exitCode !== 0) throw new Error(`prj init failed: ${init.stderr}`);
  writeFileSync(join(repo, ".prj/commands/deploy.yml"), "name: deploy\narguments:\n  - { name: env, required: true }\n  - { name: region }\n");
  await world.tmux.ok("new-session", "-d", "-s", "alpha");
  await world.tmux.ok("new-session", "-d", "-s", "beta-1");
}, 120_000);

afterAll(async () => {
  await world.dispose();
});

/** PATH with dist/ first, so the scripts' `command prj` is the binary under test. */
function shellEnv(): Record<string, string | undefined> {
  return { PATH: `${dirname(prjBinary)}:${process.env.PATH}`, PRJ_TMUX_SOCKET: world.tmux.socket };
}

function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * What bash offers for `words` (COMP_WORDS as bash splits the line, the last
 * being the word under the cursor), from `source <(prj completion bash)`.
 */
async function bashComplete(words: string[], cwd = repo): Promise<string[]> {
  const script = [
    "source <(prj completion bash) || exit 90",
    `COMP_WORDS=(${words.map(quote).join(" ")})`,
    `COMP_CWORD=${words.length - 1}`,
    "_prj || exit 91",
    `printf '%s\\n' "\${COMPREPLY[@]}"`,
  ].join("\n");
  const result = await run(["bash", "--norc", "--noprofile", "-c", script], { cwd, env: shellEnv() });
  expectExit(result, 0);
  expect(result.stderr).toBe("");
  return result.stdout.split("\n").filter(Boolean);
}

/** `prj __complete -- WORD…` straight from the binary. */
async function complete(words: string[], cwd = repo): Promise<RunResult> {
  return world.prj(["__complete", "--", ...words], { cwd });
}

const visibleCommands = Object.keys(COMMANDS).filter((name) => !COMMANDS[name]!.hidden);

/** citty lets args and subCommands be values, functions or promises. */
async function resolveValue<T>(value: T | (() => T | Promise<T>) | Promise<T>): Promise<T> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

describe("bash completion", () => {
  test("subcommands, without the hidden __complete", async () => {
    expect(await bashComplete(["prj", "ru"])).toEqual(["run"]);
    expect(await bashComplete(["prj", "--no-color", "ru"])).toEqual(["run"]);
    expect(await bashComplete(["prj", "s"])).toEqual(visibleCommands.filter((name) => name.startsWith("s")));
    const all = await bashComplete(["prj", ""]);
    expect(all).toEqual(visibleCommands);
    expect(all).toContain("doctor");
    expect(all).not.toContain("__complete");
  });

  test("prj run <TAB>: the command names in .prj/commands", async () => {
    expect(await bashComplete(["prj", "run", ""])).toEqual(["deploy", "feature-branch", "review-pr", "start-dev"]);
    expect(await bashComplete(["prj", "run", "de"])).toEqual(["deploy"]);
  });

  test("prj run NAME <TAB>: its arguments as name=, minus the ones given", async () => {
    expect(await bashComplete(["prj", "run", "feature-branch", ""])).toEqual(["branch="]);
    expect(await bashComplete(["prj", "run", "review-pr", "p"])).toEqual(["pr="]);
    expect(await bashComplete(["prj", "run", "deploy", ""])).toEqual(["env=", "region="]);
    // bash splits "env=prod" at '=' (COMP_WORDBREAKS): prj glues it back.
    expect(await bashComplete(["prj", "run", "deploy", "env", "=", "prod", ""])).toEqual(["region="]);
    // The value after "name=" is the user's.
    expect(await bashComplete(["prj", "run", "deploy", "env", "=", ""])).toEqual([]);
    expect(await bashComplete(["prj", "run", "feature-branch", "branch", "=", "x", ""])).toEqual([]);
  });

  test("prj attach / kill-session / session-info <TAB>: live session names from the tmux server", async () => {
    expect(await bashComplete(["prj", "attach", ""])).toEqual(["alpha", "beta-1"]);
    expect(await bashComplete(["prj", "attach", "b"])).toEqual(["beta-1"]);
    expect(await bashComplete(["prj", "kill-session", ""])).toEqual(["alpha", "beta-1"]);
    expect(await bashComplete(["prj", "session-info", "al"])).toEqual(["alpha"]);
    expect(await bashComplete(["prj", "attach", "alpha", ""])).toEqual([]);
  });

  test("prj run --<TAB>: the flags of run's own definition", async () => {
    const run = (await import("../../src/commands/run.ts")).default;
    const flags = Object.entries(run.args as Record<string, { type?: string }>)
      .filter(([, def]) => def.type !== "positional")
      .map(([name]) => `--${name}`);
    expect(flags).toContain("--dry-run");
    expect(await bashComplete(["prj", "run", "--"])).toEqual([...flags, "--help"]);
    expect(await bashComplete(["prj", "run", "--d"])).toEqual(["--dry-run"]);
    expect(await bashComplete(["prj", "run", "--no-a"])).toEqual(["--no-attach"]);
    expect(await bashComplete(["prj", "run", "start-dev", "--j"])).toEqual(["--json"]);
  });

  test("prj completion <TAB> and prj schema <TAB>", async () => {
    expect(await bashComplete(["prj", "completion", ""])).toEqual(["bash", "zsh", "fish"]);
    expect(await bashComplete(["prj", "schema", "p"])).toEqual(["project"]);
  });
});

describe("prj __complete", () => {
  test("every visible command's flags (and subcommands') come from its definition", async () => {
    const expectFlags = async (path: string[], command: CommandDef<any>) => {
      const subCommands = (await resolveValue(command.subCommands)) as Record<string, CommandDef<any>> | undefined;
      if (subCommands) {
        const names = await complete([...path, ""]);
        expect({ path, names: names.stdout.split("\n").filter(Boolean) }).toEqual({ path, names: Object.keys(subCommands) });
        for (const [name, sub] of Object.entries(subCommands)) await expectFlags([...path, name], (await resolveValue(sub)) as CommandDef<any>);
        return;
      }
      const args = ((await resolveValue(command.args)) ?? {}) as Record<string, { type?: string; alias?: string | string[] }>;
      const expected = Object.entries(args)
        .filter(([, def]) => def.type !== "positional")
        .flatMap(([flag, def]) => [`--${flag}`, ...[def.alias ?? []].flat().map((alias) => (alias.length === 1 ? `-${alias}` : `--${alias}`))]);
      const result = await complete([...path, "-"]);
      expectExit(result, 0);
      expect({ path, flags: result.stdout.split("\n").filter(Boolean) }).toEqual({ path, flags: [...expected, "--help"] });
    };
    for (const name of visibleCommands) await expectFlags([name], (await COMMANDS[name]!.load()).default);
  });

  test("silent and successful when there is nothing to offer or something is broken", async () => {
    const outside = tempDir();
    for (const words of [["run", ""], ["nonsense", ""], ["run", "nope", ""], ["attach", "alpha", "extra", ""]]) {
      const result = await complete(words, outside);
      expectExit(result, 0);
      expect({ words, stdout: result.stdout, stderr: result.stderr }).toEqual({ words, stdout: "", stderr: "" });
    }
    const broken = await tempGitRepo("broken");
    expectExit(await world.prj(["init"], { cwd: broken }), 0);
    writeFileSync(join(broken, ".prj/commands/start-dev.yaml"), "name: start-dev\nsession: [\n");
    const result = await complete(["run", "start-dev", ""], broken);
    expectExit(result, 0);
    expect(result.stdout + result.stderr).toBe("");
  });
});

describe("prj completion", () => {
  test("an unsupported shell is a usage error naming the supported ones", async () => {
    for (const args of [["completion", "powershell"], ["completion"]]) {
      const result = await world.prj(args, { cwd: repo });
      expectExit(result, 2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain("bash, zsh, fish");
    }
  });

  test("`prj --help` does not list __complete", async () => {
    const result = await world.prj(["--help"], { cwd: repo });
    expectExit(result, 0);
    expect(result.stdout).not.toContain("__complete");
    expect(result.stdout).toContain("completion");
  });

  test.skipIf(missing("zsh"))("zsh: the script parses and offers what __complete prints", async () => {
    const script = [
      "compdef() { print -r -- \"compdef $*\" }",
      "compadd() { print -r -- \"compadd $*\" }",
      "source <(prj completion zsh)",
      "words=(prj run feature-branch ''); CURRENT=4; _prj",
      "words=(prj at); CURRENT=2; _prj",
    ].join("\n");
    const result = await run(["zsh", "-f", "-c", script], { cwd: repo, env: shellEnv() });
    expectExit(result, 0);
    expect(result.stdout.split("\n").filter(Boolean)).toEqual(["compdef _prj prj", "compadd -S  -- branch=", "compadd -- attach"]);
  });

  test.skipIf(missing("fish"))("fish: `complete -C` offers what __complete prints", async () => {
    const script = "prj completion fish | source; complete -C 'prj run feature-branch '; complete -C 'prj attach '";
    const result = await run(["fish", "--no-config", "-c", script], { cwd: repo, env: shellEnv() });
    expectExit(result, 0);
    expect(result.stdout.split("\n").filter(Boolean)).toEqual(["branch=", "alpha", "beta-1"]);
  });
});
