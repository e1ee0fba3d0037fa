// Output conventions (SPEC §10): colour only on a terminal and never with
// NO_COLOR or --no-color; `--json` on every read command, printing exactly one
// JSON document on stdout.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { CommandDef } from "citty";
import { COMMANDS } from "../../src/cli.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { missing } from "../helpers/tools.ts";
import { run, tempGitRepo, type RunResult } from "../helpers/world.ts";
import { ensureBinary, expectExit, prjBinary, World } from "./support.ts";

const world = World.bare();
let repo: string;

/**
 * Not read commands, so --json is not required of them: attach hands the
 * terminal to tmux, completion prints a shell script, import and freeze write
 * a command file (their --dry-run prints its YAML).
 */
const WITHOUT_JSON = new Set(["attach", "completion", "import", "freeze"]);
const ANSI = /\x1b\[/;

beforeAll(async () => {
  await ensureBinary();
  repo = await tempGitRepo("myproject");
  const init = await world.prj(["init"], { cwd: repo });
  if (init.exitCode !== 0) throw new Error(`prj init failed: ${init.stderr}`);
  await world.tmux.ok("new-session", "-d", "-s", "alpha");
}, 120_000);

afterAll(async () => {
  await world.dispose();
});


/** Runs prj on a pseudo-terminal and returns what it wrote there. */
async function onTerminal(args: string[], env: Record<string, string | undefined> = {}): Promise<string> {
  const line = [prjBinary, ...args].map((word) => `'${word}'`).join(" ");
  // CI and TEST are unset because the usage renderer turns colour off under them, as CI logs want.
  const result = await run(["script", "-qec", line, "/dev/null"], {
    cwd: repo,
    env: { PRJ_TMUX_SOCKET: world.tmux.socket, TERM: "xterm", CI: undefined, TEST: undefined, ...env },
  });
  return result.stdout;
}

describe.skipIf(missing("script"))("colour", () => {
  test("usage on a terminal is coloured; --no-color and NO_COLOR make it plain", async () => {
    expect(await onTerminal(["run", "--help"], { NO_COLOR: undefined })).toMatch(ANSI);
    expect(await onTerminal(["run", "--help", "--no-color"], { NO_COLOR: undefined })).not.toMatch(ANSI);
    expect(await onTerminal(["run", "--help"], { NO_COLOR: "1" })).not.toMatch(ANSI);
  });

  test("doctor's labels: coloured on a terminal, plain with --no-color (also before the command)", async () => {
    expect(await onTerminal(["doctor"], { NO_COLOR: undefined })).toMatch(ANSI);
    const plain = await onTerminal(["--no-color", "doctor"], { NO_COLOR: undefined });
    expect(plain).toContain("tmux");
    expect(plain).not.toMatch(ANSI);
    expect(await onTerminal(["doctor"], { NO_COLOR: "1" })).not.toMatch(ANSI);
  });
});

describe.skipIf(missing("script"))("log lines on a terminal", () => {
  test("are plain text: an info line is not painted like an error", async () => {
    writeFileSync(join(repo, ".prj/commands/chatty.yaml"), 'name: chatty\nsteps:\n  - { name: hello, run: "echo hi" }\n');
    const text = await onTerminal(["run", "chatty"], { NO_COLOR: undefined });
    expect(text).toContain("step hello");
    expect(text).toContain("[hello] hi");
    expect(text).not.toMatch(ANSI);
  });
});

describe("output on a pipe", () => {
  test("no colour codes, even without NO_COLOR", async () => {
    for (const args of [["run", "--help"], ["doctor"], ["--help"]]) {
      const result = await world.prj(args, { cwd: repo, env: { NO_COLOR: undefined } });
      expectExit(result, 0);
      expect(result.stdout + result.stderr).not.toMatch(ANSI);
    }
  });

  test("read commands print exactly one JSON document with --json", async () => {
    const reads = [["list-commands"], ["list-sessions"], ["list-sessions", "--all"], ["status"], ["session-info", "alpha"], ["doctor"], ["schema", "global"]];
    for (const args of reads) {
      const result = await world.prj([...args, "--json"], { cwd: repo });
      expectExit(result, 0);
      // JSON.parse refuses trailing text, so this is one document and nothing else.
      expect(() => JSON.parse(result.stdout)).not.toThrow();
      expect(result.stdout.endsWith("}\n") || result.stdout.endsWith("]\n")).toBe(true);
    }
  });

  test("every other command accepts --json (subcommands included)", async () => {
    const missing: string[] = [];
    const visit = async (path: string[], command: CommandDef<any>) => {
      const subCommands = (await resolveValue(command.subCommands)) as Record<string, CommandDef<any>> | undefined;
      if (subCommands) {
        for (const [name, sub] of Object.entries(subCommands)) await visit([...path, name], (await resolveValue(sub)) as CommandDef<any>);
        return;
      }
      const args = ((await resolveValue(command.args)) ?? {}) as Record<string, unknown>;
      if (!("json" in args)) missing.push(path.join(" "));
    };
    for (const [name, entry] of Object.entries(COMMANDS)) {
      if (entry.hidden || WITHOUT_JSON.has(name)) continue;
      await visit([name], (await entry.load()).default);
    }
    expect(missing).toEqual([]);
  });
});

async function resolveValue<T>(value: T | (() => T | Promise<T>) | Promise<T>): Promise<T> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}
