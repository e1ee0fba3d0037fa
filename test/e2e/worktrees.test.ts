// End-to-end tests of `prj worktree list|create|remove` and of the worktree
// side of `prj run`: copy_files, ports and the link between worktrees and
// sessions. Real git, a private tmux server and the compiled binary.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/world.ts";
import { expectExit, perTest, World } from "./support.ts";

const newProject = perTest(() => World.create("proj", { ignorePrj: true }));

interface Listing {
  path: string;
  branch: string | null;
  dirty: boolean | null;
  sessions: string[];
  port: number | null;
}

async function list(p: World): Promise<Listing[]> {
  return JSON.parse(expectExit(await p.prj(["worktree", "list", "--json"]), 0).stdout);
}

describe("prj worktree create", () => {
  test("makes a new branch from the current one, or from --base, at the default place", async () => {
    const p = await newProject();
    await p.git("branch", "develop");
    await p.git("commit", "-q", "--allow-empty", "-m", "on main only");
    const created = JSON.parse(expectExit(await p.prj(["worktree", "create", "topic/One", "--json"]), 0).stdout);
    expect(created).toEqual({ path: p.worktreePath("topic-one"), branch: "topic/One", base_branch: "main", port: 3010, created: true });
    expect(await p.git("rev-parse", "topic/One")).toBe(await p.git("rev-parse", "main"));

    const fromBase = JSON.parse(expectExit(await p.prj(["worktree", "create", "two", "--base", "develop", "--json"]), 0).stdout);
    expect(fromBase).toMatchObject({ path: p.worktreePath("two"), base_branch: "develop", port: 3020, created: true });
    expect(await p.git("rev-parse", "two")).toBe(await p.git("rev-parse", "develop"));

    const again = expectExit(await p.prj(["worktree", "create", "two"]), 0);
    expect(again.stdout).toContain(`Reusing worktree ${p.worktreePath("two")}`);
    expect(p.events("worktree.created").length).toBe(2);
  });

  test("refuses a bad branch name or a missing base with exit 2, changing nothing", async () => {
    const p = await newProject();
    expect(expectExit(await p.prj(["worktree", "create", "has space"]), 2).stderr).toContain("not a valid branch name");
    expect(expectExit(await p.prj(["worktree", "create", "ok", "--base", "nope"]), 2).stderr).toContain('base branch "nope" does not exist');
    expect(await p.worktrees()).toEqual([p.root]);
    expect(await p.branches()).toEqual(["main"]);
  });
});

describe("prj worktree list", () => {
  test("shows each worktree with branch, changes, sessions and port", async () => {
    const p = await newProject();
    expectExit(await p.prj(["run", "start-dev"]), 0);
    expectExit(await p.prj(["run", "feature-branch", "branch=alpha"]), 0);
    expectExit(await p.prj(["worktree", "create", "beta"]), 0);
    writeFileSync(join(p.worktreePath("beta"), "scratch.txt"), "wip\n");

    const rows = await list(p);
    expect(rows.map(({ path, branch, dirty, sessions, port }) => ({ path, branch, dirty, sessions, port }))).toEqual([
      { path: p.root, branch: "main", dirty: false, sessions: ["proj-main-dev"], port: 3000 },
      { path: p.worktreePath("alpha"), branch: "alpha", dirty: false, sessions: ["proj-alpha-dev"], port: 3010 },
      { path: p.worktreePath("beta"), branch: "beta", dirty: true, sessions: [], port: 3020 },
    ]);
    const text = expectExit(await p.prj(["worktree", "list"]), 0).stdout;
    expect(text).toMatch(/alpha\s+\S+proj-alpha\s+clean\s+3010\s+proj-alpha-dev/);
    expect(text).toMatch(/beta\s+\S+proj-beta\s+dirty\s+3020/);
  });

  test("ports are stable across runs and differ between worktrees", async () => {
    const p = await newProject();
    p.writeCommand(
      "serve",
      'name: serve\narguments: [{ name: branch, required: true }]\nworktree: { branch: "{{branch}}" }\nsession:\n  task: serve\n  additional_env: { API_URL: "http://localhost:{{port}}" }\n',
    );
    expectExit(await p.prj(["run", "serve", "branch=one"]), 0);
    expectExit(await p.prj(["run", "serve", "branch=two"]), 0);
    const one = await p.sessionEnv("proj-one-serve", "PRJ_PORT");
    const two = await p.sessionEnv("proj-two-serve", "PRJ_PORT");
    expect(one).toBe("3010");
    expect(two).toBe("3020");
    expect(await p.sessionEnv("proj-one-serve", "API_URL")).toBe("http://localhost:3010");
    await p.tmux.ok("kill-session", "-t", "=proj-one-serve");
    expectExit(await p.prj(["run", "serve", "branch=one"]), 0);
    expect(await p.sessionEnv("proj-one-serve", "PRJ_PORT")).toBe("3010");
  });
});

describe("worktrees removed with plain git", () => {
  interface WorktreeRow {
    path: string;
    port: number;
    removed_at: string | null;
  }
  const rows = (p: World) => p.query<WorktreeRow>("SELECT path, port, removed_at FROM worktrees ORDER BY id");

  /** Two recorded worktrees (ports 3010 and 3020), then `git worktree remove` of the first, behind prj's back. */
  async function removeBehindPrj(): Promise<World> {
    const p = await newProject();
    expectExit(await p.prj(["worktree", "create", "one"]), 0);
    expectExit(await p.prj(["worktree", "create", "two"]), 0);
    await p.git("worktree", "remove", p.worktreePath("one"));
    return p;
  }

  test("status shows only the live ones, and records the gone one as removed, freeing its port", async () => {
    const p = await removeBehindPrj();
    const status = JSON.parse(expectExit(await p.prj(["status", "--json"]), 0).stdout);
    expect(status.worktrees.map((row: { path: string; port: number }) => [row.path, row.port])).toEqual([
      [p.root, 3000],
      [p.worktreePath("two"), 3020],
    ]);
    expect(rows(p).find((row) => row.path === p.worktreePath("one"))?.removed_at).toBeTruthy();
    expect(p.events("worktree.removed").map((event) => JSON.parse(event.metadata!))).toEqual([
      { path: p.worktreePath("one"), port: 3010, reason: "gone" },
    ]);
    // The freed block goes to the next worktree.
    expect(JSON.parse(expectExit(await p.prj(["worktree", "create", "three", "--json"]), 0).stdout).port).toBe(3010);
  });

  test("reset-sessions records them as removed, once", async () => {
    const p = await removeBehindPrj();
    const reset = JSON.parse(expectExit(await p.prj(["reset-sessions", "--json"]), 0).stdout);
    expect(reset.worktrees_removed).toEqual([p.worktreePath("one")]);
    expect(rows(p).map((row) => [row.path, row.removed_at !== null])).toEqual([
      [p.root, false],
      [p.worktreePath("one"), true],
      [p.worktreePath("two"), false],
    ]);
    const again = JSON.parse(expectExit(await p.prj(["reset-sessions", "--json"]), 0).stdout);
    expect(again.worktrees_removed).toEqual([]);
    expect(p.events("worktree.removed")).toHaveLength(1);
  });

  test("worktree list records them as removed too", async () => {
    const p = await removeBehindPrj();
    expect((await list(p)).map((row) => row.path)).toEqual([p.root, p.worktreePath("two")]);
    expect(rows(p).find((row) => row.path === p.worktreePath("one"))?.removed_at).toBeTruthy();
    expect(rows(p).filter((row) => row.removed_at === null)).toHaveLength(2);
  });
});

describe("copy_files", () => {
  test("the project's and the command's files are copied into a new worktree only", async () => {
    const p = await newProject();
    writeFileSync(join(p.root, ".prj/configs/project.yaml"), "worktrees:\n  copy_files: [.env, missing.txt]\n");
    writeFileSync(join(p.root, ".env"), "SECRET_TOKEN=abc\n");
    writeFileSync(join(p.root, "local.yaml"), "debug: true\n");
    p.writeCommand(
      "feature",
      'name: feature\narguments: [{ name: branch, required: true }]\nworktree: { branch: "{{branch}}", copy_files: [local.yaml] }\nsession: {}\n',
    );
    expectExit(await p.prj(["run", "feature", "branch=copies"]), 0);
    const wt = p.worktreePath("copies");
    expect(readFileSync(join(wt, ".env"), "utf8")).toBe("SECRET_TOKEN=abc\n");
    expect(readFileSync(join(wt, "local.yaml"), "utf8")).toBe("debug: true\n");
    expect(existsSync(join(wt, "missing.txt"))).toBe(false);

    // Unchanged copies are prj's, not the user's: removal needs no --force.
    const removed = JSON.parse(expectExit(await p.prj(["worktree", "remove", "copies", "--json"]), 0).stdout);
    expect(removed).toMatchObject({ path: wt, sessions_killed: ["proj-copies-dev"], branch_deleted: false });
  });
});

describe("prj worktree remove", () => {
  test("kills the worktree's sessions with their cleanup steps, removes it, keeps the branch", async () => {
    const p = await newProject();
    const marker = join(tempDir("m-"), "cleanup");
    p.writeCommand(
      "feature",
      `name: feature\narguments: [{ name: branch, required: true }]\nworktree: { branch: "{{branch}}" }\nsession:\n  cleanup_steps:\n    - { name: stop, run: 'echo "stopped $PRJ_SESSION_NAME in $(pwd)" > ${marker}' }\n`,
    );
    expectExit(await p.prj(["run", "feature", "branch=gone"]), 0);
    expectExit(await p.prj(["run", "start-dev"]), 0);
    const wt = p.worktreePath("gone");
    const result = expectExit(await p.prj(["worktree", "remove", "gone"]), 0);
    expect(result.stdout).toContain(`Removed worktree ${wt}; killed proj-gone-dev; kept branch gone`);
    expect(readFileSync(marker, "utf8")).toBe(`stopped proj-gone-dev in ${wt}\n`);
    expect(await p.sessions()).toEqual(["proj-main-dev"]);
    expect(await p.worktrees()).toEqual([p.root]);
    expect(await p.branches()).toContain("gone");
    expect((await list(p)).map((row) => row.path)).toEqual([p.root]);
    expect(p.events("worktree.removed").length).toBe(1);
  });

  test("refuses uncommitted changes and commits on no other branch unless --force", async () => {
    const p = await newProject();
    expectExit(await p.prj(["worktree", "create", "dirty"]), 0);
    expectExit(await p.prj(["worktree", "create", "ahead"]), 0);
    expectExit(await p.prj(["worktree", "create", "deleted"]), 0);
    writeFileSync(join(p.worktreePath("dirty"), "wip.txt"), "wip\n");
    await p.git("-C", p.worktreePath("ahead"), "commit", "-q", "--allow-empty", "-m", "only here");

    // A refusal that changed nothing is exit 2.
    const dirty = expectExit(await p.prj(["worktree", "remove", "dirty"]), 2);
    expect(dirty.stderr).toContain("uncommitted changes (wip.txt)");
    expect(dirty.stderr).toContain("--force");
    const ahead = expectExit(await p.prj(["worktree", "remove", p.worktreePath("ahead")]), 2);
    expect(ahead.stderr).toContain("branch ahead has 1 commit(s) that no other branch contains");
    expect((await p.worktrees()).length).toBe(4);

    expectExit(await p.prj(["worktree", "remove", "dirty", "--force"]), 0);
    expectExit(await p.prj(["worktree", "remove", "ahead", "--force", "--delete-branch"]), 0);
    // By path, relative to the current directory.
    const byPath = expectExit(await p.prj(["worktree", "remove", "../worktrees/proj-deleted", "--delete-branch", "--json"]), 0);
    expect(JSON.parse(byPath.stdout)).toEqual({ path: p.worktreePath("deleted"), branch: "deleted", sessions_killed: [], branch_deleted: true });
    expect(await p.worktrees()).toEqual([p.root]);
    expect((await p.branches()).sort()).toEqual(["dirty", "main"]);
  });

  test("refuses the main worktree and unknown targets with exit 2", async () => {
    const p = await newProject();
    expect(expectExit(await p.prj(["worktree", "remove", "main"]), 2).stderr).toContain("is the main worktree");
    expect(expectExit(await p.prj(["worktree", "remove", "nope"]), 2).stderr).toContain('no worktree for branch or path "nope"');
    expect(expectExit(await p.prj(["worktree"]), 2).stderr).toContain("missing the subcommand of `prj worktree`");
    expect(expectExit(await p.prj(["worktree", "rm", "x"]), 2).stderr).toContain("did you mean `prj worktree remove`?");
  });
});
