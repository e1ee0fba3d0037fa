// End-to-end tests of attaching from inside tmux: a session on another tmux
// server than the one $TMUX names is refused (tmux itself would nest silently),
// by `prj attach` and by `prj run`'s attach. Two private servers, the compiled binary.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { PrivateTmux } from "../helpers/world.ts";
import { expectExit, perTest, STACK_LINE, World } from "./support.ts";

const DEV = "myproject-main-dev";
const newWorld = perTest(() => World.create());
const newServer = perTest(() => new PrivateTmux("outer"));

function socketPathOf(server: PrivateTmux): string {
  return join(process.env.TMUX_TMPDIR!, `tmux-${process.getuid!()}`, server.socket);
}

/**
 * A project whose sessions live on the server its config names (`tmux.socket_name`),
 * and the environment of a pane of another server, the one "you are in".
 */
async function projectAndOuterServer() {
  const world = await newWorld();
  world.writeProjectConfig(`tmux:\n  socket_name: ${world.socket}\n`);
  const outer = await newServer();
  await outer.ok("new-session", "-d", "-s", "outer");
  const inOuter = { PRJ_TMUX_SOCKET: undefined, TMUX: `${socketPathOf(outer)},${process.pid},0`, TMUX_PANE: "%0" };
  expectExit(await world.prj(["run", "start-dev"], { env: { PRJ_TMUX_SOCKET: undefined } }), 0);
  return { world, outer, inOuter };
}

describe("attach from inside tmux on another server", () => {
  test("prj attach refuses to nest, says how to detach or attach from outside, exits 2", async () => {
    const { world, outer, inOuter } = await projectAndOuterServer();
    const result = expectExit(await world.prj(["attach", DEV], { env: inOuter }), 2);
    expect(result.stderr).toContain(`cannot attach to ${DEV} here`);
    expect(result.stderr).toContain("would nest");
    expect(result.stderr).toContain(socketPathOf(outer));
    expect(result.stderr).toContain(world.socketPath());
    expect(result.stderr).toContain("prefix + d");
    expect(result.stderr).toContain(`attach -t '=${DEV}'`);
    expect(result.stderr).not.toMatch(STACK_LINE);
    // Nothing attached anywhere, and the outer server is as it was.
    expect(await world.display(`=${DEV}:`, "#{session_attached}")).toBe("0");
    expect(await outer.sessionNames()).toEqual(["outer"]);
  });

  test("inside tmux on the session's own server it switches instead of refusing", async () => {
    const { world } = await projectAndOuterServer();
    const sameServer = { PRJ_TMUX_SOCKET: undefined, TMUX: `${world.socketPath()},${process.pid},0`, TMUX_PANE: "%0" };
    // No client of this test sits on that server, so tmux's switch-client fails; what matters is that it was asked.
    const result = await world.prj(["attach", DEV], { env: sameServer });
    expect(result.stderr).not.toContain("would nest");
    expect(result.stderr).toContain("switch-client");
  });

  test("prj run --attach is refused before anything runs (exit 2); auto_attach is skipped with a note", async () => {
    const { world, inOuter } = await projectAndOuterServer();
    world.writeCommand("eager", 'name: eager\nsession:\n  name_template: "eager"\n');
    const refused = expectExit(await world.prj(["run", "eager", "--attach"], { env: inOuter }), 2);
    expect(refused.stderr).toContain("would nest");
    expect(await world.sessions()).toEqual([DEV]);

    world.writeCommand("auto", 'name: auto\nsession:\n  name_template: "auto"\n  auto_attach: true\n');
    const skipped = expectExit(await world.prj(["run", "auto"], { env: inOuter }), 0);
    expect(skipped.stderr).toContain("not attaching: you are inside tmux on another server");
    expect((await world.sessions()).sort()).toEqual(["auto", DEV]);
  });
});
