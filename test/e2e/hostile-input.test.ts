// Hostile and mistaken input, end to end: every case exits 2 with a message
// that names the file, line and value, creates nothing (no file, row or
// session), and never takes the tmux server down. One unrelated session,
// `bystander`, lives on the private server through the whole file; it is
// checked after every case and once more at the end.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { layoutWithChecksum } from "../../src/tmux/layout.ts";
import { expectExit, PrivateTmux, run, tempDir, tempGitRepo, type RunResult } from "../helpers/world.ts";
import { ensureBinary, prjBinary, STACK_LINE } from "./support.ts";

const tmux = new PrivateTmux("hostile");
const BYSTANDER = "bystander";
let tmuxVersion = "";

beforeAll(async () => {
  await ensureBinary();
  await tmux.ok("new-session", "-d", "-s", BYSTANDER, "-x", "80", "-y", "24");
  tmuxVersion = (await run(["tmux", "-V"])).stdout.trim().replace(/^tmux\s+/, "");
}, 180_000);

afterAll(async () => {
  await tmux.dispose();
});

function prj(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<RunResult> {
  return run([prjBinary, ...args], { cwd, env: { PRJ_TMUX_SOCKET: tmux.socket, ...env } });
}

/** A fresh `myproject` repository after `prj init`, with `commands` written into .prj/commands. */
async function project(commands: Record<string, string> = {}): Promise<string> {
  const repo = await tempGitRepo("myproject");
  expectExit(await prj(["init"], repo), 0);
  for (const [file, text] of Object.entries(commands)) writeFileSync(join(repo, ".prj/commands", file), text);
  return repo;
}

async function expectBystanderAlone(): Promise<void> {
  expect(await tmux.sessionNames()).toEqual([BYSTANDER]);
}

/**
 * Every path under `root` with its type, mode, size, mtime and content hash,
 * like support.ts's snapshotTree, except that FIFOs and devices (which these
 * tests plant) are described, never read, and SQLite's shared-memory index
 * (`-shm`), which every open of the database rewrites without changing
 * anything, is left out; a written row still shows in the `-wal` file.
 */
function lastingTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const key = rel ? `${rel}/${name}` : name;
      if (key.endsWith("-shm")) continue;
      const stat = lstatSync(path);
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isSymbolicLink()) out[key] = `link ${mode} -> ${readlinkSync(path)}`;
      else if (stat.isDirectory()) {
        out[key] = `dir ${mode}`;
        walk(path, key);
      } else if (!stat.isFile()) out[key] = `special ${mode} ${stat.mtimeMs}`;
      else out[key] = `file ${mode} ${stat.size} ${stat.mtimeMs} ${new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex")}`;
    }
  };
  walk(root, "");
  return out;
}

/**
 * Runs prj and checks the refusal: exit 2, no stack trace, every expected
 * text in stderr, the repository and its parent unchanged (no worktree, no
 * file, the database untouched), and only the bystander on the server.
 */
async function refused(repo: string, args: string[], expected: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  const parent = dirname(repo);
  const before = lastingTree(parent);
  const result = await prj(args, repo, env);
  expectExit(result, 2);
  expect(result.stderr).not.toMatch(STACK_LINE);
  for (const text of expected) expect(result.stderr).toContain(text);
  expect(lastingTree(parent)).toEqual(before);
  await expectBystanderAlone();
  return result;
}

const window = (lines: string[]) => ["name: bad", "session:", "  windows:", "    - name: work", ...lines.map((line) => `      ${line}`), ""].join("\n");

describe("layouts tmux would crash on", () => {
  test("a misspelt preset, with did-you-mean, for a run and a dry run", async () => {
    const repo = await project({ "bad.yaml": window(["layout: main-vertial", 'panes: ["true", "true"]']) });
    const expected = ['.prj/commands/bad.yaml:5:15 session.windows.0.layout: unknown layout "main-vertial"', "did you mean main-vertical?"];
    await refused(repo, ["run", "bad"], expected);
    await refused(repo, ["run", "bad", "--dry-run"], expected);
  });

  test.each(["vertical", "m", "zzz", "main-vertical;kill-server"])("the value %j", async (layout) => {
    const repo = await project({ "bad.yaml": window([`layout: ${JSON.stringify(layout)}`, 'panes: ["true", "true"]']) });
    await refused(repo, ["run", "bad"], [`.prj/commands/bad.yaml:5:15 session.windows.0.layout: unknown layout ${JSON.stringify(layout)}`]);
  });

  test("a value from an argument is checked after it is substituted", async () => {
    const text = window(['layout: "{{shape}}"', 'panes: ["true", "true"]']).replace("name: bad\n", "name: bad\narguments: [{ name: shape, default: tiled }]\n");
    const repo = await project({ "bad.yaml": text });
    await refused(repo, ["run", "bad", "shape=main-vertial"], ['.prj/commands/bad.yaml:6:15 session.windows.0.layout: unknown layout "main-vertial"']);
  });

  test("a custom layout with a wrong checksum", async () => {
    const layout = `0000,${layoutWithChecksum("80x24,0,0{40x24,0,0,1,39x24,41,0,2}").slice(5)}`;
    const repo = await project({ "bad.yaml": window([`layout: "${layout}"`, 'panes: ["true", "true"]']) });
    await refused(repo, ["run", "bad"], ["session.windows.0.layout: custom layout checksum 0000 does not match its cells (expected 020a)"]);
  });

  test("a custom layout for another number of panes, or whose sizes do not add up", async () => {
    const two = layoutWithChecksum("80x24,0,0{40x24,0,0,1,39x24,41,0,2}");
    const repo = await project({
      "bad.yaml": window([`layout: "${two}"`, 'panes: ["true", "true", "true"]']),
      "sizes.yaml": window([`layout: "${layoutWithChecksum("80x24,0,0{40x24,0,0,1,40x24,41,0,2}")}"`, 'panes: ["true", "true"]']).replace("name: bad", "name: sizes"),
    });
    await refused(repo, ["run", "bad"], ["the custom layout has 2 panes but the window has 3"]);
    await refused(repo, ["run", "sizes"], ["the cells inside cell 80x24,0,0 add up to width 81, not 80"]);
  });

  test.skipIf(versionAtLeast35())("a mirrored preset on a server older than 3.5 (this tmux is older)", async () => {
    const repo = await project({ "bad.yaml": window(["layout: main-vertical-mirrored", 'panes: ["true", "true"]']) });
    await refused(repo, ["run", "bad", "--dry-run"], [
      `.prj/commands/bad.yaml:5:15 session.windows.0.layout: layout "main-vertical-mirrored" needs tmux 3.5 or newer (the tmux server is ${tmuxVersion})`,
      "use main-vertical",
    ]);
  });

  test("a window name that would be a control character", async () => {
    const text = ["name: bad", "arguments: [{ name: title }]", "session:", "  windows:", '    - name: "{{title}}"', ""].join("\n");
    const repo = await project({ "bad.yaml": text });
    await refused(repo, ["run", "bad", "title=first\nsecond"], [".prj/commands/bad.yaml:5:13 session.windows.0.name: window name", "a newline"]);
  });

  test("doctor reports the bad layout with its position", async () => {
    const repo = await project({ "bad.yaml": window(["layout: main-vertial", 'panes: ["true", "true"]']) });
    const result = await prj(["doctor", "--json"], repo);
    expectExit(result, 1);
    const commands = (JSON.parse(result.stdout) as { checks: { id: string; status: string; details?: string[] }[] }).checks.find((check) => check.id === "commands");
    expect(commands?.status).toBe("fail");
    expect(commands?.details?.join("\n")).toContain('.prj/commands/bad.yaml:5:15 session.windows.0.layout: unknown layout "main-vertial" (did you mean main-vertical?');
    await expectBystanderAlone();
  });
});

function versionAtLeast35(): boolean {
  const version = Bun.spawnSync(["tmux", "-V"]).stdout.toString();
  const match = /(\d+)\.(\d+)/.exec(version);
  return match !== null && (Number(match[1]) > 3 || (Number(match[1]) === 3 && Number(match[2]) >= 5));
}

describe("files that are not what they seem", () => {
  test("a command file linked to /dev/zero", async () => {
    const repo = await project();
    symlinkSync("/dev/zero", join(repo, ".prj/commands/zero.yaml"));
    await refused(repo, ["run", "zero"], [".prj/commands/zero.yaml: is a link to /dev/zero, outside the repository"]);
  });

  test("a command file that is a FIFO, and a project config that is one", async () => {
    const repo = await project();
    expectExit(await run(["mkfifo", join(repo, ".prj/commands/pipe.yaml")]), 0);
    await refused(repo, ["run", "pipe"], [".prj/commands/pipe.yaml: is a FIFO (named pipe), not a regular file"]);
    const config = join(repo, ".prj/configs/project.yaml");
    expectExit(await run(["rm", config]), 0);
    expectExit(await run(["mkfifo", config]), 0);
    await refused(repo, ["run", "start-dev"], [".prj/configs/project.yaml: is a FIFO (named pipe), not a regular file"]);
  });

  test("a command file that is a directory", async () => {
    const repo = await project();
    mkdirSync(join(repo, ".prj/commands/dir.yaml"));
    await refused(repo, ["run", "dir"], [".prj/commands/dir.yaml: is a directory, not a regular file"]);
  });

  test("a command file linked out of the repository", async () => {
    const repo = await project();
    const outside = join(tempDir("elsewhere-"), "stolen.yaml");
    writeFileSync(outside, "name: stolen\nsteps: [{ run: 'touch pwned' }]\n");
    symlinkSync(outside, join(repo, ".prj/commands/stolen.yaml"));
    await refused(repo, ["run", "stolen"], [".prj/commands/stolen.yaml: is a link to", "outside the repository"]);
  });

  test("a command file over 1 MiB", async () => {
    const repo = await project({ "big.yaml": `name: big\n# ${"x".repeat(1024 * 1024)}\n` });
    await refused(repo, ["run", "big"], [".prj/commands/big.yaml: is larger than 1 MiB"]);
  });

  test("an alias bomb, deep nesting and a huge key count", async () => {
    let bomb = "name: bomb\na: &a [x, x, x, x, x, x, x, x, x, x]\n";
    let previous = "a";
    for (let level = 0; level < 9; level++) {
      bomb += `b${level}: &b${level} [${Array(10).fill(`*${previous}`).join(", ")}]\n`;
      previous = `b${level}`;
    }
    const keys = ["name: keys", ...Array.from({ length: 60_000 }, (_, index) => `k${index}: 1`)].join("\n");
    const repo = await project({ "bomb.yaml": bomb, "deep.yaml": `name: deep\nsteps: ${"[".repeat(300_000)}${"]".repeat(300_000)}\n`, "keys.yaml": keys });
    await refused(repo, ["run", "bomb"], [".prj/commands/bomb.yaml:3:10: cannot expand YAML aliases"]);
    await refused(repo, ["run", "deep"], [".prj/commands/deep.yaml:2:72: nested more than 64 levels deep"]);
    await refused(repo, ["run", "keys"], [".prj/commands/keys.yaml:", "holds more than 50,000 keys and values"]);
  });

  test("bytes that are not UTF-8, and a NUL", async () => {
    const repo = await project();
    writeFileSync(join(repo, ".prj/commands/latin.yaml"), Buffer.from("name: latin\ndescription: caf\xe9\n", "latin1"));
    writeFileSync(join(repo, ".prj/commands/nul.yaml"), "name: nul\ndescription: a\u0000b\n");
    await refused(repo, ["run", "latin"], [".prj/commands/latin.yaml:2:17: byte 0xe9 is not UTF-8 text"]);
    await refused(repo, ["run", "nul"], [".prj/commands/nul.yaml:2:15: contains a NUL byte"]);
  });

  test("a database that is a symbolic link is not followed", async () => {
    const repo = await project();
    const target = join(tempDir("elsewhere-"), "other.db");
    const database = join(repo, ".prj/prunejuice.db");
    expectExit(await run(["rm", database]), 0);
    symlinkSync(target, database);
    await refused(repo, ["run", "start-dev", "--dry-run"], [".prj/prunejuice.db: is a symbolic link; prj does not follow links for its database"]);
    await refused(repo, ["list-sessions"], [".prj/prunejuice.db: is a symbolic link"]);
    expect(existsSync(target)).toBe(false);
  });

  test("a step linked out of the repository never runs", async () => {
    const marker = join(tempDir("marker-"), "ran");
    const outside = join(tempDir("elsewhere-"), "evil.sh");
    writeFileSync(outside, `touch '${marker}'\n`);
    const repo = await project({ "stepper.yaml": "name: stepper\nsteps: [evil]\n" });
    symlinkSync(outside, join(repo, ".prj/steps/evil.sh"));
    const result = await refused(repo, ["run", "stepper"], ['.prj/commands/stepper.yaml:2:9 steps.0: unknown step "evil"']);
    expect(result.stderr).toContain(".prj/steps/evil.sh is a link to");
    expect(existsSync(marker)).toBe(false);
  });
});

describe("the session shell", () => {
  test("defaults.shell that does not exist names the global config and line", async () => {
    const repo = await project({ "plain.yaml": "name: plain\nsession: {}\n" });
    const configHome = tempDir("xdg-");
    mkdirSync(join(configHome, "prunejuice"));
    writeFileSync(join(configHome, "prunejuice", "config.yaml"), "defaults:\n  shell: /no/such\n");
    const env = { XDG_CONFIG_HOME: configHome };
    await refused(repo, ["run", "plain"], [`${join(configHome, "prunejuice", "config.yaml")}:2:10 defaults.shell: /no/such does not exist`], env);
    await refused(repo, ["run", "plain", "--dry-run"], ["defaults.shell: /no/such does not exist"], env);
  });

  test("a $SHELL that does not exist says it came from $SHELL", async () => {
    const repo = await project({ "plain.yaml": "name: plain\nsession: {}\n" });
    await refused(repo, ["run", "plain"], ["prj: the shell from $SHELL: /no/such/zsh does not exist"], { SHELL: "/no/such/zsh" });
  });
});

describe("names for freeze and import", () => {
  test.each(["..", ".hidden", "-rf", "a/b", "x".repeat(201)])("--name %j is refused", async (name) => {
    const repo = await project();
    const tmuxinator = join(repo, "proj.yml");
    writeFileSync(tmuxinator, "name: proj\nwindows:\n  - editor: vim\n");
    await refused(repo, ["freeze", BYSTANDER, `--name=${name}`], [`invalid command name ${JSON.stringify(name)}`]);
    await refused(repo, ["import", "tmuxinator", tmuxinator, `--name=${name}`], [`invalid command name ${JSON.stringify(name)}`]);
  });
});

describe("task=", () => {
  test("names the session of a command that does not declare it", async () => {
    const repo = await project({ "plain.yaml": "name: plain\nsession: {}\n" });
    const plan = JSON.parse(expectExit(await prj(["run", "start-dev", "task=frontend", "--dry-run", "--json"], repo), 0).stdout);
    expect(plan.session.name).toBe("myproject-main-frontend");
    expectExit(await prj(["run", "plain", "task=frontend"], repo), 0);
    expect((await tmux.sessionNames()).sort()).toEqual([BYSTANDER, "myproject-main-frontend"]);
    expect((await tmux.ok("show-options", "-v", "-t", "=myproject-main-frontend:", "@prj_task")).trim()).toBe("frontend");
    expectExit(await prj(["kill-session", "myproject-main-frontend"], repo), 0);
    await expectBystanderAlone();
  });
});

test("the bystander session outlived every case", async () => {
  await expectBystanderAlone();
  expect((await tmux.ok("display-message", "-p", "-t", `=${BYSTANDER}:`, "#{session_name}")).trim()).toBe(BYSTANDER);
});
