// End-to-end tests of the compiled binary: the CLI surface, running without
// Bun, ignoring the user's bunfig.toml/.env, `prj init` and `prj list-commands`.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { git, tempDir, tempGitRepo } from "../helpers/world.ts";
import { countRows, expectExit, perTest, repoRoot, snapshotTree, STACK_LINE, World } from "./support.ts";

const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
const CORE_COMMANDS = [
  "init",
  "list-commands",
  "run",
  "list-sessions",
  "session-info",
  "attach",
  "kill-session",
  "cleanup-sessions",
  "reset-sessions",
  "status",
];
const DEFAULT_COMMANDS = ["feature-branch", "review-pr", "start-dev"];

const newWorld = perTest(() => World.bare());


async function initialisedRepo(w: World): Promise<string> {
  const repo = await tempGitRepo("myproject");
  expectExit(await w.prj(["init"], { cwd: repo }), 0);
  return repo;
}

describe("version and help", () => {
  test("--version prints package.json's version and nothing else", async () => {
    const w = newWorld();
    const result = await w.prj(["--version"], { cwd: tempDir() });
    expectExit(result, 0);
    expect(result.stdout).toBe(`${pkg.version}\n`);
    expect(result.stderr).toBe("");
  });

  test("--help lists every command", async () => {
    const w = newWorld();
    const result = await w.prj(["--help"], { cwd: tempDir() });
    expectExit(result, 0);
    const listed = result.stdout
      .split("\n")
      .map((line) => /^ {2}([a-z-]+) {2,}\S/.exec(line)?.[1])
      .filter(Boolean);
    // Other commands may be added; these must all be there.
    expect(listed).toEqual(expect.arrayContaining(CORE_COMMANDS));
    expect(result.stdout).toContain("Usage: prj <command>");
  });

  test("run --help shows its usage and flags", async () => {
    const w = newWorld();
    const result = await w.prj(["run", "--help"], { cwd: tempDir() });
    expectExit(result, 0);
    expect(result.stdout).toMatch(/usage/i);
    expect(result.stdout).toContain("prj run");
    for (const flag of ["--dry-run", "--attach", "--json"]) expect(result.stdout).toContain(flag);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });
});

describe("usage mistakes", () => {
  test("an unknown subcommand exits 2 and suggests the near one", async () => {
    const w = newWorld();
    const result = await w.prj(["stauts"], { cwd: tempDir() });
    expectExit(result, 2);
    expect(result.stderr).toContain("did you mean `prj status`");
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stdout).toBe("");
  });

  test("an unknown flag exits 2 and suggests the near one, before anything runs", async () => {
    const w = newWorld();
    const repo = await initialisedRepo(w);
    const before = snapshotTree(dirname(repo));
    const result = await w.prj(["run", "start-dev", "--dyr-run"], { cwd: repo });
    expectExit(result, 2);
    expect(result.stderr).toContain("did you mean --dry-run");
    expect(result.stderr).not.toMatch(STACK_LINE);
    // The typo must not have turned into a real run.
    expect(snapshotTree(dirname(repo))).toEqual(before);
    await w.expectNoTmuxServer();
  });
});

describe("the binary stands alone", () => {
  test("runs with only tmux, git, sh and ps on PATH (no bun)", async () => {
    const w = newWorld();
    const bin = tempDir("bin-");
    for (const tool of ["tmux", "git", "sh", "ps"]) {
      const real = Bun.which(tool);
      if (!real) throw new Error(`${tool} is not installed`);
      symlinkSync(real, join(bin, tool));
    }
    expect(Bun.which("bun", { PATH: bin })).toBeNull();
    const env = { PATH: bin };

    const version = await w.prj(["--version"], { cwd: tempDir(), env });
    expectExit(version, 0);
    expect(version.stdout).toBe(`${pkg.version}\n`);

    const repo = await tempGitRepo("myproject");
    const init = await w.prj(["init"], { cwd: repo, env });
    expectExit(init, 0);
    expect(existsSync(join(repo, ".prj/commands/start-dev.yaml"))).toBe(true);
    expect(existsSync(join(repo, ".prj/prunejuice.db"))).toBe(true);

    const plan = await w.prj(["run", "start-dev", "--dry-run", "--json"], { cwd: repo, env });
    expectExit(plan, 0);
    expect(JSON.parse(plan.stdout).session.name).toBe("myproject-main-dev");
  });

  test("ignores bunfig.toml and .env in the working directory", async () => {
    const w = newWorld();
    const repo = await initialisedRepo(w);
    const marker = join(repo, "preload-ran");
    writeFileSync(join(repo, "bunfig.toml"), 'preload = ["./evil.ts"]\n');
    writeFileSync(join(repo, "evil.ts"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "pwned");\n`);
    // A global config that does not parse: if .env were read, every project command would fail.
    const badConfigHome = tempDir("xdg-");
    mkdirSync(join(badConfigHome, "prunejuice"));
    writeFileSync(join(badConfigHome, "prunejuice/config.yaml"), "tmux: [\n");
    writeFileSync(join(repo, ".env"), `PRJ_LOG_LEVEL=debug\nXDG_CONFIG_HOME=${badConfigHome}\n`);

    // Controls: the fixture does what it should when it is loaded.
    const bunRun = await Bun.spawn([process.execPath, "-e", "0"], { cwd: repo, stdout: "ignore", stderr: "ignore" }).exited;
    expect(bunRun).toBe(0);
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);
    expect(existsSync(marker)).toBe(false);
    const withEnv = await w.prj(["list-commands"], { cwd: repo, env: { PRJ_LOG_LEVEL: "debug", XDG_CONFIG_HOME: badConfigHome } });
    expectExit(withEnv, 2);

    const version = await w.prj(["--version"], { cwd: repo });
    expectExit(version, 0);
    expect(version.stdout).toBe(`${pkg.version}\n`);
    expect(version.stderr).toBe("");

    const list = await w.prj(["list-commands"], { cwd: repo });
    expectExit(list, 0);
    expect(list.stderr).toBe("");
    for (const name of DEFAULT_COMMANDS) expect(list.stdout).toContain(name);

    const plan = await w.prj(["run", "start-dev", "--dry-run"], { cwd: repo });
    expectExit(plan, 0);
    expect(plan.stderr).not.toContain("[debug]");

    expect(existsSync(marker)).toBe(false);
  });
});

describe("prj init", () => {
  test("creates the .prj tree, the default commands and a private database", async () => {
    const w = newWorld();
    const repo = await tempGitRepo("myproject");
    const result = await w.prj(["init"], { cwd: repo });
    expectExit(result, 0);
    const prj = join(repo, ".prj");
    for (const dir of ["commands", "steps", "configs", "artifacts"]) {
      expect(statSync(join(prj, dir)).isDirectory()).toBe(true);
    }
    expect(statSync(join(prj, "configs/project.yaml")).isFile()).toBe(true);
    const gitignore = readFileSync(join(prj, ".gitignore"), "utf8");
    expect(gitignore).toContain("prunejuice.db");
    expect(gitignore).toContain("artifacts");
    expect(statSync(join(prj, "prunejuice.db")).mode & 0o777).toBe(0o600);
    for (const name of DEFAULT_COMMANDS) {
      expect(readFileSync(join(prj, `commands/${name}.yaml`), "utf8")).toContain(`name: ${name}`);
    }
    // The database and artifacts are ignored; the commands are not.
    expect(await git(repo, "check-ignore", ".prj/prunejuice.db", ".prj/artifacts/x.log")).toBe(".prj/prunejuice.db\n.prj/artifacts/x.log");
    const tracked = await git(repo, "check-ignore", "--no-index", ".prj/commands/start-dev.yaml").catch(() => "");
    expect(tracked).toBe("");
  });

  test("a second run changes nothing", async () => {
    const w = newWorld();
    const repo = await initialisedRepo(w);
    const before = snapshotTree(repo);
    const rows = countRows(join(repo, ".prj/prunejuice.db"));
    const again = await w.prj(["init"], { cwd: repo });
    expectExit(again, 0);
    expect(snapshotTree(repo)).toEqual(before);
    expect(countRows(join(repo, ".prj/prunejuice.db"))).toEqual(rows);
    expect(again.stdout).toContain("nothing changed");
  });

  test("never overwrites a file the user changed, and restores one that is missing", async () => {
    const w = newWorld();
    const repo = await initialisedRepo(w);
    const startDev = join(repo, ".prj/commands/start-dev.yaml");
    const mine = "name: start-dev\ndescription: mine\nsession:\n  windows: [{ name: only }]\n";
    writeFileSync(startDev, mine);
    const reviewPr = join(repo, ".prj/commands/review-pr.yaml");
    rmSync(reviewPr);

    expectExit(await w.prj(["init"], { cwd: repo }), 0);
    expect(readFileSync(startDev, "utf8")).toBe(mine);
    expect(readFileSync(reviewPr, "utf8")).toContain("name: review-pr");
  });

  test("run from a subdirectory initialises the repository root", async () => {
    const w = newWorld();
    const repo = await tempGitRepo("myproject");
    const deep = join(repo, "src/deep");
    mkdirSync(deep, { recursive: true });
    expectExit(await w.prj(["init"], { cwd: deep }), 0);
    expect(existsSync(join(repo, ".prj/commands/start-dev.yaml"))).toBe(true);
    expect(existsSync(join(deep, ".prj"))).toBe(false);
    expect(existsSync(join(repo, "src/.prj"))).toBe(false);
  });

  test("run from a linked worktree initialises the main worktree, which list-commands then finds", async () => {
    const w = newWorld();
    const repo = await tempGitRepo("myproject");
    const linked = join(dirname(repo), "linked");
    await git(repo, "worktree", "add", "-q", "-b", "feature", linked);

    const init = await w.prj(["init"], { cwd: linked });
    expectExit(init, 0);
    expect(existsSync(join(repo, ".prj/commands/start-dev.yaml"))).toBe(true);
    expect(existsSync(join(linked, ".prj"))).toBe(false);

    const nested = join(linked, "sub");
    mkdirSync(nested);
    for (const cwd of [linked, nested]) {
      const list = await w.prj(["list-commands", "--json"], { cwd });
      expectExit(list, 0);
      const commands = JSON.parse(list.stdout) as { name: string; file: string }[];
      expect(commands.map((command) => command.name).sort()).toEqual(DEFAULT_COMMANDS);
      for (const command of commands) {
        const file = command.file.startsWith("~/") ? join(process.env.HOME!, command.file.slice(2)) : resolve(cwd, command.file);
        expect(realpathSync(file)).toBe(realpathSync(join(repo, `.prj/commands/${command.name}.yaml`)));
      }
    }
  });
});

describe("prj list-commands", () => {
  test("lists each command with its arguments and file, as text", async () => {
    const w = newWorld();
    const repo = await initialisedRepo(w);
    const result = await w.prj(["list-commands"], { cwd: repo });
    expectExit(result, 0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^COMMAND\s+ARGUMENTS\s+DESCRIPTION\s+FILE$/);
    const feature = lines.find((line) => line.startsWith("feature-branch "));
    expect(feature).toMatch(/branch=/);
    expect(feature).toContain(".prj/commands/feature-branch.yaml");
    for (const name of DEFAULT_COMMANDS) {
      expect(lines.some((line) => line.startsWith(`${name} `) && line.endsWith(`.prj/commands/${name}.yaml`))).toBe(true);
    }
  });

  test("--json gives name, description, arguments and file for each command", async () => {
    const w = newWorld();
    const repo = await initialisedRepo(w);
    writeFileSync(
      join(repo, ".prj/commands/deploy.yml"),
      "name: deploy\ndescription: Ship it\narguments:\n  - { name: target, required: true, description: Where }\n  - { name: env, default: staging }\n",
    );
    const result = await w.prj(["list-commands", "--json"], { cwd: repo });
    expectExit(result, 0);
    const commands = JSON.parse(result.stdout) as {
      name: string;
      description: string;
      arguments: { name: string; required: boolean; default?: string; description: string }[];
      file: string;
    }[];
    expect(commands.map((command) => command.name).sort()).toEqual(["deploy", ...DEFAULT_COMMANDS].sort());
    for (const command of commands) {
      expect(typeof command.description).toBe("string");
      expect(command.description.length).toBeGreaterThan(0);
      expect(Array.isArray(command.arguments)).toBe(true);
      expect(command.file).toMatch(new RegExp(`^\\.prj/commands/${command.name}\\.ya?ml$`));
    }
    const byName = Object.fromEntries(commands.map((command) => [command.name, command]));
    expect(byName["deploy"]!.file).toBe(".prj/commands/deploy.yml");
    expect(byName["deploy"]!.arguments).toEqual([
      expect.objectContaining({ name: "target", required: true, description: "Where" }),
      expect.objectContaining({ name: "env", required: false, default: "staging" }),
    ]);
    expect(byName["feature-branch"]!.arguments).toEqual([expect.objectContaining({ name: "branch", required: true })]);
    expect(byName["review-pr"]!.arguments).toEqual([expect.objectContaining({ name: "pr", required: true })]);
    expect(byName["start-dev"]!.arguments).toEqual([]);
  });
});

describe("a real run, as the control for the dry-run checks", () => {
  test("prj run start-dev creates the session on the private socket and records it", async () => {
    const w = newWorld();
    const repo = await initialisedRepo(w);
    const database = join(repo, ".prj/prunejuice.db");
    expect(countRows(database)).toEqual({ events: 0, sessions: 0, worktrees: 0 });
    const result = await w.prj(["run", "start-dev", "--json"], { cwd: repo });
    expectExit(result, 0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: "succeeded", session: { name: "myproject-main-dev", created: true }, worktree: null });
    expect(await w.tmux.sessionNames()).toEqual(["myproject-main-dev"]);
    expect((await w.tmux.ok("show-options", "-v", "-t", "=myproject-main-dev:", "@prj_project")).trim()).toBe(realpathSync(repo));
    const rows = countRows(database);
    expect(rows.sessions).toBe(1);
    expect(rows.events).toBeGreaterThanOrEqual(1);
    expect(existsSync(w.socketPath())).toBe(true);
  });
});
