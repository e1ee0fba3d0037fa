// End-to-end tests of session creation with real tmux: the compiled binary runs
// `prj run` against a private server per test (PRJ_TMUX_SOCKET), in a temp git
// repository initialised with `prj init`. SPEC §5 (names) and §6 (sessions).
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PrivateTmux, run, tempDir, waitFor } from "../helpers/world.ts";
import { missing } from "../helpers/tools.ts";
import { expectExit, jsonOf, prjBinary, World, worlds } from "./support.ts";

const DEV = "myproject-main-dev";
// Shells with slow start-up files and strace take seconds; each test still bounds its own waits.
setDefaultTimeout(30_000);
const newWorld = worlds();

interface WindowView {
  id: string;
  name: string;
  panes: number;
  active: boolean;
  size: string;
}

async function windowsOf(world: World, session: string): Promise<WindowView[]> {
  const out = await world.tmuxOut(
    "list-windows", "-t", `=${session}:`, "-F", "#{window_id}\t#{window_name}\t#{window_panes}\t#{window_active}\t#{window_width}x#{window_height}",
  );
  return out.split("\n").map((line) => {
    const [id, name, panes, active, size] = line.split("\t");
    return { id: id!, name: name!, panes: Number(panes), active: active === "1", size: size! };
  });
}

describe("prj run start-dev", () => {
  test("creates the four-window session, tags it, records it, and reuses it on the second run", async () => {
    const world = await newWorld();
    const first = jsonOf(expectExit(await world.prj(["run", "start-dev", "--json"]), 0));
    expect(first).toMatchObject({ status: "succeeded", session: { name: DEV, created: true } });
    expect(Number.isInteger(first.event_id)).toBe(true);

    const windows = await windowsOf(world, DEV);
    expect(windows.map((window) => window.name)).toEqual(["editor", "server", "tests", "shell"]);
    expect(windows.map((window) => window.panes)).toEqual([1, 1, 2, 1]);
    // Focus is on the editor window, and only there.
    expect(windows.filter((window) => window.active).map((window) => window.name)).toEqual(["editor"]);
    expect(await world.display(`=${DEV}:`, "#{window_name}")).toBe("editor");
    // Created without a terminal: tmux's default size.
    expect(windows.map((window) => window.size)).toEqual(["80x24", "80x24", "80x24", "80x24"]);

    // tmux does not remember a layout's name; re-applying main-vertical must change nothing.
    const tests = windows.find((window) => window.name === "tests")!;
    const layout = await world.display(tests.id, "#{window_layout}");
    await world.tmux.ok("select-layout", "-t", tests.id, "main-vertical");
    expect(await world.display(tests.id, "#{window_layout}")).toBe(layout);
    await world.tmux.ok("select-layout", "-t", tests.id, "even-vertical");
    expect(await world.display(tests.id, "#{window_layout}")).not.toBe(layout);

    expect(await world.option(DEV, "@prj_project")).toBe(world.root);
    expect(await world.option(DEV, "@prj_worktree")).toBe("main");
    expect(await world.option(DEV, "@prj_task")).toBe("dev");
    expect(await world.option(DEV, "@prj_command")).toBe("start-dev");

    const rows = world.sessionRows(DEV);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ project_path: world.root, worktree: "main", task: "dev", command: "start-dev", ended_at: null, socket: world.socket });

    const id = await world.sessionId(DEV);
    const second = jsonOf(expectExit(await world.prj(["run", "start-dev", "--json"]), 0));
    expect(second).toMatchObject({ status: "succeeded", session: { name: DEV, created: false } });
    expect(second.event_id).toBeGreaterThan(first.event_id);
    expect(await world.tmux.sessionNames()).toEqual([DEV]);
    expect(await world.sessionId(DEV)).toBe(id);
    expect(world.sessionRows(DEV).filter((row) => row.ended_at === null)).toHaveLength(1);
  });

  test("windows of many panes fit in tmux's 80x24, with and without a layout", async () => {
    const world = await newWorld();
    const panes = (count: number) => `[${Array.from({ length: count }, (_, index) => `"echo ${index}"`).join(", ")}]`;
    world.writeCommand(
      "grid",
      [
        "name: grid",
        "session:",
        '  name_template: "grid"',
        "  windows:",
        `    - { name: six, panes: ${panes(6)} }`,
        `    - { name: six-main, layout: main-horizontal, panes: ${panes(6)} }`,
        `    - { name: three, layout: even-vertical, panes: ${panes(3)} }`,
        `    - { name: three-tiled, panes: ${panes(3)} }`,
        "",
      ].join("\n"),
    );
    expectExit(await world.prj(["run", "grid"]), 0);
    const windows = await windowsOf(world, "grid");
    expect(windows.map((window) => [window.name, window.panes, window.size])).toEqual([
      ["six", 6, "80x24"],
      ["six-main", 6, "80x24"],
      ["three", 3, "80x24"],
      ["three-tiled", 3, "80x24"],
    ]);
    // Without a layout of its own a window ends up tiled, however it was split.
    const tiled = windows.find((window) => window.name === "three-tiled")!;
    const layout = await world.display(tiled.id, "#{window_layout}");
    await world.tmux.ok("select-layout", "-t", tiled.id, "tiled");
    expect(await world.display(tiled.id, "#{window_layout}")).toBe(layout);
  });

  test.skipIf(missing("script"))("takes the size of the terminal it is run from", async () => {
    const world = await newWorld();
    const inner = `stty cols 132 rows 43; exec '${prjBinary}' run start-dev`;
    const result = await run(["script", "-q", "-e", "-c", inner, "/dev/null"], { cwd: world.root, env: world.env() });
    expectExit(result, 0);
    const windows = await windowsOf(world, DEV);
    expect(windows.map((window) => window.size)).toEqual(["132x43", "132x43", "132x43", "132x43"]);
  });
});

describe("one tmux client, secrets off the command lines", () => {
  test.skipIf(missing("strace"))("creating a session execs tmux at most twice and never puts an environment value in an argv", async () => {
    const world = await newWorld();
    world.writeCommand(
      "secrets",
      [
        "name: secrets",
        "environment:",
        '  API_TOKEN: "tok-VALUE-123"',
        '  PLAIN_VALUE: "plain-VALUE-456"',
        "session:",
        '  name_template: "secrets"',
        "  windows:",
        '    - { name: one, command: "echo one" }',
        '    - { name: two, command: "echo two" }',
        "    - name: three",
        '      panes: ["echo a", "echo b"]',
        "",
      ].join("\n"),
    );
    // Caches the tmux version in XDG_CACHE_HOME, so the traced run does not ask `tmux -V`.
    expectExit(await world.prj(["list-sessions"]), 0);

    const traceFile = join(tempDir("strace-"), "trace.txt");
    const env = { ...process.env, ...world.env() } as Record<string, string>;
    const tracer = Bun.spawn(["strace", "-I", "1", "-f", "-e", "trace=execve", "-s", "4096", "-o", traceFile, prjBinary, "run", "secrets", "--json"], {
      cwd: world.root,
      env,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const stdout = new Response(tracer.stdout).text();
    const stderr = new Response(tracer.stderr).text();
    const trace = () => (existsSync(traceFile) ? readFileSync(traceFile, "utf8") : "");
    try {
      // strace follows the tmux server prj starts, so it never ends by itself: wait
      // for prj to exit and for the four panes' commands to start, then detach it
      // (`-I 1` lets SIGTERM through; strace blocks it by default with -o).
      await waitFor(
        () => {
          const text = trace();
          const prjPid = new RegExp(`^(\\d+)\\s+execve\\("${prjBinary.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}"`, "m").exec(text)?.[1];
          return prjPid && new RegExp(`^${prjPid}\\s+\\+\\+\\+ exited with`, "m").test(text) && text.split('"prj-pane"').length - 1 >= 4;
        },
        { timeoutMs: 15_000, what: "prj to exit and the panes to start under strace" },
      );
    } finally {
      tracer.kill("SIGTERM");
      await tracer.exited;
    }
    const report = jsonOf({ exitCode: 0, stdout: await stdout, stderr: await stderr });
    expect(report).toMatchObject({ status: "succeeded", session: { name: "secrets", created: true } });

    const execLines = trace().split("\n").filter((line) => line.includes("execve("));
    const tmuxExecs = execLines.filter((line) => /^\d+\s+execve\("[^"]*\/tmux"/.test(line) && !/= -1 /.test(line));
    expect(tmuxExecs.some((line) => line.includes('"source-file"'))).toBe(true);
    expect(tmuxExecs.filter((line) => line.includes('"-V"'))).toEqual([]);
    expect(tmuxExecs.length).toBeLessThanOrEqual(2);
    // The name is free, so the batch goes first and alone: no list-sessions before it.
    expect(tmuxExecs).toHaveLength(1);
    for (const secret of ["tok-VALUE-123", "plain-VALUE-456"]) {
      expect(execLines.filter((line) => line.includes(secret))).toEqual([]);
    }
    // The trace did see the panes' argv, so a value there would have been caught. (With SHELL=/bin/sh the
    // command comes after the wrapper's trap line.)
    expect(execLines.some((line) => line.includes('echo two"') && line.includes('"prj-pane"'))).toBe(true);

    expect(await world.sessionEnv("secrets", "API_TOKEN")).toBe("tok-VALUE-123");
    expect(await world.sessionEnv("secrets", "PLAIN_VALUE")).toBe("plain-VALUE-456");
  });
});

describe("commands always arrive", () => {
  /** A home whose bash start-up files run `rc` and count each time they finish. */
  function bashHome(rc: string): string {
    const home = tempDir("home-");
    writeFileSync(join(home, ".bashrc"), `${rc}\necho done >> "$HOME/rc-count"\n`);
    writeFileSync(join(home, ".profile"), '. "$HOME/.bashrc"\n');
    return home;
  }

  const rcCount = (home: string) => (existsSync(join(home, "rc-count")) ? readFileSync(join(home, "rc-count"), "utf8").split("\n").filter(Boolean).length : 0);

  test("behind a slow shell start-up file, then the pane is an interactive shell in the same place", async () => {
    const world = await newWorld();
    const home = bashHome("sleep 2");
    const marker = join(tempDir("marker-"), "arrived");
    world.writeCommand(
      "slow",
      ["name: slow", "session:", '  name_template: "slow"', "  windows:", `    - { name: work, command: "echo arrived > ${marker}" }`, ""].join("\n"),
    );
    expectExit(await world.prj(["run", "slow"], { env: { HOME: home, SHELL: "/bin/bash" } }), 0);
    await waitFor(() => existsSync(marker), { timeoutMs: 15_000, what: "the command's marker" });
    expect(readFileSync(marker, "utf8")).toBe("arrived\n");

    // The login shell that follows runs the slow rc again; wait until it has finished.
    await waitFor(() => rcCount(home) >= 2, { timeoutMs: 15_000, what: "the interactive shell's start-up files" });
    const [pane] = await world.panes("slow");
    await waitFor(async () => (await world.panes("slow"))[0]?.command === "bash", { what: "bash in the pane" });
    const marker2 = join(tempDir("marker-"), "shell");
    await world.tmux.ok("send-keys", "-t", pane!.id, `echo $$ $PWD > ${marker2}`, "Enter");
    await waitFor(() => existsSync(marker2) && readFileSync(marker2, "utf8").endsWith("\n"), { what: "the typed command's marker" });
    // $$ is the pane's own process: the wrapper exec'd the shell in place.
    expect(readFileSync(marker2, "utf8")).toBe(`${pane!.pid} ${world.root}\n`);
  });

  test("when the shell start-up file reads from the terminal", async () => {
    const world = await newWorld();
    const home = bashHome("read -t 3 x");
    const marker = join(tempDir("marker-"), "arrived");
    world.writeCommand(
      "reader",
      ["name: reader", "session:", '  name_template: "reader"', "  windows:", `    - { name: work, command: 'echo "arrived $PRJ_SESSION_NAME" > ${marker}' }`, ""].join("\n"),
    );
    expectExit(await world.prj(["run", "reader"], { env: { HOME: home, SHELL: "/bin/bash" } }), 0);
    await waitFor(() => existsSync(marker) && readFileSync(marker, "utf8").endsWith("\n"), { timeoutMs: 15_000, what: "the command's marker" });
    expect(readFileSync(marker, "utf8")).toBe("arrived reader\n");
  });

  /** The children of a process, as ps lists them (on Linux and macOS alike). */
  async function childrenOf(pid: number): Promise<number[]> {
    const listed = expectExit(await run(["ps", "-A", "-o", "pid=,ppid="]), 0);
    return listed.stdout
      .split("\n")
      .map((line) => line.trim().split(/\s+/).map(Number))
      .filter(([, parent]) => parent === pid)
      .map(([child]) => child!);
  }

  test.each(["/bin/sh", "/bin/bash"])("Ctrl-C stops the command and leaves exactly one interactive shell (%s)", async (shell) => {
    const world = await newWorld();
    const name = shell.slice(shell.lastIndexOf("/") + 1);
    world.writeCommand(
      "sleeper",
      ["name: sleeper", "session:", '  name_template: "sleeper"', "  windows:", '    - { name: work, command: "sleep 300; echo after" }', ""].join("\n"),
    );
    expectExit(await world.prj(["run", "sleeper"], { env: { SHELL: shell } }), 0);
    const [before] = await waitFor(async () => {
      const panes = await world.panes("sleeper");
      return panes[0]?.command === "sleep" ? panes : undefined;
    }, { what: "sleep in the pane" });
    await world.tmux.ok("send-keys", "-t", before!.id, "C-c");
    const [after] = await waitFor(async () => {
      const panes = await world.panes("sleeper");
      return panes[0]?.command === name ? panes : undefined;
    }, { what: "the shell back in the pane" });
    expect(after).toMatchObject({ id: before!.id, pid: before!.pid, dead: false, path: world.root });

    const marker = join(tempDir("marker-"), "shell");
    await world.tmux.ok("send-keys", "-t", after!.id, `echo $$ > ${marker}`, "Enter");
    await waitFor(() => existsSync(marker) && readFileSync(marker, "utf8").endsWith("\n"), { what: "the typed command's marker" });
    // The shell that answers is the pane's own process (the wrapper exec'd it), with no second shell under it.
    expect(Number(readFileSync(marker, "utf8").trim())).toBe(before!.pid);
    expect(await childrenOf(before!.pid)).toEqual([]);
    // So one `exit` closes the pane, and with it the session.
    await world.tmux.ok("send-keys", "-t", after!.id, "exit", "Enter");
    await waitFor(async () => (await world.tmux.sessionNames()).length === 0, { what: "the session to end with its only shell" });
  });
});

describe("defaults.shell", () => {
  test("set in a config file, plain panes start it as a login shell too", async () => {
    const world = await newWorld();
    world.writeProjectConfig("defaults:\n  shell: /bin/bash\n");
    world.writeCommand(
      "plain",
      ["name: plain", "session:", '  name_template: "plain"', "  windows:", "    - name: shell", '    - { name: split, panes: [{}, "sleep 300"] }', ""].join("\n"),
    );
    // $SHELL (and so tmux's default-shell) is /bin/sh here; only the config names bash.
    expectExit(await world.prj(["run", "plain"], { env: { SHELL: "/bin/sh" } }), 0);
    const panes = await waitFor(async () => {
      const all = await world.panes("plain");
      return all.length === 3 && all.every((pane) => pane.command !== "sh") ? all : undefined;
    }, { what: "the panes' programs to start" });
    expect(panes.map((pane) => [pane.window, pane.command])).toEqual([["shell", "bash"], ["split", "bash"], ["split", "sleep"]]);
    expect(await world.display(panes[0]!.id, "#{pane_start_command}")).toBe("/bin/bash -l");
  });
});

describe("session names", () => {
  test("a foreign session with the name pushes prj to -2, stays untouched, and -2 is reused", async () => {
    const world = await newWorld();
    await world.tmux.ok("new-session", "-d", "-s", DEV);
    const foreignId = await world.sessionId(DEV);

    const first = jsonOf(expectExit(await world.prj(["run", "start-dev", "--json"]), 0));
    expect(first.session).toEqual({ name: `${DEV}-2`, created: true });
    expect(await world.option(`${DEV}-2`, "@prj_project")).toBe(world.root);

    const second = jsonOf(expectExit(await world.prj(["run", "start-dev", "--json"]), 0));
    expect(second.session).toEqual({ name: `${DEV}-2`, created: false });

    expect((await world.tmux.sessionNames()).sort()).toEqual([DEV, `${DEV}-2`]);
    expect(await world.sessionId(DEV)).toBe(foreignId);
    expect(await world.display(`=${DEV}:`, "#{session_windows}|#{@prj_project}|#{@prj_task}")).toBe("1||");
  });

  test("two runs racing for the same identity make one session", async () => {
    const world = await newWorld();
    const results = await Promise.all([world.prj(["run", "start-dev", "--json"]), world.prj(["run", "start-dev", "--json"])]);
    const reports = results.map((result) => jsonOf(expectExit(result, 0)));
    expect(reports.map((report) => report.session.name)).toEqual([DEV, DEV]);
    expect(reports.map((report) => report.session.created).sort()).toEqual([false, true]);
    expect(await world.tmux.sessionNames()).toEqual([DEV]);
    expect(world.sessionRows(DEV).filter((row) => row.ended_at === null)).toHaveLength(1);
  });
});

describe("session contents", () => {
  test("sessions.tmux_config is sourced into the new session", async () => {
    const world = await newWorld();
    world.writeFile("conf/session.tmux.conf", "set -g @prj_test_marker yes\n");
    world.writeProjectConfig("sessions:\n  tmux_config: conf/session.tmux.conf\n");
    expectExit(await world.prj(["run", "start-dev"]), 0);
    expect(await world.tmuxOut("show-options", "-gv", "@prj_test_marker")).toBe("yes");
  });

  test("window names and environment values with shell and tmux metacharacters stay literal", async () => {
    const world = await newWorld();
    const dir = tempDir("meta-");
    const pwned = [1, 2, 3, 4].map((n) => join(dir, `pwned-${n}`));
    const out = join(dir, "value");
    // tmux itself escapes newlines in window names (as `\n`), so only the environment value carries one.
    const windowName = `semi;colon $(touch ${pwned[0]}) \`touch ${pwned[1]}\` 'single' "double" #{session_name} back\\slash`;
    const value = `a;b $(touch ${pwned[2]}) \`touch ${pwned[3]}\` 'q' "dq" #{session_name} line1\nline2 back\\slash \${HOME} %`;
    world.writeCommand(
      "meta",
      [
        "name: meta",
        "session:",
        '  name_template: "meta"',
        "  additional_env:",
        `    WEIRD: ${JSON.stringify(value)}`,
        "  windows:",
        `    - name: ${JSON.stringify(windowName)}`,
        `      command: ${JSON.stringify(`printf '%s' "$WEIRD" > ${out}`)}`,
        "    - name: plain",
        "",
      ].join("\n"),
    );
    expectExit(await world.prj(["run", "meta"]), 0);
    expect((await world.tmuxOut("list-windows", "-t", "=meta:", "-F", "#{window_name}")).split("\n")).toEqual([windowName, "plain"]);
    expect(await world.sessionEnv("meta", "WEIRD")).toBe(value);
    // The pane's shell sees the same bytes.
    await waitFor(() => existsSync(out) && readFileSync(out, "utf8").length > 0, { what: "the pane to write the value" });
    expect(readFileSync(out, "utf8")).toBe(value);
    for (const path of pwned) expect(existsSync(path)).toBe(false);
  });
});
