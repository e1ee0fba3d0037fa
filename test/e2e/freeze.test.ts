// `prj freeze` round trip: a session built by hand with plain tmux on a private
// server is frozen into a command, killed, and recreated with `prj run`; the
// new session must have the same windows, panes, directories, layouts and focus.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { tempDir, waitFor } from "../helpers/world.ts";
import { ensureBinary, World } from "./support.ts";

const SESSION = "frozen-src";
const world = World.bare();
const { tmux, root: project } = world;
let outside = "";

const prj = (args: string[]) => world.prj(args);

interface PaneView {
  window: number;
  name: string;
  windowActive: boolean;
  layout: string;
  pane: number;
  path: string;
  active: boolean;
}

/**
 * Layout geometry without its checksum and pane ids, which differ between two
 * equal layouts. A one-pane window's "layout" is only the window size, which
 * follows the terminal (prj sizes new sessions to the terminal it runs in).
 */
function geometry(layout: string): string {
  const shape = layout.replace(/^[0-9a-f]{4},/, "").replace(/(\d+x\d+,\d+,\d+),\d+/g, "$1");
  return /[[{]/.test(shape) ? shape : "(one pane)";
}

async function shape(): Promise<PaneView[]> {
  const out = await tmux.ok(
    "list-panes", "-s", "-t", `=${SESSION}:`, "-F",
    "#{window_index}\t#{window_name}\t#{window_active}\t#{window_layout}\t#{pane_index}\t#{pane_current_path}\t#{pane_active}",
  );
  return out.split("\n").filter(Boolean).map((line) => {
    const [window, name, windowActive, layout, pane, path, active] = line.split("\t");
    return { window: Number(window), name: name!, windowActive: windowActive === "1", layout: geometry(layout!), pane: Number(pane), path: path!, active: active === "1" };
  });
}

describe("prj freeze", () => {
  beforeAll(async () => {
    await ensureBinary();
    outside = realpathSync(tempDir("outside-"));
    for (const dir of ["src", "docs", "docs/api"]) mkdirSync(join(project, dir), { recursive: true });
    expect((await prj(["init"])).exitCode).toBe(0);

    // Window 0 "editor": three panes in three directories, then a custom (non-preset) layout.
    // 80x24 is the size prj gives a session created without a terminal, as in this test; a preset
    // layout is recomputed for the size of the new session, an exact layout string is not.
    await tmux.ok("new-session", "-d", "-s", SESSION, "-x", "80", "-y", "24", "-n", "editor", "-c", project);
    await tmux.ok("split-window", "-h", "-t", `=${SESSION}:0`, "-c", join(project, "src"));
    await tmux.ok("split-window", "-v", "-t", `=${SESSION}:0`, "-c", join(project, "docs"));
    await tmux.ok("select-layout", "-t", `=${SESSION}:0`, "main-vertical");
    await tmux.ok("resize-pane", "-t", `=${SESSION}:0.0`, "-L", "30");
    await tmux.ok("select-pane", "-t", `=${SESSION}:0.1`);
    // Window 1 "logs": one pane outside the project (written as an absolute path).
    await tmux.ok("new-window", "-d", "-t", `=${SESSION}:`, "-n", "logs", "-c", outside);
    // Window 2: no name (tmux's automatic-rename), two panes stacked evenly.
    await tmux.ok("new-window", "-d", "-t", `=${SESSION}:`, "-c", join(project, "docs", "api"));
    await tmux.ok("split-window", "-v", "-t", `=${SESSION}:2`, "-c", project);
    await tmux.ok("select-layout", "-t", `=${SESSION}:2`, "even-vertical");
    // Window 3 "tests": three panes in a plain preset layout.
    await tmux.ok("new-window", "-d", "-t", `=${SESSION}:`, "-n", "tests", "-c", project);
    await tmux.ok("split-window", "-t", `=${SESSION}:3`, "-c", project);
    await tmux.ok("split-window", "-t", `=${SESSION}:3`, "-c", project);
    await tmux.ok("select-layout", "-t", `=${SESSION}:3`, "main-horizontal");
    await tmux.ok("select-pane", "-t", `=${SESSION}:3.0`);
    await tmux.ok("select-window", "-t", `=${SESSION}:2`);
    // Shells settle into their directories, and tmux's automatic-rename past the name of the process it
    // forked ("tmux" until the shell is exec'd; tmux 3.5 shows it for a moment), before anything is read.
    await waitFor(async () => (await shape()).every((pane) => pane.path !== "" && pane.name !== "tmux"), { what: "pane paths and names" });
  }, 60_000);

  afterAll(async () => {
    await world.dispose();
  });

  test("writes a command that prj run turns back into the same session", async () => {
    const before = await shape();

    const frozen = await prj(["freeze", SESSION]);
    expect(frozen.stderr).toBe("");
    expect(frozen.exitCode).toBe(0);
    const file = join(project, ".prj", "commands", `${SESSION}.yaml`);
    const config = parse(readFileSync(file, "utf8"));
    expect(config.session.name_template).toBe(SESSION);
    expect(config.session.working_directory).toBeUndefined();
    const [editor, logs, unnamed, tests] = config.session.windows;
    expect(editor.name).toBe("editor");
    expect(editor.working_directory).toBeUndefined();
    expect(editor.panes).toEqual([{}, { working_directory: "src", focus: true }, { working_directory: "docs" }]);
    // Resized by hand: no preset gives it, so tmux's exact layout string is kept.
    expect(editor.layout).toMatch(/^[0-9a-f]{4},80x24,0,0\{/);
    expect(logs).toEqual({ name: "logs", working_directory: outside });
    expect(unnamed.name).toBeUndefined();
    // The second pane is above the first one's directory, so each pane names its own, relative to the project.
    expect(unnamed.working_directory).toBeUndefined();
    expect(unnamed.panes).toEqual([{ working_directory: "docs/api" }, { focus: true }]);
    expect(unnamed.focus).toBe(true);
    expect(unnamed.layout).toBe("even-vertical");
    expect(tests).toEqual({ name: "tests", layout: "main-horizontal", panes: [{}, {}, {}] });

    await tmux.ok("kill-session", "-t", `=${SESSION}`);
    const ran = await prj(["run", SESSION]);
    expect(ran.exitCode).toBe(0);
    // Shells reach their directories, and tmux renames unnamed windows, a moment after they start.
    let after: PaneView[] = [];
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      after = await shape();
      if (JSON.stringify(after) === JSON.stringify(before)) break;
      await Bun.sleep(50);
    }
    expect(after).toEqual(before);
  }, 30_000);

  test("refuses to replace a command without --force, and replaces it with --force", async () => {
    const again = await prj(["freeze", SESSION]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("already exists");
    expect(again.stderr).toContain("--force");
    const forced = await prj(["freeze", SESSION, "--force", "--name", "frozen-copy"]);
    expect(forced.exitCode).toBe(0);
    const dry = await prj(["freeze", SESSION, "--dry-run"]);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain(`name: ${SESSION}`);
  });

  test("an unknown session is an error that says so", async () => {
    const missing = await prj(["freeze", "no-such-session"]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("no session named no-such-session");
  });
});
