// End-to-end tests of port blocks across projects (SPEC §8): the registry in
// $XDG_DATA_HOME/prunejuice/ports.db that makes blocks unique on the machine,
// blocks where something already listens, blocks freed by every kind of
// removal, and prj processes of several projects choosing blocks at once.
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/world.ts";
import { expectExit, jsonOf, perTest, World, type Env } from "./support.ts";

const newProject = perTest((name: string) => World.create(name, { ignorePrj: true }));

interface Claim {
  port: number;
  worktree_path: string;
  project_path: string;
}

/** Projects on one machine: each has its own tmux server, and all share one data home (one registry). */
class Machine {
  readonly dataHome = tempDir("machine-");

  get registry(): string {
    return join(this.dataHome, "prunejuice", "ports.db");
  }

  env(extra: Env = {}): Env {
    return { XDG_DATA_HOME: this.dataHome, ...extra };
  }

  prj(project: World, args: string[], options: { cwd?: string } = {}) {
    return project.prj(args, { cwd: options.cwd, env: this.env() });
  }

  claims(): Claim[] {
    const db = new Database(this.registry, { readonly: true });
    try {
      return db.query("SELECT port, worktree_path, project_path FROM port_blocks ORDER BY port").all() as Claim[];
    } finally {
      db.close();
    }
  }
}

/** The port each live worktree of a project has, by path, as the project's database records it. */
function portsOf(project: World): Record<string, number> {
  const rows = project.query<{ path: string; port: number }>("SELECT path, port FROM worktrees WHERE removed_at IS NULL ORDER BY port");
  return Object.fromEntries(rows.map((row) => [row.path, row.port]));
}

/** Listens on 127.0.0.1:port in this process until the returned function is called. */
function listenOn(port: number): () => void {
  const listener = Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
  return () => listener.stop(true);
}

describe("port blocks are unique on the machine", () => {
  test("two projects' feature branches get different blocks, and the registry records whose they are", async () => {
    const machine = new Machine();
    const [a, b] = await Promise.all([newProject("alpha"), newProject("beta")]);
    expectExit(await machine.prj(a, ["run", "feature-branch", "branch=login"]), 0);
    expectExit(await machine.prj(b, ["run", "feature-branch", "branch=login"]), 0);

    expect(portsOf(a)).toEqual({ [a.root]: 3000, [a.worktreePath("login")]: 3010 });
    expect(portsOf(b)).toEqual({ [b.root]: 3020, [b.worktreePath("login")]: 3030 });
    expect(await a.sessionEnv("alpha-login-dev", "PRJ_PORT")).toBe("3010");
    expect(await b.sessionEnv("beta-login-dev", "PRJ_PORT")).toBe("3030");

    expect(machine.claims()).toEqual([
      { port: 3000, worktree_path: a.root, project_path: a.root },
      { port: 3010, worktree_path: a.worktreePath("login"), project_path: a.root },
      { port: 3020, worktree_path: b.root, project_path: b.root },
      { port: 3030, worktree_path: b.worktreePath("login"), project_path: b.root },
    ]);
    expect(statSync(machine.registry).mode & 0o777).toBe(0o600);

    // Runs that reuse their worktrees keep their blocks.
    expectExit(await machine.prj(a, ["run", "feature-branch", "branch=login"]), 0);
    expectExit(await machine.prj(b, ["run", "start-dev"]), 0);
    expect(portsOf(a)).toEqual({ [a.root]: 3000, [a.worktreePath("login")]: 3010 });
    expect(portsOf(b)).toEqual({ [b.root]: 3020, [b.worktreePath("login")]: 3030 });
  });

  test("projects with different port bases never get overlapping blocks", async () => {
    const machine = new Machine();
    const [a, b] = await Promise.all([newProject("alpha"), newProject("beta")]);
    b.writeProjectConfig("worktrees:\n  port_base: 3005\n");
    expectExit(await machine.prj(a, ["worktree", "create", "one"]), 0);
    expectExit(await machine.prj(b, ["worktree", "create", "one"]), 0);
    // alpha holds 3000-3009 and 3010-3019; beta's blocks start where no port of theirs is taken.
    expect(Object.values(portsOf(b))).toEqual([3025, 3035]);
  });

  test("a block where something listens is skipped for a new block, never for a worktree that has one", async () => {
    const machine = new Machine();
    const a = await newProject("alpha");
    expectExit(await machine.prj(a, ["run", "start-dev"]), 0);
    expect(portsOf(a)).toEqual({ [a.root]: 3000 });

    // A port in the middle of the next block: every port of a block counts.
    const stopMiddle = listenOn(3015);
    const stopMain = listenOn(3000);
    try {
      const planned = jsonOf(expectExit(await machine.prj(a, ["run", "feature-branch", "branch=one", "--dry-run", "--json"]), 0));
      expect(planned.session.environment.PRJ_PORT).toBe("3020");
      expectExit(await machine.prj(a, ["run", "feature-branch", "branch=one"]), 0);
      expect(portsOf(a)[a.worktreePath("one")]).toBe(3020);
      expect(await a.sessionEnv("alpha-one-dev", "PRJ_PORT")).toBe("3020");
      // The main checkout keeps its block though its own server (here, the listener) is on it.
      const again = jsonOf(expectExit(await machine.prj(a, ["run", "start-dev", "--dry-run", "--json"]), 0));
      expect(again.session.environment.PRJ_PORT).toBe("3000");
      expectExit(await machine.prj(a, ["run", "start-dev"]), 0);
      expect(portsOf(a)[a.root]).toBe(3000);
    } finally {
      stopMiddle();
      stopMain();
    }
    // Free again: the next new block is the lowest one.
    expectExit(await machine.prj(a, ["worktree", "create", "two"]), 0);
    expect(portsOf(a)[a.worktreePath("two")]).toBe(3010);
  });

  test("a dry run creates no registry and shows the block the run then gets", async () => {
    const machine = new Machine();
    const [a, b] = await Promise.all([newProject("alpha"), newProject("beta")]);
    const first = jsonOf(expectExit(await machine.prj(a, ["run", "feature-branch", "branch=x", "--dry-run", "--json"]), 0));
    expect(first.session.environment.PRJ_PORT).toBe("3010");
    expect(existsSync(join(machine.dataHome, "prunejuice"))).toBe(false);

    expectExit(await machine.prj(a, ["run", "feature-branch", "branch=x"]), 0);
    const before = readFileSync(machine.registry);
    const planned = jsonOf(expectExit(await machine.prj(b, ["run", "feature-branch", "branch=x", "--dry-run", "--json"]), 0));
    expect(planned.session.environment.PRJ_PORT).toBe("3030");
    expect(readFileSync(machine.registry).equals(before)).toBe(true);
    expectExit(await machine.prj(b, ["run", "feature-branch", "branch=x"]), 0);
    expect(portsOf(b)[b.worktreePath("x")]).toBe(3030);
  });
});

describe("removal frees the block for any project", () => {
  test("prj worktree remove", async () => {
    const machine = new Machine();
    const [a, b] = await Promise.all([newProject("alpha"), newProject("beta")]);
    expectExit(await machine.prj(a, ["worktree", "create", "one"]), 0);
    expectExit(await machine.prj(b, ["worktree", "create", "one"]), 0);
    expect(portsOf(b)[b.worktreePath("one")]).toBe(3030);

    expectExit(await machine.prj(a, ["worktree", "remove", "one"]), 0);
    expect(machine.claims().map((claim) => claim.port)).toEqual([3000, 3020, 3030]);
    expectExit(await machine.prj(b, ["worktree", "create", "two"]), 0);
    expect(portsOf(b)[b.worktreePath("two")]).toBe(3010);
  });

  test("a rolled-back run", async () => {
    const machine = new Machine();
    const [a, b] = await Promise.all([newProject("alpha"), newProject("beta")]);
    a.writeCommand("broken", "name: broken\nworktree: { branch: doomed }\nsteps: [{ name: boom, run: 'exit 4' }]\n");
    expectExit(await machine.prj(a, ["run", "broken"]), 1);
    expect(existsSync(a.worktreePath("doomed"))).toBe(false);
    expect(machine.claims().map((claim) => claim.worktree_path)).toEqual([a.root]);
    expectExit(await machine.prj(b, ["worktree", "create", "one"]), 0);
    expect(portsOf(b)).toEqual({ [b.root]: 3010, [b.worktreePath("one")]: 3020 });
  });

  test("a worktree removed with plain git, once a command has noticed", async () => {
    const machine = new Machine();
    const [a, b] = await Promise.all([newProject("alpha"), newProject("beta")]);
    expectExit(await machine.prj(a, ["worktree", "create", "one"]), 0);
    await a.git("worktree", "remove", a.worktreePath("one"));
    expectExit(await machine.prj(a, ["status", "--json"]), 0);
    expect(machine.claims().map((claim) => claim.worktree_path)).toEqual([a.root]);
    expectExit(await machine.prj(b, ["worktree", "create", "one"]), 0);
    expect(portsOf(b)).toEqual({ [b.root]: 3010, [b.worktreePath("one")]: 3020 });
  });

  test("a worktree deleted behind prj's back holds nothing even before its project notices", async () => {
    const machine = new Machine();
    const [a, b] = await Promise.all([newProject("alpha"), newProject("beta")]);
    expectExit(await machine.prj(a, ["worktree", "create", "one"]), 0);
    await a.git("worktree", "remove", a.worktreePath("one"));
    expectExit(await machine.prj(b, ["worktree", "create", "one"]), 0);
    expect(portsOf(b)).toEqual({ [b.root]: 3010, [b.worktreePath("one")]: 3020 });
  });
});

describe("prj processes choosing blocks at once", () => {
  test("four projects each making a worktree at the same time get eight different blocks", async () => {
    const machine = new Machine();
    const projects = await Promise.all(["p1", "p2", "p3", "p4"].map((name) => newProject(name)));
    const results = await Promise.all(projects.map((project) => machine.prj(project, ["worktree", "create", "topic", "--json"])));
    for (const result of results) expectExit(result, 0);

    const recorded = projects.flatMap((project) => Object.values(portsOf(project)));
    expect(recorded.length).toBe(8);
    expect(new Set(recorded).size).toBe(8);
    expect(recorded.every((port) => port >= 3000 && port % 10 === 0)).toBe(true);
    // The registry holds exactly what the projects recorded.
    expect(machine.claims().map((claim) => claim.port)).toEqual([...recorded].sort((x, y) => x - y));
  });
});
