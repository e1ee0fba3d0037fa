// `prj pick` in a real terminal: a pane of a private tmux server is the pty,
// driven by send-keys and read by capture-pane. The projects' sessions live
// on the world's own server, as they would outside the terminal's tmux.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { PrivateTmux, waitFor } from "../helpers/world.ts";
import { expectExit, jsonOf, perTest, prjBinary, worlds, type World } from "./support.ts";

setDefaultTimeout(40_000);
const newWorld = worlds();
const newTerminal = perTest(() => {
  const tmux = new PrivateTmux("term");
  return { tmux, dispose: () => tmux.dispose() };
});

function command(world: World, name: string, session: string): void {
  world.writeCommand(name, [`name: ${name}`, "session:", `  name_template: "${session}"`, "  windows:", "    - { name: main }", ""].join("\n"));
}

async function projectWithTwoSessions(): Promise<World> {
  const world = await newWorld("alpha");
  command(world, "one", "alpha-one");
  command(world, "two", "alpha-two");
  expectExit(await world.prj(["run", "one"]), 0);
  expectExit(await world.prj(["run", "two"]), 0);
  return world;
}

/** A shell in a 100x30 terminal, outside tmux as far as prj can tell, with the world's environment. */
async function terminal(world: World): Promise<{ screen(): Promise<string>; keys(...keys: string[]): Promise<void>; until(check: (text: string) => boolean, what: string): Promise<string> }> {
  const { tmux } = await newTerminal();
  const env = Object.entries(world.env()).map(([key, value]) => `${key}=${value}`);
  await tmux.ok("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", "env", "-u", "TMUX", ...env, "PS1=$ ", "/bin/sh");
  const screen = async () => tmux.ok("capture-pane", "-p", "-t", "t:");
  return {
    screen,
    keys: async (...keys: string[]) => void (await tmux.ok("send-keys", "-t", "t:", ...keys)),
    until: (check, what) => waitFor(async () => {
      const text = await screen();
      return check(text) ? text : undefined;
    }, { what }),
  };
}

describe("prj pick --print and --json", () => {
  test("list every live session, each command and the project, in the same order", async () => {
    const world = await projectWithTwoSessions();
    const items = jsonOf<{ kind: string; target: string; project: string }[]>(expectExit(await world.prj(["pick", "--json"], { cwd: "/" }), 0));
    expect(items.filter((i) => i.kind === "session").map((i) => i.target)).toEqual(["alpha-one", "alpha-two"]);
    expect(items.filter((i) => i.kind === "command").map((i) => i.target)).toEqual(expect.arrayContaining(["one", "two", "start-dev"]));
    const lines = expectExit(await world.prj(["pick", "--print"]), 0).stdout.trim().split("\n");
    expect(lines.map((line) => line.split("\t").slice(0, 3))).toEqual(items.map((i: any) => [i.kind, i.project_path, i.target]));
  });

  test("without a terminal and without --print it says so (exit 2)", async () => {
    const world = await projectWithTwoSessions();
    const result = expectExit(await world.prj(["pick"]), 2);
    expect(result.stderr).toContain("--print");
  });
});

describe("prj pick in a terminal", () => {
  test("typing filters, Escape leaves the terminal as it was", async () => {
    const world = await projectWithTwoSessions();
    const term = await terminal(world);
    await term.keys("echo MARKER-BEFORE", "Enter");
    await term.until((text) => /^MARKER-BEFORE$/m.test(text), "the shell to echo");
    const before = await term.screen();
    await term.keys(`${prjBinary} pick`, "Enter");
    await term.until((text) => text.includes("alpha: alpha-one") && text.includes("alpha: alpha-two"), "the picker to list both sessions");
    await term.keys("-l", "two");
    const filtered = await term.until((text) => text.startsWith("> two") && !text.includes("alpha-one"), "the list to be filtered");
    expect(filtered).toContain("alpha: alpha-two");
    await term.keys("Escape");
    const after = await term.until((text) => !text.includes("alpha: alpha-two") && text.includes("MARKER-BEFORE"), "the picker to leave");
    // The alternate screen is gone: what was on the terminal is back, with the prompt after it.
    expect(after.startsWith(before.trimEnd())).toBe(true);
  });

  test("arrows move, Enter attaches to the chosen session", async () => {
    const world = await projectWithTwoSessions();
    const term = await terminal(world);
    await term.keys(`${prjBinary} pick`, "Enter");
    await term.until((text) => /^> .*alpha: alpha-one/m.test(text), "the first session to be selected");
    await term.keys("Down");
    await term.until((text) => /^> .*alpha: alpha-two/m.test(text), "the selection to move down");
    await term.keys("Up", "Down", "Enter");
    const clients = await waitFor(async () => {
      const out = (await world.tmuxOut("list-clients", "-F", "#{client_session}")).trim();
      return out ? out : undefined;
    }, { what: "a client to attach" });
    expect(clients).toBe("alpha-two");
  });
});
