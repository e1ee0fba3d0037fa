// End-to-end tests of the registry of projects and the views across them
// (SPEC §12): two projects, each on its own tmux server, in one test HOME.
import { Database } from "bun:sqlite";
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { expectExit, jsonOf, worlds, type World } from "./support.ts";

setDefaultTimeout(40_000);
const newWorld = worlds();

/** A command of one session named `session`, with one window. */
function command(world: World, name: string, session: string): void {
  world.writeCommand(name, [`name: ${name}`, "session:", `  name_template: "${session}"`, "  windows:", "    - { name: main }", ""].join("\n"));
}

/** Two projects, alpha and beta, on two servers, sharing alpha's data home (the registry). */
async function twoProjects(): Promise<{ alpha: World; beta: World; shared: { XDG_DATA_HOME: string } }> {
  const alpha = await newWorld("alpha");
  const beta = await newWorld("beta");
  const shared = { XDG_DATA_HOME: alpha.dataHome };
  // beta's init wrote to its own data home: initialising again (nothing changes) registers it in the shared one.
  expectExit(await beta.prj(["init"], { env: shared }), 0);
  command(alpha, "one", "alpha-one");
  command(beta, "two", "beta-two");
  expectExit(await alpha.prj(["run", "one"]), 0);
  expectExit(await beta.prj(["run", "two"], { env: shared }), 0);
  return { alpha, beta, shared };
}

function registryRows(dataHome: string): { path: string; name: string; last_used_at: string }[] {
  const db = new Database(join(dataHome, "prunejuice", "projects.db"), { readonly: true });
  try {
    return db.query<{ path: string; name: string; last_used_at: string }, []>("SELECT path, name, last_used_at FROM projects ORDER BY path").all();
  } finally {
    db.close();
  }
}

describe("the registry of projects", () => {
  test("init and run record each project once, with its name; a run within a minute of the last writes nothing", async () => {
    const { alpha, beta, shared } = await twoProjects();
    const rows = registryRows(shared.XDG_DATA_HOME);
    expect(rows.map((row) => row.path).sort()).toEqual([alpha.root, beta.root].sort());
    expect(rows.map((row) => row.name).sort()).toEqual(["alpha", "beta"]);
    const before = rows.find((row) => row.path === alpha.root)!.last_used_at;
    expectExit(await alpha.prj(["run", "one"]), 0); // reuses the session
    expect(registryRows(shared.XDG_DATA_HOME).find((row) => row.path === alpha.root)!.last_used_at).toBe(before);
  });

  test("prj projects lists them with their live sessions; forget removes one; a project whose directory is gone drops out", async () => {
    const { alpha, beta, shared } = await twoProjects();
    const listed = jsonOf<{ name: string; path: string; live_sessions: number }[]>(expectExit(await alpha.prj(["projects", "--json"]), 0));
    expect(listed.map((p) => [p.name, p.path, p.live_sessions]).sort()).toEqual([
      ["alpha", alpha.root, 1],
      ["beta", beta.root, 1],
    ]);
    const text = expectExit(await alpha.prj(["projects"]), 0).stdout;
    expect(text).toContain(alpha.root);
    expect(text).toContain(beta.root);

    expectExit(await alpha.prj(["projects", "forget", beta.root]), 0);
    expect(jsonOf<{ path: string }[]>(await alpha.prj(["projects", "--json"])).map((p) => p.path)).toEqual([alpha.root]);
    const again = await alpha.prj(["projects", "forget", beta.root]);
    expectExit(again, 2);
    expect(again.stderr).toContain("not in the project registry");

    expectExit(await beta.prj(["run", "two"], { env: shared }), 0);
    rmSync(join(beta.root, ".prj"), { recursive: true, force: true });
    expect(jsonOf<{ path: string }[]>(await alpha.prj(["projects", "--json"])).map((p) => p.path)).toEqual([alpha.root]);
    expect(registryRows(shared.XDG_DATA_HOME).map((row) => row.path)).toEqual([alpha.root]);
  });
});

describe("--all-projects", () => {
  test("list-sessions shows the sessions of both projects, on both servers, with project, worktree, state, idle time and attached", async () => {
    const { alpha, beta } = await twoProjects();
    const sessions = jsonOf<{ name: string; project: string; project_name: string; worktree: string; idle_seconds: number; attached: boolean; state: unknown }[]>(
      expectExit(await alpha.prj(["list-sessions", "--all-projects", "--json"]), 0),
    );
    expect(sessions.map((s) => [s.project_name, s.name, s.project]).sort()).toEqual([
      ["alpha", "alpha-one", alpha.root],
      ["beta", "beta-two", beta.root],
    ]);
    for (const session of sessions) {
      expect(session.worktree).toBe("main");
      expect(session.attached).toBe(false);
      expect(session.idle_seconds).toBeGreaterThanOrEqual(0);
      expect(session).toHaveProperty("state");
    }
    const text = expectExit(await beta.prj(["list-sessions", "--all-projects"], { cwd: "/", env: { XDG_DATA_HOME: alpha.dataHome } }), 0).stdout;
    expect(text).toMatch(/PROJECT\s+NAME\s+WORKTREE\s+STATE\s+IDLE\s+ATTACHED/);
    expect(text).toContain("alpha-one");
    expect(text).toContain("beta-two");
  });

  test("status groups the live sessions by project, and works outside any project", async () => {
    const { alpha, beta } = await twoProjects();
    const doc = jsonOf<{ projects: { name: string; path: string; sessions: { name: string }[] }[] }>(
      expectExit(await alpha.prj(["status", "--all-projects", "--json"], { cwd: "/" }), 0),
    );
    const byName = Object.fromEntries(doc.projects.map((p) => [p.name, p]));
    expect(byName.alpha!.path).toBe(alpha.root);
    expect(byName.alpha!.sessions.map((s) => s.name)).toEqual(["alpha-one"]);
    expect(byName.beta!.path).toBe(beta.root);
    expect(byName.beta!.sessions.map((s) => s.name)).toEqual(["beta-two"]);
    const text = expectExit(await alpha.prj(["status", "--all-projects"]), 0).stdout;
    expect(text).toContain(`alpha  ${alpha.root}  (1 live)`);
    expect(text).toContain("beta-two");
  });
});
