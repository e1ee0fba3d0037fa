// End-to-end tests of running prj from inside a linked worktree (SPEC §3, §5):
// a command without a `worktree:` block acts for the worktree you stand in,
// while the project (.prj, database, commands) stays the main worktree's.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/world.ts";
import { expectExit, jsonOf, perTest, World } from "./support.ts";

const newProject = perTest(() => World.create("myapp"));

/** A project with a linked worktree of branch `side` made with plain git, one commit ahead of main; returns its real path. */
async function withLinkedWorktree(): Promise<{ p: World; side: string }> {
  const p = await newProject();
  await p.git("worktree", "add", "-q", "-b", "side", p.worktreePath("side"));
  const side = realpathSync(p.worktreePath("side"));
  await p.git("-C", side, "commit", "-q", "--allow-empty", "-m", "on side only");
  return { p, side };
}

interface WorktreeRow {
  path: string;
  branch: string;
  port: number;
}
const worktreeRows = (p: World) => p.query<WorktreeRow>("SELECT path, branch, port FROM worktrees WHERE removed_at IS NULL ORDER BY port");

describe("a command without a worktree block, run from a linked worktree", () => {
  test("start-dev makes that worktree's session, in its directory, tagged and recorded with its branch and port", async () => {
    const { p, side } = await withLinkedWorktree();
    const below = join(side, "src", "deep");
    mkdirSync(below, { recursive: true });

    const report = jsonOf(expectExit(await p.prj(["run", "start-dev", "--json"], { cwd: below }), 0));
    expect(report.session).toEqual({ name: "myapp-side-dev", created: true });

    expect(await p.display("=myapp-side-dev:", "#{session_path}")).toBe(side);
    const panes = await p.panes("myapp-side-dev");
    expect(panes.length).toBeGreaterThan(0);
    expect(new Set(panes.map((pane) => pane.path))).toEqual(new Set([side]));
    expect(await p.option("myapp-side-dev", "@prj_worktree")).toBe("side");
    expect(await p.option("myapp-side-dev", "@prj_project")).toBe(p.root);
    expect(await p.sessionEnv("myapp-side-dev", "PRJ_WORKTREE_PATH")).toBe(side);
    expect(await p.sessionEnv("myapp-side-dev", "PRJ_BRANCH")).toBe("side");
    expect(await p.sessionEnv("myapp-side-dev", "PRJ_PORT")).toBe("3010");

    // Recorded in the main worktree's database, the main checkout first; nothing of prj's lands in the linked worktree.
    expect(worktreeRows(p)).toEqual([
      { path: p.root, branch: "main", port: 3000 },
      { path: side, branch: "side", port: 3010 },
    ]);
    const [row] = p.query<{ worktree: string; worktree_path: string }>("SELECT worktree, worktree_path FROM sessions WHERE name = ?", "myapp-side-dev");
    expect(row).toEqual({ worktree: "side", worktree_path: side });
    expect(existsSync(join(side, ".prj"))).toBe(false);
    expect(p.lastRun().metadata).toContain(`"action":"checkout","path":${JSON.stringify(side)},"branch":"side","port":3010`);

    // Run again from there: the same session is reused, the same port kept.
    const again = jsonOf(expectExit(await p.prj(["run", "start-dev", "--json"], { cwd: side }), 0));
    expect(again.session).toEqual({ name: "myapp-side-dev", created: false });
    expect(worktreeRows(p).length).toBe(2);
  });

  test("{{worktree_path}}, {{branch}} and {{worktree}} render to the linked worktree, and steps run in it", async () => {
    const { p, side } = await withLinkedWorktree();
    const marker = join(tempDir("marker-"), "where");
    p.writeCommand(
      "where",
      ["name: where", "steps:", `  - { name: note, run: 'printf "%s|%s|%s|%s" {{worktree_path}} {{branch}} {{worktree}} "$PWD" > ${marker}' }`, ""].join("\n"),
    );
    const planned = jsonOf(expectExit(await p.prj(["run", "where", "--dry-run", "--json"], { cwd: side }), 0));
    expect(planned.steps.main[0].shell_values).toMatchObject({ PRJ_V_worktree_path: side, PRJ_V_branch: "side", PRJ_V_worktree: "side" });
    expect(planned.operations[0]).toMatchObject({ op: "worktree", action: "checkout", path: side, branch: "side", port: 3010 });

    expectExit(await p.prj(["run", "where"], { cwd: side }), 0);
    expect(readFileSync(marker, "utf8")).toBe(`${side}|side|side|${side}`);
  });

  test("a worktree prj made keeps its recorded port when a command runs from inside it", async () => {
    const p = await newProject();
    const created = jsonOf(expectExit(await p.prj(["worktree", "create", "alpha", "--json"]), 0));
    expectExit(await p.prj(["worktree", "create", "beta"]), 0);
    const beta = realpathSync(p.worktreePath("beta"));
    expectExit(await p.prj(["run", "start-dev"], { cwd: beta }), 0);
    expect(await p.sessionEnv("myapp-beta-dev", "PRJ_PORT")).toBe("3020");
    expect(created.port).toBe(3010);
    expect(worktreeRows(p).map((row) => [row.branch, row.port])).toEqual([["main", 3000], ["alpha", 3010], ["beta", 3020]]);
  });
});

describe("what stays as it was", () => {
  test("from the main checkout start-dev is the main checkout's session, beside the linked worktree's", async () => {
    const { p, side } = await withLinkedWorktree();
    expectExit(await p.prj(["run", "start-dev"], { cwd: side }), 0);
    const report = jsonOf(expectExit(await p.prj(["run", "start-dev", "--json"]), 0));
    expect(report.session).toEqual({ name: "myapp-main-dev", created: true });
    expect(await p.display("=myapp-main-dev:", "#{session_path}")).toBe(p.root);
    expect(await p.option("myapp-main-dev", "@prj_worktree")).toBe("main");
    expect(await p.sessionEnv("myapp-main-dev", "PRJ_PORT")).toBe("3000");
    expect((await p.sessions()).sort()).toEqual(["myapp-main-dev", "myapp-side-dev"]);
  });

  test("a command with a worktree block acts for its own worktree, branched from the main checkout's branch", async () => {
    const { p, side } = await withLinkedWorktree();
    expectExit(await p.prj(["run", "feature-branch", "branch=other"], { cwd: side }), 0);
    expect(await p.git("rev-parse", "other")).toBe(await p.git("rev-parse", "main"));
    expect(await p.display("=myapp-other-dev:", "#{session_path}")).toBe(realpathSync(p.worktreePath("other")));
    expect(await p.option("myapp-other-dev", "@prj_worktree")).toBe("other");
    expect(worktreeRows(p).map((row) => row.branch)).toEqual(["main", "other"]);
  });
});
