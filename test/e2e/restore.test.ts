// End-to-end tests of `prj restore` (SPEC §12): sessions live when their tmux
// server went away come back through the run path, with their names,
// worktrees, ports and commands; what the user ended does not.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../helpers/world.ts";
import { expectExit, jsonOf, worlds, type World } from "./support.ts";

function readEndsFile(world: World): string {
  try {
    return readFileSync(join(world.dataHome, "prunejuice", "session-ends.tsv"), "utf8");
  } catch {
    return "";
  }
}

setDefaultTimeout(60_000);
const newWorld = worlds();

interface Outcome {
  name: string;
  action: string;
  command: string | null;
  arguments: Record<string, string>;
  worktree_path: string | null;
  port: number | null;
  reason?: string;
}

function commands(world: World): void {
  world.writeCommand(
    "feat",
    ["name: feat", "arguments: [{ name: branch, required: true }]", "worktree:", '  branch: "{{branch}}"', "session:", '  name_template: "feat-{{branch}}"', '  working_directory: "{{worktree_path}}"', "  windows:", "    - { name: main }", ""].join("\n"),
  );
  world.writeCommand("plain", ["name: plain", "session:", '  name_template: "plain"', "  windows:", "    - { name: main }", ""].join("\n"));
  world.writeCommand(
    "secret",
    ["name: secret", "arguments: [{ name: api_token, required: true }]", "session:", '  name_template: "secret"', "  windows:", "    - { name: main }", ""].join("\n"),
  );
}

/** The live row of each session name: command, arguments, worktree and port as recorded. */
function liveRecord(world: World, name: string): { command: string; arguments: Record<string, string>; worktreePath: string | null; port: number | null } | undefined {
  const db = world.openDatabase();
  try {
    const row = db.query<{ plan: string }, [string]>("SELECT plan FROM sessions WHERE name = ? AND ended_at IS NULL").get(name);
    if (!row) return undefined;
    const plan = JSON.parse(row.plan);
    return { command: plan.command, arguments: plan.arguments, worktreePath: plan.worktreePath, port: plan.port };
  } finally {
    db.close();
  }
}

async function killServer(world: World): Promise<void> {
  await world.tmux.tmux("kill-server");
  expect(await world.sessions()).toEqual([]);
  // A server that is still shutting down answers the next client with "server exited unexpectedly".
  await waitFor(async () => /no server running|error connecting/.test((await world.tmux.tmux("list-sessions")).stderr), { what: "the server to be gone" });
}

describe("prj restore", () => {
  test("after kill-server, the sessions come back with the same names, worktrees, ports and commands, each recorded as a restore; a secret argument without a terminal is skipped with the reason", async () => {
    const world = await newWorld();
    commands(world);
    expectExit(await world.prj(["run", "feat", "branch=one"]), 0);
    expectExit(await world.prj(["run", "plain"]), 0);
    expectExit(await world.prj(["run", "secret", "api_token=s3cr3t-value"]), 0);
    const before = { feat: liveRecord(world, "feat-one")!, plain: liveRecord(world, "plain")! };
    expect(before.feat.port).toBeGreaterThan(0);
    expect(before.feat.worktreePath).toContain("one");
    await killServer(world);

    const dry = jsonOf<Outcome[]>(expectExit(await world.prj(["restore", "--dry-run", "--json"]), 0));
    expect(dry.map((o) => [o.name, o.action]).sort()).toEqual([
      ["feat-one", "would-restore"],
      ["plain", "would-restore"],
      ["secret", "skipped"],
    ]);
    expect(await world.sessions()).toEqual([]);

    const outcomes = jsonOf<Outcome[]>(expectExit(await world.prj(["restore", "--json"]), 0));
    const byName = Object.fromEntries(outcomes.map((o) => [o.name, o]));
    expect(byName["feat-one"]!.action).toBe("restored");
    expect(byName["feat-one"]!.reason).toBeUndefined();
    expect(byName.plain!.action).toBe("restored");
    expect(byName.secret!.action).toBe("skipped");
    expect(byName.secret!.reason).toContain("PRJ_RESTORE_API_TOKEN");
    expect(byName.secret!.arguments).toEqual({ api_token: "***" });

    expect((await world.sessions()).sort()).toEqual(["feat-one", "plain"]);
    expect(liveRecord(world, "feat-one")).toEqual(before.feat);
    expect(liveRecord(world, "plain")).toEqual(before.plain);
    expect((await world.display("feat-one", "#{session_path}")).trim()).toBe(before.feat.worktreePath!);
    expect((await world.option("feat-one", "@prj_project")).trim()).toBe(world.root);
    const restored = world.events("session.restored");
    expect(restored.map((e) => e.session_name).sort()).toEqual(["feat-one", "plain"]);
    for (const event of restored) expect(JSON.parse(event.metadata!)).toMatchObject({ via: "run" });

    // Nothing left to restore but the skipped one; live sessions are left alone.
    const again = jsonOf<Outcome[]>(expectExit(await world.prj(["restore", "--json"]), 0));
    expect(again.map((o) => [o.name, o.action])).toEqual([["secret", "skipped"]]);
    expect(world.events("session.restored")).toHaveLength(2);

    // The secret from the environment restores it.
    const withSecret = jsonOf<Outcome[]>(expectExit(await world.prj(["restore", "--json"], { env: { PRJ_RESTORE_API_TOKEN: "s3cr3t-value" } }), 0));
    expect(withSecret.map((o) => [o.name, o.action])).toEqual([["secret", "restored"]]);
    expect(await world.sessions()).toContain("secret");
  });

  test("sessions the user ended (prj kill-session, tmux kill-session) are not restored", async () => {
    const world = await newWorld();
    commands(world);
    expectExit(await world.prj(["run", "plain"]), 0);
    expectExit(await world.prj(["run", "feat", "branch=two"]), 0);
    // Not the last session: killing the last one stops the server too, which restore cannot tell from kill-server.
    await world.tmux.ok("kill-session", "-t", "=feat-two");
    await waitFor(() => readEndsFile(world).includes("closed\t"), { what: "tmux's session-closed hook to write the end" });
    expectExit(await world.prj(["kill-session", "plain"]), 0);
    const text = expectExit(await world.prj(["restore"]), 0).stdout;
    expect(text).toContain("Nothing to restore");
    expect(await world.sessions()).toEqual([]);
  });

  test("a session brought back by tmux-resurrect (same name and directory, no prj tags) is re-tagged and recorded", async () => {
    const world = await newWorld();
    commands(world);
    expectExit(await world.prj(["run", "plain"]), 0);
    await killServer(world);
    // What tmux-resurrect does: the session by name, in its directory, without user options.
    await world.tmux.ok("new-session", "-d", "-s", "plain", "-c", world.root);
    const outcomes = jsonOf<Outcome[]>(expectExit(await world.prj(["restore", "--json"]), 0));
    expect(outcomes.map((o) => [o.name, o.action])).toEqual([["plain", "retagged"]]);
    expect((await world.option("plain", "@prj_project")).trim()).toBe(world.root);
    expect(liveRecord(world, "plain")?.command).toBe("plain");
    expect(JSON.parse(world.events("session.restored")[0]!.metadata!)).toMatchObject({ via: "tmux-resurrect" });
    const listed = jsonOf<{ name: string }[]>(await world.prj(["list-sessions", "--json"]));
    expect(listed.map((s) => s.name)).toEqual(["plain"]);
  });
});
