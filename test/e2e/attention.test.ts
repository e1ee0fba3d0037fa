// End-to-end tests of attention (docs/attention.md), the compiled binary on a
// private tmux server: the per-server watcher's life, prj mark, wait and send,
// on_state steps, the status-line segment and the reports.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, waitFor } from "../helpers/world.ts";
import { alive, expectExit, jsonOf, prjBinary, worlds, type World } from "./support.ts";

setDefaultTimeout(40_000);
const newWorld = worlds();
const linux = process.platform === "linux" && existsSync("/proc/self/syscall");

/** A directory with `prj` in it, for the panes' PATH (agents and scripts call `prj mark`). */
function binWithPrj(): string {
  const bin = join(tempDir("bin-"), "bin");
  mkdirSync(bin);
  symlinkSync(prjBinary, join(bin, "prj"));
  return bin;
}

/** A command of one session named `name` with these windows (`name: command`). */
function command(world: World, name: string, windows: Record<string, string | undefined>, extra: string[] = []): void {
  const lines = Object.entries(windows).map(([window, run]) => (run === undefined ? `    - { name: ${window} }` : `    - { name: ${window}, command: ${JSON.stringify(run)} }`));
  world.writeCommand(name, [`name: ${name}`, "session:", `  name_template: "${name}"`, "  windows:", ...lines, ...extra, ""].join("\n"));
}

/** The watcher's pid as the server records it, once it runs. */
async function watcherPid(world: World): Promise<number> {
  const value = await waitFor(async () => {
    const result = await world.tmux.tmux("show-options", "-gqv", "@prj_watcher");
    const text = result.stdout.trim();
    return /^\d+$/.test(text) && alive(Number(text)) ? Number(text) : undefined;
  }, { what: "the watcher to run" });
  return value;
}

/** The processes tmux's server started that are prj watchers. */
async function watchersOf(world: World): Promise<number[]> {
  const server = Number((await world.tmuxOut("display-message", "-p", "#{pid}")).trim());
  const children = readFileSync(`/proc/${server}/task/${server}/children`, "utf8").split(" ").filter(Boolean).map(Number);
  return children.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes("__watch");
    } catch {
      return false;
    }
  });
}

async function paneState(world: World, target: string): Promise<string> {
  return (await world.display(target, "#{@prj_pane_state}")).split(" ")[0] ?? "";
}

describe.skipIf(!linux)("the watcher", () => {
  test("one per server, started by the session batch; it leaves with the last prj session, and a new session starts another", async () => {
    const world = await newWorld();
    command(world, "one", { a: undefined });
    command(world, "two", { b: undefined });
    expectExit(await world.prj(["run", "one"]), 0);
    expectExit(await world.prj(["run", "two"]), 0);
    const pid = await watcherPid(world);
    expect(await watchersOf(world)).toEqual([pid]);
    // A session prj did not make keeps the server up, but not the watcher.
    await world.tmux.ok("new-session", "-d", "-s", "theirs");
    expectExit(await world.prj(["kill-session", "one"]), 0);
    expect(alive(pid)).toBe(true);
    expectExit(await world.prj(["kill-session", "two"]), 0);
    // It stays 5 s, for a session made again at once, then goes.
    await waitFor(() => !alive(pid), { timeoutMs: 12_000, what: "the watcher to leave" });
    expect((await world.tmux.tmux("show-options", "-gqv", "@prj_watcher")).stdout.trim()).toBe("");
    expectExit(await world.prj(["run", "one"]), 0);
    const next = await watcherPid(world);
    expect(next).not.toBe(pid);
  });

  test("it dies with its server, even a server killed with SIGKILL", async () => {
    const world = await newWorld();
    command(world, "one", { a: undefined });
    expectExit(await world.prj(["run", "one"]), 0);
    const pid = await watcherPid(world);
    const server = Number((await world.tmuxOut("display-message", "-p", "#{pid}")).trim());
    process.kill(server, "SIGKILL");
    await waitFor(() => !alive(pid), { timeoutMs: 3000, what: "the watcher to die with its server" });
  });

  test("a watcher that was killed is started again by the next list-sessions, and takes over the published states", async () => {
    const world = await newWorld();
    command(world, "one", { a: "sleep 60" });
    expectExit(await world.prj(["run", "one"]), 0);
    const pid = await watcherPid(world);
    await waitFor(async () => (await paneState(world, "=one:a")) === "working", { what: "the pane to be working" });
    const since = await world.display("=one:a", "#{@prj_pane_state}");
    process.kill(pid, "SIGKILL");
    // A watcher publishes the server's summary at its first sample: cleared here, it shows when the next one has looked.
    await world.tmux.ok("set-option", "-gu", "@prj_attention");
    expectExit(await world.prj(["list-sessions"]), 0);
    const next = await watcherPid(world);
    expect(next).not.toBe(pid);
    await waitFor(async () => (await world.tmux.tmux("show-options", "-gqv", "@prj_attention")).stdout.trim() === "1 working", { what: "the new watcher's first sample" });
    // It recorded nothing new for a pane whose state has not changed.
    expect(await world.display("=one:a", "#{@prj_pane_state}")).toBe(since);
    expect(world.query<{ n: number }>("SELECT COUNT(*) AS n FROM state_changes WHERE state = 'working' AND pane_id IS NOT NULL")[0]!.n).toBe(1);
  });
});

describe.skipIf(!linux)("prj mark, wait and send", () => {
  test("mark outside a pane is refused (exit 2), and an unknown state names the choices", async () => {
    const world = await newWorld();
    const outside = expectExit(await world.prj(["mark", "waiting"]), 2);
    expect(outside.stderr).toContain("prj mark runs inside a tmux pane");
    const wrong = expectExit(await world.prj(["mark", "sleepy"], { env: { TMUX: "/tmp/x,1,0", TMUX_PANE: "%0" } }), 2);
    expect(wrong.stderr).toContain("one of working, waiting, done, failed");
  });

  test("wait until a [y/N] question, answer it with send, wait until done; a timeout exits 124", async () => {
    const world = await newWorld();
    command(world, "ask", { q: 'printf "Deploy? [y/N] "; read -r answer; echo "answer=$answer"', busy: "sleep 60" }, [
      "  additional_env:",
      "    API_TOKEN: tok-s3cret-value",
    ]);
    expectExit(await world.prj(["run", "ask"]), 0);
    const waited = jsonOf(expectExit(await world.prj(["wait", "ask:q", "--until", "waiting", "--timeout", "20", "--json"]), 0));
    expect(waited).toMatchObject({ target: "ask:q", reached: true, state: "waiting" });
    expect(waited.message).toMatch(/blocked reading the terminal/);
    // The busy pane is not ready: nothing is typed, and the time runs out.
    const refused = expectExit(await world.prj(["send", "ask:busy", "hello", "--timeout", "1"]), 124);
    expect(refused.stderr).toMatch(/sleep is running/);
    expectExit(await world.prj(["send", "ask:q", "y tok-s3cret-value", "--enter"]), 0);
    const done = jsonOf(expectExit(await world.prj(["wait", "ask:q", "--until", "done,failed", "--timeout", "10", "--json"]), 0));
    expect(done).toMatchObject({ state: "done", reached: true });
    expect(await world.tmuxOut("capture-pane", "-p", "-t", "=ask:q")).toContain("answer=y tok-s3cret-value");
    // Recorded, with the session's secret value hidden.
    const sent = world.events("pane.sent");
    expect(sent).toHaveLength(1);
    expect(sent[0]!.metadata).toContain('"text":"y ***"');
    expect(sent[0]!.metadata).not.toContain("s3cret");
    // The session as a whole: still working (the busy pane), so waiting for idle times out.
    const timedOut = expectExit(await world.prj(["wait", "ask", "--until", "idle", "--timeout", "1"]), 124);
    expect(timedOut.stderr).toMatch(/timed out after .* waiting for ask to be idle: it is working/);
    expectExit(await world.prj(["wait", "nosuch", "--until", "idle"]), 2);
  });

  test("send never types into a shell still starting: a start-up file that reads the terminal does not get the text", async () => {
    const world = await newWorld();
    const home = tempDir("home-");
    writeFileSync(join(home, ".bashrc"), 'read -r -t 3 early; echo "rc read [$early]" >> "$HOME/rc.log"\n');
    writeFileSync(join(home, ".bash_profile"), '. "$HOME/.bashrc"\n');
    world.writeProjectConfig("defaults:\n  shell: /bin/bash\n");
    command(world, "plain", { sh: undefined });
    const marker = join(tempDir("marker-"), "typed");
    expectExit(await world.prj(["run", "plain"], { env: { HOME: home, SHELL: "/bin/bash" } }), 0);
    const sent = expectExit(await world.prj(["send", "plain", `echo typed > ${marker}`, "--enter", "--timeout", "15"], { env: { HOME: home } }), 0);
    expect(sent.stdout).toMatch(/bash waits at its prompt/);
    await waitFor(() => existsSync(marker), { what: "the typed command to run" });
    expect(readFileSync(join(home, "rc.log"), "utf8")).toBe("rc read []\n");
  });

  test("--all sends to every session of the project that is ready", async () => {
    const world = await newWorld();
    const marker = tempDir("markers-");
    command(world, "a", { sh: undefined });
    command(world, "b", { sh: undefined });
    expectExit(await world.prj(["run", "a"]), 0);
    expectExit(await world.prj(["run", "b"]), 0);
    const result = jsonOf(expectExit(await world.prj(["send", "--all", `touch ${marker}/$PRJ_SESSION_NAME`, "--enter", "--json"]), 0));
    expect(result.map((outcome: { target: string; sent: boolean }) => [outcome.target, outcome.sent]).sort()).toEqual([["a", true], ["b", true]]);
    await waitFor(() => readdirSync(marker).length === 2, { what: "both sessions to run the text" });
  });
});

describe.skipIf(!linux)("states recorded and shown", () => {
  test("on_state steps run from the record with PRJ_PANE, PRJ_STATE and PRJ_STATE_MESSAGE; list-sessions, status and the status line show the states", async () => {
    const world = await newWorld();
    const log = join(tempDir("hooks-"), "hooks.log");
    command(
      world,
      "hooks",
      // A message is a program's text: quotes, and a `;` that would end a tmux command in an argv.
      { asks: "prj mark waiting --message 'approve \"the plan\";'; sleep 60", crashes: "exit 4" },
      [
        "  on_state:",
        "    waiting:",
        `      - run: 'echo "waiting $PRJ_PANE $PRJ_STATE [$PRJ_STATE_MESSAGE] $PRJ_SESSION_NAME" >> ${log}'`,
        "    failed:",
        `      - run: 'echo "failed $PRJ_STATE_STATUS" >> ${log}'`,
      ],
    );
    expectExit(await world.prj(["run", "hooks"], { env: { PATH: `${binWithPrj()}:${process.env.PATH}` } }), 0);
    // The command file is gone: the watcher runs the steps from the session's record.
    world.writeCommand("hooks", "name: hooks\n");
    await waitFor(() => existsSync(log) && readFileSync(log, "utf8").split("\n").filter(Boolean).length >= 2, { what: "both steps to run" });
    const asks = (await world.display("=hooks:asks", "#{pane_id}")).trim();
    const lines = readFileSync(log, "utf8").split("\n").filter(Boolean).sort();
    expect(lines).toEqual(["failed 4", `waiting ${asks} waiting [approve "the plan";] hooks`]);
    expect(world.events("session.on_state").map((event) => event.status)).toEqual(["succeeded", "succeeded"]);

    const listed = jsonOf(expectExit(await world.prj(["list-sessions", "--json"]), 0));
    expect(listed[0]).toMatchObject({ name: "hooks", state: "waiting" });
    expect(Date.parse(listed[0].state_since)).toBeLessThanOrEqual(Date.now());
    expect(listed[0].last_output_at).toBeDefined();
    expect(expectExit(await world.prj(["status"]), 0).stdout).toMatch(/hooks\s+waiting \d+s/);
    const server = (await world.tmuxOut("display-message", "-p", "#{pid}")).trim();
    const inside = { TMUX: `${world.socketPath()},${server},0`, PRJ_TMUX_SOCKET: undefined };
    expect(expectExit(await world.prj(["status", "--format", "tmux"], { env: inside }), 0).stdout).toBe("1 waiting\n");
    // And the record: each pane's changes with evidence, the session's own.
    const changes = world.query<{ pane_id: string | null; state: string; exit_status: number | null; evidence: string | null }>(
      "SELECT pane_id, state, exit_status, evidence FROM state_changes ORDER BY id",
    );
    const failed = changes.find((change) => change.state === "failed")!;
    expect(failed.exit_status).toBe(4);
    expect(JSON.parse(failed.evidence!)).toMatchObject({ linux: true, exit_status: 4 });
    expect(changes.some((change) => change.pane_id === null && change.state === "waiting")).toBe(true);
  });

  test("stats sessions and analyze session-usage report time waiting for you per session, task and worktree", async () => {
    const world = await newWorld();
    command(world, "waits", { asks: "read -r answer" });
    expectExit(await world.prj(["run", "waits"]), 0);
    await waitFor(async () => (await paneState(world, "=waits:asks")) === "waiting", { what: "the pane to wait" });
    const since = Number((await world.display("=waits:asks", "#{@prj_pane_state}")).split(" ")[1]);
    await waitFor(() => Date.now() - since >= 1000, { what: "a second of waiting" });
    expectExit(await world.prj(["kill-session", "waits"]), 0);
    const stats = jsonOf(expectExit(await world.prj(["stats", "sessions", "--json"]), 0));
    expect(stats.attention.sessions_tracked).toBe(1);
    expect(stats.attention.by_session[0]).toMatchObject({ session: "waits", task: "dev", worktree: "main" });
    expect(stats.attention.by_session[0].waiting_seconds).toBeGreaterThanOrEqual(1);
    expect(stats.attention.by_task[0]).toMatchObject({ task: "dev" });
    const usage = jsonOf(expectExit(await world.prj(["analyze", "session-usage", "--timeframe", "1d", "--json"]), 0));
    expect(usage.attention.total.waiting_seconds).toBeGreaterThanOrEqual(1);
    expect(expectExit(await world.prj(["stats", "sessions"]), 0).stdout).toMatch(/waiting for you \d+s/);
  });
});
