// The port rule (worktrees/ports.ts) against a machine given as data, the
// listening check against real sockets, and the registry file itself.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openStateDatabase } from "../../src/state/db.ts";
import { blockInUse, otherProjectsBlocks, portFor, recordPort, releaseWorktree, type MachinePorts, type PortRow } from "../../src/worktrees/ports.ts";
import { PortRegistry } from "../../src/worktrees/registry.ts";
import { tempDir } from "../helpers/world.ts";

const machine = (claimed: number[], busy: number[] = []): MachinePorts => ({ claimed, inUse: (port) => busy.includes(port) });

describe("portFor", () => {
  test.each<[string, PortRow[], string, number, MachinePorts, number]>([
    ["nothing anywhere", [], "/p", 3000, machine([]), 3000],
    ["another project's block is skipped", [], "/p", 3000, machine([3000]), 3010],
    ["a block overlapping another project's (other base) is skipped", [], "/p", 3000, machine([3005, 3013]), 3030],
    ["a block something listens on is skipped", [{ path: "/p", port: 3000 }], "/w/a", 3000, machine([], [3010]), 3020],
    ["a live worktree keeps its block, listened on or not", [{ path: "/w/a", port: 3040 }], "/w/a", 3000, machine([], [3040]), 3040],
    ["a live worktree whose block another project holds moves", [{ path: "/w/a", port: 3000 }], "/w/a", 3000, machine([3000]), 3010],
    ["the project's own blocks and the machine's together", [{ path: "/p", port: 3000 }], "/w/b", 3000, machine([3010], [3020]), 3030],
  ])("%s", (_, live, path, base, view, expected) => {
    expect(portFor(live, path, base, view)).toBe(expected);
  });

  test("no free block left is a failure, not a wrap-around", () => {
    expect(() => portFor([], "/p", 65_530, machine([65_530]))).toThrow("no free port block at or above 65530");
  });
});

describe("otherProjectsBlocks", () => {
  test("counts other projects' claims whose worktree still exists, never the project's own", () => {
    const exists = tempDir("wt-");
    const claims = [
      { port: 3000, worktreePath: exists, projectPath: "/other" },
      { port: 3010, worktreePath: join(exists, "gone"), projectPath: "/other" },
      { port: 3020, worktreePath: exists, projectPath: "/mine" },
    ];
    expect(otherProjectsBlocks(claims, "/mine")).toEqual([3000]);
  });
});

describe("blockInUse", () => {
  test("a listener on any of the block's ten ports makes it in use", () => {
    // A block nothing on this machine uses to begin with.
    const first = Array.from({ length: 50 }, (_, index) => 41_000 + 10 * index).find((block) => !blockInUse(block));
    if (first === undefined) throw new Error("no free block between 41000 and 41499 on this machine");
    const listener = Bun.listen({ hostname: "127.0.0.1", port: first + 9, socket: { data() {} } });
    try {
      expect(blockInUse(first)).toBe(true);
    } finally {
      listener.stop(true);
    }
    expect(blockInUse(first)).toBe(false);
  });
});

describe("PortRegistry", () => {
  test("is a private file; a read-only look at a missing one creates nothing", () => {
    const dir = join(tempDir("data-"), "prunejuice");
    const path = join(dir, "ports.db");
    expect(PortRegistry.read(path)).toEqual([]);
    expect(existsSync(dir)).toBe(false);

    const registry = PortRegistry.open(path);
    try {
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      registry.exclusive(() => registry.claim({ port: 3000, worktreePath: "/a", projectPath: "/p" }));
      // A claim replaces the path's old claim and a stale claim of the same block.
      registry.exclusive(() => registry.claim({ port: 3010, worktreePath: "/a", projectPath: "/p" }));
      registry.exclusive(() => registry.claim({ port: 3010, worktreePath: "/b", projectPath: "/q" }));
      expect(PortRegistry.read(path)).toEqual([{ port: 3010, worktreePath: "/b", projectPath: "/q" }]);
      expect(registry.release("/b", "/p")).toBe(false);
      expect(registry.release("/b", "/q")).toBe(true);
      expect(registry.claims()).toEqual([]);
    } finally {
      registry.close();
    }
  });

  test("a failed write under the lock leaves nothing behind", () => {
    const dir = tempDir("data-");
    mkdirSync(dir, { recursive: true });
    const registry = PortRegistry.open(join(dir, "ports.db"));
    try {
      expect(() =>
        registry.exclusive(() => {
          registry.claim({ port: 3000, worktreePath: "/a", projectPath: "/p" });
          throw new Error("interrupted");
        }),
      ).toThrow("interrupted");
      expect(registry.claims()).toEqual([]);
    } finally {
      registry.close();
    }
  });
});

describe("recordPort with the machine's registry", () => {
  const savedDataHome = process.env.XDG_DATA_HOME;
  beforeEach(() => {
    process.env.XDG_DATA_HOME = tempDir("data-");
  });
  afterEach(() => {
    process.env.XDG_DATA_HOME = savedDataHome;
  });

  /** A project's database and a worktree directory that exists, as the registry wants of a live claim. */
  function projectWithWorktree(name: string) {
    const root = tempDir(`${name}-`);
    const worktree = join(root, "wt");
    mkdirSync(worktree);
    const store = openStateDatabase(join(root, "state.db"), { create: true });
    return { root, worktree, store };
  }

  test("two projects that shared a block before the registry: the second to use it moves once", () => {
    const a = projectWithWorktree("a");
    const b = projectWithWorktree("b");
    try {
      // Recorded by a prj without the registry: both hold 3000.
      a.store.saveWorktree({ projectPath: a.root, path: a.worktree, branch: "x", port: 3000 });
      b.store.saveWorktree({ projectPath: b.root, path: b.worktree, branch: "x", port: 3000 });
      expect(recordPort(a.store, { projectPath: a.root, path: a.worktree, branch: "x", portBase: 3000 }).port).toBe(3000);
      expect(recordPort(b.store, { projectPath: b.root, path: b.worktree, branch: "x", portBase: 3000 }).port).toBe(3010);
      expect(recordPort(b.store, { projectPath: b.root, path: b.worktree, branch: "x", portBase: 3000 }).port).toBe(3010);
      expect(recordPort(a.store, { projectPath: a.root, path: a.worktree, branch: "x", portBase: 3000 }).port).toBe(3000);
    } finally {
      a.store.close();
      b.store.close();
    }
  });

  test("releaseWorktree frees the block for another project at once", () => {
    const a = projectWithWorktree("a");
    const b = projectWithWorktree("b");
    try {
      expect(recordPort(a.store, { projectPath: a.root, path: a.worktree, branch: "x", portBase: 3000 }).port).toBe(3000);
      expect(recordPort(b.store, { projectPath: b.root, path: b.root, branch: "main", portBase: 3000 }).port).toBe(3010);
      expect(releaseWorktree(a.store, { projectPath: a.root, path: a.worktree })).toBe(true);
      expect(PortRegistry.read().map((claim) => claim.port)).toEqual([3010]);
      expect(recordPort(b.store, { projectPath: b.root, path: b.worktree, branch: "x", portBase: 3000 }).port).toBe(3000);
    } finally {
      a.store.close();
      b.store.close();
    }
  });

  test("a data home where no registry can be made leaves ports unique within the project", () => {
    const blocker = join(tempDir("data-"), "not-a-directory");
    writeFileSync(blocker, "");
    process.env.XDG_DATA_HOME = blocker;
    const a = projectWithWorktree("a");
    try {
      expect(recordPort(a.store, { projectPath: a.root, path: a.root, branch: "main", portBase: 3000 }).port).toBe(3000);
      expect(recordPort(a.store, { projectPath: a.root, path: a.worktree, branch: "x", portBase: 3000 }).port).toBe(3010);
    } finally {
      a.store.close();
    }
  });
});
