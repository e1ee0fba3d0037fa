// TmuxManager against real tmux servers at the moments and versions where they
// misbehave: a server still shutting down after its last session went, and the
// first window's size on servers older than 3.3 (run on bullseye's 3.1c when
// scripts/test has fetched it, PRJ_TEST_TMUX_OLD, since no Debian suite carries
// 3.2a; the sizing branch is the same for both).
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { SessionSpec } from "../../src/plan/types.ts";
import { TmuxManager } from "../../src/tmux/manager.ts";
import { tmuxCommandLine } from "../../src/tmux/quote.ts";
import { firstWindowSizeOnOldServers } from "../../src/tmux/script.ts";
import { run } from "../helpers/world.ts";

const repoRoot = resolve(import.meta.dir, "../..");
const OLD = [process.env.PRJ_TEST_TMUX_OLD && resolve(process.env.PRJ_TEST_TMUX_OLD), join(process.env.PRJ_TOOLS_DIR || join(repoRoot, ".tools"), "tmux-bullseye", "bin", "tmux")].find(
  (path) => path && existsSync(path),
);

let counter = 0;
const sockets: { binary: string; path: string }[] = [];

/** A private socket path under the test's TMUX_TMPDIR, killed after each test. */
function socket(binary = "tmux"): string {
  const path = join(process.env.TMUX_TMPDIR!, `servers-${process.pid}-${++counter}`);
  sockets.push({ binary, path });
  return path;
}

afterEach(async () => {
  for (const { binary, path } of sockets.splice(0)) await run([binary, "-S", path, "kill-server"]);
});

function spec(name: string): SessionSpec {
  return {
    name,
    workingDirectory: "/",
    environment: {},
    windows: [{ name: "one", environment: {}, panes: [{ command: undefined, workingDirectory: "/", environment: {}, focus: false }], focus: false }],
    identity: { project: "/p", worktree: "main", task: "t", command: "c" },
    shell: "/bin/sh",
  } as SessionSpec;
}

describe("a server that is shutting down", () => {
  test("prj's next client is tried once more, so creating and listing right after the last session went succeed", async () => {
    const path = socket();
    const manager = new TmuxManager({ socket: path });
    // tmux 3.3a and earlier drop clients that arrive while the server exits ("server exited
    // unexpectedly", exit 1), a few milliseconds after its last session is killed; alternate
    // between killing the last session and killing the server, and come back at once.
    for (let round = 0; round < 16; round++) {
      await manager.createSession(spec("s"));
      const kill = round % 2 === 0 ? ["kill-session", "-t", "=s:"] : ["kill-server"];
      expect((await run(["tmux", "-S", path, ...kill])).exitCode).toBe(0);
      if (round % 4 < 2) {
        expect(await manager.createSession(spec("s"))).toMatch(/^\$\d+$/);
        await run(["tmux", "-S", path, "kill-server"]);
      } else {
        expect(await manager.listSessions()).toEqual([]);
      }
    }
  });
});

describe("the first window's size on servers older than 3.3", () => {
  const size = { columns: 123, rows: 41 };
  const sizeCommand = tmuxCommandLine(firstWindowSizeOnOldServers("=s:", size));

  async function sizeAfter(binary: string): Promise<{ version: string; size: string; option: string }> {
    const path = socket(binary);
    const tmux = (...args: string[]) => run([binary, "-u", "-S", path, "-f", "/dev/null", ...args]);
    // A session of tmux's default size, then the command prj puts right after new-session.
    expect((await tmux("new-session", "-d", "-s", "s")).exitCode).toBe(0);
    const sourced = await run([binary, "-u", "-S", path, "source-file", "-"], { stdin: `${sizeCommand}\n` });
    expect(sourced.stderr).toBe("");
    const shown = await tmux("display-message", "-p", "-t", "=s:", "#{version} #{window_width}x#{window_height}");
    const [version = "", shape = ""] = shown.stdout.trim().split(" ");
    // The window's own window-size option is unset again, so an attaching client resizes it.
    const option = await tmux("show-options", "-w", "-t", "=s:", "window-size");
    return { version, size: shape, option: option.stdout.trim() };
  }

  test.skipIf(!OLD)(OLD ? "an old server sizes it, then leaves it to follow clients" : "an old server sizes it (skipped: no tmux older than 3.3; PRJ_TEST_TMUX_OLD)", async () => {
    const result = await sizeAfter(OLD!);
    expect(result.version < "3.3").toBe(true);
    expect(result).toMatchObject({ size: "123x41", option: "" });
  });

  test("a server of 3.3 or later is left alone (it sizes the first window itself)", async () => {
    const result = await sizeAfter("tmux");
    expect(result.version >= "3.3").toBe(true);
    expect(result).toMatchObject({ size: "80x24", option: "" });
  });
});
