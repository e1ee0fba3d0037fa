// prj against real tmux binaries of other versions, besides the one on PATH
// that the whole suite runs on. scripts/test fetches them from Debian
// (scripts/lib.sh fetch_tmux) and names them in PRJ_TEST_TMUX_OLD (older than
// 3.2: bullseye's 3.1c) and PRJ_TEST_TMUX_NEW (3.7 or later:
// trixie-backports' 3.7c); without them these tests are skipped, and say so.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { run } from "../helpers/world.ts";
import { expectExit, jsonOf, repoRoot, worlds } from "./support.ts";

setDefaultTimeout(30_000);
const newWorld = worlds();

/** A tmux fetched for the tests: the variable's path, else where scripts/test puts that suite's tmux. */
function fetchedTmux(variable: string, suite: string): string | undefined {
  const path = process.env[variable] || join(process.env.PRJ_TOOLS_DIR || join(repoRoot, ".tools"), `tmux-${suite}`, "bin", "tmux");
  return existsSync(path) ? resolve(path) : undefined;
}

async function versionOf(binary: string): Promise<string> {
  const result = await run([binary, "-V"]);
  return result.stdout.trim().replace(/^tmux\s+/, "");
}

const OLD = fetchedTmux("PRJ_TEST_TMUX_OLD", "bullseye");
const NEW = fetchedTmux("PRJ_TEST_TMUX_NEW", "trixie-backports");
const SKIP_OLD = "no tmux older than 3.2 (PRJ_TEST_TMUX_OLD; scripts/test fetches bullseye's 3.1c)";
const SKIP_NEW = "no tmux 3.7 or later (PRJ_TEST_TMUX_NEW; scripts/test fetches trixie-backports' 3.7c)";

/**
 * Whether the tmux on PATH can talk to a server started by `binary` (tmux 3.7 changed what clients
 * must speak; when the suite itself runs on 3.7 or later, there is no disagreement to show).
 */
async function talksTo(binary: string | undefined): Promise<boolean> {
  if (!binary) return false;
  const socket = `versions-probe-${process.pid}`;
  await run([binary, "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "probe"]);
  const listed = await run(["tmux", "-L", socket, "list-sessions"]);
  await run([binary, "-L", socket, "kill-server"]);
  return listed.exitCode === 0;
}
const COMPATIBLE = await talksTo(NEW);

/** A test's title, with why it is skipped when `binary` is missing. */
const title = (text: string, binary: string | undefined, skipped: string) => (binary ? text : `${text} (skipped: ${skipped})`);

describe("tmux older than 3.2", () => {
  test.skipIf(!OLD)(title("is refused with install hints, before anything is created", OLD, SKIP_OLD), async () => {
    const world = await newWorld();
    const version = await versionOf(OLD!);
    expect(version).toMatch(/^(2\.|3\.[01])/);
    const env = { PRJ_TMUX: OLD };
    for (const args of [["run", "start-dev"], ["list-sessions"]]) {
      const result = await world.prj(args, { env });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(`tmux ${version} is too old; prj needs tmux 3.2 or newer`);
      expect(result.stderr).toContain("apt-get install tmux");
      expect(result.stderr).toContain("brew install tmux");
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    // Nothing ran: no server on the socket, no session recorded.
    expect(existsSync(world.socketPath())).toBe(false);
    expect(world.sessionRows("myproject-main-dev")).toEqual([]);
    const doctor = jsonOf(await world.prj(["doctor", "--json"], { env }));
    expect(doctor.checks.find((check: { id: string }) => check.id === "tmux")).toMatchObject({ status: "fail", message: `tmux ${version} is too old; prj needs 3.2 or newer` });
  });
});

describe("a tmux client and a running server of different versions", () => {
  const skipped = COMPATIBLE ? "the tmux on PATH talks to servers of PRJ_TEST_TMUX_NEW" : SKIP_NEW;
  test.skipIf(!NEW || COMPATIBLE)(title('say which versions disagree and what to do, instead of "no session"', COMPATIBLE ? undefined : NEW, skipped), async () => {
    const world = await newWorld();
    const client = await versionOf("tmux");
    const server = await versionOf(NEW!);
    // The server is started by the other tmux, as after an upgrade that left the old server running.
    expectExit(await run([NEW!, "-L", world.socket, "-f", "/dev/null", "new-session", "-d", "-s", "theirs"]), 0);
    // The premise: these two cannot talk (tmux 3.7 and later speak to clients of 3.5 and before no more).
    const plain = await run(["tmux", "-L", world.socket, "list-sessions"]);
    expect([plain.exitCode, plain.stdout]).toEqual([1, ""]);

    for (const args of [["list-sessions"], ["run", "start-dev"], ["session-info", "theirs"], ["kill-session", "theirs"]]) {
      const result = await world.prj(args);
      expect([args, result.exitCode]).toEqual([args, 1]);
      expect(result.stderr).toContain(`tmux ${client} (`);
      expect(result.stderr).toContain(`cannot talk to the tmux server on ${world.socketPath()}, which runs tmux ${server} (`);
      expect(result.stderr).toContain("restart that server, or run prj with its tmux");
      expect(result.stderr).not.toContain("no session");
      // The exact commands come as a hint (a failed run reports its error without one).
      if (args[0] !== "run") {
        expect(result.stderr).toContain(`tmux -L ${world.socket} kill-server`);
        expect(result.stderr).toContain(`PRJ_TMUX=${realpathSync(NEW!)}`);
      }
    }
    // Nothing was changed on the server, and with the server's own tmux prj works.
    const listed = jsonOf(expectExit(await world.prj(["list-sessions", "--all", "--json"], { env: { PRJ_TMUX: NEW } }), 0));
    expect(listed.map((session: { name: string }) => session.name)).toEqual(["theirs"]);
  });
});

describe("tmux 3.7 and later keep window names escaped", () => {
  test.skipIf(!NEW)(title("prj reads them back as named, and a frozen session round-trips", NEW, SKIP_NEW), async () => {
    const world = await newWorld();
    const env = { PRJ_TMUX: NEW };
    const names = ["back\\slash", "two \\\\ of them", "$HOME and ${x}", "quote \" é"];
    world.writeCommand(
      "named",
      ["name: named", "session:", '  name_template: "named"', "  windows:", ...names.map((name) => `    - name: ${JSON.stringify(name)}`), ""].join("\n"),
    );
    expectExit(await world.prj(["run", "named"], { env }), 0);
    // The premise: this server keeps a backslash doubled.
    const stored = await run([NEW!, "-L", world.socket, "display-message", "-p", "-t", "=named:0", "#{window_name}"]);
    expect(stored.stdout).toBe("back\\\\slash\n");

    const info = jsonOf(expectExit(await world.prj(["session-info", "named", "--json"], { env }), 0));
    expect(info.windows.map((window: { name: string }) => window.name)).toEqual(names);

    const freeze = async (session: string, as: string) => {
      expectExit(await world.prj(["freeze", session, "--name", as], { env }), 0);
      return parse(readFileSync(join(world.root, ".prj", "commands", `${as}.yaml`), "utf8")).session.windows.map((window: { name: string }) => window.name);
    };
    expect(await freeze("named", "frozen")).toEqual(names);
    expectExit(await world.prj(["kill-session", "named"], { env }), 0);
    expectExit(await world.prj(["run", "frozen"], { env }), 0);
    expect(await freeze("named", "refrozen")).toEqual(names);
  });
});
