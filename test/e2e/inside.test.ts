// prj driven from where users run it: inside a pane of a session it made,
// with a real client attached (a pty: an outer private tmux server's pane
// runs `tmux attach`), and with its terminal closing under it. Real tmux,
// real git, the compiled binary.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PrivateTmux, tempDir, waitFor } from "../helpers/world.ts";
import { expectExit, perTest, prjBinary, World } from "./support.ts";

const newProject = perTest(() => World.create("proj", { ignorePrj: true }));
const newOuter = perTest(() => new PrivateTmux("outer"));

/** A quiet shell so typed lines run at once, with the project's tmux server in its environment. */
function plainSession(p: World, name: string, extra: string[] = []): void {
  p.writeCommand(name, [`name: ${name}`, "session:", `  name_template: "${name}"`, `  task: ${name}`, "  windows: [{ name: sh }]", ...extra, ""].join("\n"));
}

/** Attaches a real client (a pty from the outer server) to `session` of the project's server. */
async function attachClient(p: World, session: string): Promise<PrivateTmux> {
  const outer = newOuter();
  const tmuxDir = process.env.TMUX_TMPDIR!;
  await outer.ok(
    "new-session", "-d", "-x", "120", "-y", "40", "-s", "terminal",
    `env -u TMUX TMUX_TMPDIR=${tmuxDir} tmux -L ${p.socket} attach-session -t =${session}:`,
  );
  await waitFor(async () => (await p.display(`=${session}:`, "#{session_attached}")) === "1", { what: "the client to attach" });
  return outer;
}

/** Types a command line into the session's first pane, as a user at that prompt would. */
async function typeInto(p: World, session: string, line: string, window = ""): Promise<void> {
  const target = `=${session}:${window}`;
  // The pane's shell must be at its prompt first: it is the pane's login shell once its start-up ends.
  await waitFor(async () => ["sh", "dash", "bash"].includes(await p.display(target, "#{pane_current_command}")), { what: "the pane's shell" });
  await p.tmux.ok("send-keys", "-t", target, "-l", line);
  await p.tmux.ok("send-keys", "-t", target, "Enter");
}

describe("from inside its own session, with a client attached", () => {
  test("cleanup-sessions kills every session, its own last, and records each end", async () => {
    const p = await newProject();
    for (const name of ["alpha", "beta", "gamma"]) plainSession(p, name);
    for (const name of ["alpha", "beta", "gamma"]) expectExit(await p.prj(["run", name]), 0);
    await attachClient(p, "beta");
    const out = join(tempDir("inside-"), "out.json");
    await typeInto(p, "beta", `cd ${p.root} && ${prjBinary} cleanup-sessions --yes --json > ${out} 2> ${out}.err`);
    await waitFor(async () => (await p.sessions()).length === 0, { what: "every session to go", timeoutMs: 15_000 });
    await waitFor(() => p.sessionRows().every((row) => row.ended_at !== null), { what: "every end recorded" });
    expect(p.sessionRows().map((row) => [row.name, row.end_reason])).toEqual([
      ["alpha", "cleanup"],
      ["beta", "cleanup"],
      ["gamma", "cleanup"],
    ]);
    // Its own session went last: the output written after the others were killed says so.
    await waitFor(() => existsSync(out) && readFileSync(out, "utf8").trim().endsWith("}"), { what: "the JSON result" });
    expect(JSON.parse(readFileSync(out, "utf8")).killed).toEqual(["alpha", "gamma", "beta"]);
    // The end of its own session is recorded once.
    expect(p.events("cleanup").filter((event) => event.session_name === "beta")).toHaveLength(1);
  });

  test("kill-session of the session it sits in finishes: cleanup step, kill, record", async () => {
    const p = await newProject();
    const marker = join(tempDir("inside-"), "cleanup-ran");
    plainSession(p, "self", ["  cleanup_steps: [{ name: note, run: 'echo done > " + marker + "' }]"]);
    plainSession(p, "other");
    expectExit(await p.prj(["run", "self"]), 0);
    expectExit(await p.prj(["run", "other"]), 0);
    await attachClient(p, "self");
    await typeInto(p, "self", `cd ${p.root} && ${prjBinary} kill-session self`);
    await waitFor(async () => (await p.sessions()).join() === "other", { what: "the session to go", timeoutMs: 15_000 });
    await waitFor(() => p.sessionRows("self")[0]?.ended_at !== null, { what: "its end recorded" });
    expect(p.sessionRows("self")[0]!.end_reason).toBe("killed");
    expect(readFileSync(marker, "utf8")).toBe("done\n");
    expect(p.events("session.killed").filter((event) => event.session_name === "self" && event.status === "succeeded")).toHaveLength(1);
    // The attached client was moved to the other session rather than dropped.
    expect(await p.display("=other:", "#{session_attached}")).toBe("1");
  });

  test("worktree remove of the worktree whose session it sits in removes the worktree too", async () => {
    const p = await newProject();
    expectExit(await p.prj(["run", "feature-branch", "branch=inner"]), 0);
    await attachClient(p, "proj-inner-dev");
    const path = p.worktreePath("inner");
    // The editor window runs the editor; the server window has a shell at its prompt.
    await typeInto(p, "proj-inner-dev", `cd ${p.root} && ${prjBinary} worktree remove inner > ${path}.out 2>&1`, "server");
    await waitFor(async () => !(await p.worktrees()).includes(path), { what: "the worktree to go", timeoutMs: 15_000 });
    await waitFor(async () => (await p.sessions()).length === 0, { what: "the session to go" });
    await waitFor(() => p.sessionRows("proj-inner-dev")[0]?.ended_at !== null, { what: "its end recorded" });
    expect(p.events("worktree.removed")).toHaveLength(1);
  }, 30_000);
});

describe("the terminal closing during a run", () => {
  test("a hang-up rolls back exactly as Ctrl-C does", async () => {
    const p = await newProject();
    const started = join(tempDir("hup-"), "started");
    p.writeCommand(
      "slow",
      [
        "name: slow",
        "arguments: [{ name: branch, required: true }]",
        'worktree: { branch: "{{branch}}" }',
        "session: { windows: [{ name: w }] }",
        `steps: [{ name: wait, run: 'touch ${started}; sleep 30' }]`,
        "",
      ].join("\n"),
    );
    const outer = newOuter();
    await outer.ok(
      "new-session", "-d", "-s", "terminal", "-c", p.root,
      `env -u TMUX PRJ_TMUX_SOCKET=${p.socket} TMUX_TMPDIR=${process.env.TMUX_TMPDIR} ${prjBinary} run slow branch=hup`,
    );
    await waitFor(() => existsSync(started), { what: "the step to start", timeoutMs: 15_000 });
    expect(await p.sessions()).toEqual(["proj-hup-dev"]);
    // The tab closes: the terminal hangs up on prj.
    await outer.ok("kill-server");
    await waitFor(() => p.lastRun().status !== "running", { what: "the run to end", timeoutMs: 15_000 });
    expect(p.lastRun().status).toBe("cancelled");
    await waitFor(async () => (await p.sessions()).length === 0, { what: "the session rolled back" });
    expect(await p.worktrees()).toEqual([p.root]);
    expect(await p.branches()).toEqual(["main"]);
  });
});
