// A restartable server window: after Ctrl-C leaves the pane at a prompt,
// `prj respawn` brings its command back, with the variables it had.
import { describe, expect, test } from "bun:test";
import { waitFor } from "../helpers/world.ts";
import { expectExit, jsonOf, prjBinary, World, worlds } from "./support.ts";

const newWorld = worlds({ ignorePrj: true });

const SERVICE = [
  "name: svc",
  "arguments:",
  '  - { name: listen, default: "4242" }',
  "session:",
  '  name_template: "svc"',
  "  windows:",
  "    - name: server",
  "      environment: { GREETING: hello }",
  '      command: "echo \\"up $GREETING {{listen}}\\"; sleep 300"',
  "    - name: shell",
  "",
].join("\n");

async function paneOf(world: World, target: string): Promise<{ pid: string; command: string; text: string }> {
  const [pid = "", command = ""] = (await world.tmux.ok("display-message", "-p", "-t", target, "#{pane_pid}\t#{pane_current_command}")).trim().split("\t");
  const text = await world.tmux.ok("capture-pane", "-p", "-t", target);
  return { pid, command, text };
}

/** Waits until the server window runs its command (sleep), having printed its line. */
async function serving(world: World, notPid?: string): Promise<string> {
  const pane = await waitFor(
    async () => {
      const now = await paneOf(world, "=svc:=server");
      return now.command === "sleep" && now.text.includes("up hello 4242") && now.pid !== notPid ? now : undefined;
    },
    { what: "the server command to run", timeoutMs: 10_000 },
  );
  return pane.pid;
}

/** Ctrl-C in the server pane, and wait until only its shell is left. */
async function interrupt(world: World): Promise<void> {
  await world.tmux.ok("send-keys", "-t", "=svc:=server", "C-c");
  await waitFor(async () => (await paneOf(world, "=svc:=server")).command !== "sleep", { what: "the command to stop" });
}

describe("prj respawn", () => {
  test("from anywhere: SESSION:WINDOW runs the window's command again, in place, with its variables", async () => {
    const world = await newWorld();
    world.writeCommand("svc", SERVICE);
    expectExit(await world.prj(["run", "svc"]), 0);
    const first = await serving(world);
    await interrupt(world);
    const result = expectExit(await world.prj(["respawn", "svc:server"]), 0);
    expect(result.stdout).toBe("Respawned svc:server.0\n");
    await serving(world, first);
    // By index, and as JSON.
    await interrupt(world);
    expect(jsonOf(expectExit(await world.prj(["respawn", "svc:0", "--json"]), 0))).toEqual([{ pane: expect.stringMatching(/^%\d+$/), session: "svc", window: "server", index: 0 }]);
    await serving(world, first);
  });

  test("inside the pane: plain `prj respawn` brings back its own command", async () => {
    const world = await newWorld();
    world.writeCommand("svc", SERVICE);
    expectExit(await world.prj(["run", "svc"]), 0);
    const first = await serving(world);
    await interrupt(world);
    await world.tmux.ok("send-keys", "-t", "=svc:=server", `${prjBinary} respawn`, "Enter");
    await serving(world, first);
  });

  test("a window without a command, an unknown window or session: exit 2, nothing respawned", async () => {
    const world = await newWorld();
    world.writeCommand("svc", SERVICE);
    expectExit(await world.prj(["run", "svc"]), 0);
    const pid = await serving(world);
    expect(expectExit(await world.prj(["respawn", "svc:shell"]), 2).stderr).toContain("was started without a command");
    const unknown = expectExit(await world.prj(["respawn", "svc:nope"]), 2);
    expect(unknown.stderr).toContain("no window nope in session svc");
    expect(unknown.stderr).toContain("its windows: server, shell");
    expect(expectExit(await world.prj(["respawn", "svx:server"]), 2).stderr).toContain("did you mean svc?");
    expect(expectExit(await world.prj(["respawn", "svc"]), 2).stderr).toContain("is not SESSION:WINDOW");
    expect(expectExit(await world.prj(["respawn"]), 2).stderr).toContain("which pane?");
    expect((await paneOf(world, "=svc:=server")).pid).toBe(pid);
  });
});
