// The port rule (worktrees/ports.ts) against a machine given as data, the
// listening check against real sockets, and the registry file itself.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { blockInUse, otherProjectsBlocks, portFor, type MachinePorts, type PortRow } from "../../src/worktrees/ports.ts";
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
