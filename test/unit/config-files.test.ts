// Files that are not what they seem: every config, command and step file must
// be a regular file of at most 1 MiB inside the repository, strict UTF-8, and
// YAML that stays cheap to read. Each refusal is quick, exit 2, and says where.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadCommandCached, loadSettingsCached } from "../../src/config/cache.ts";
import { MAX_CONFIG_BYTES, readConfigText } from "../../src/config/files.ts";
import { listCommandFiles, loadCommand, loadGlobalConfig, loadProjectConfig, MAX_YAML_DEPTH, parseYamlFile } from "../../src/config/load.ts";
import { assertShellUsable, shellProblem } from "../../src/config/shell.ts";
import { mergeSettings } from "../../src/config/merge.ts";
import { ConfigError, PrjError, UsageError } from "../../src/errors.ts";
import { commandNameProblem } from "../../src/import/write.ts";
import { findStepFiles, refuseLinkedDatabase } from "../../src/project.ts";
import { run, tempDir } from "../helpers/world.ts";

let originalCwd = "";
let fixtureCount = 0;

beforeAll(() => {
  originalCwd = process.cwd();
});

afterAll(() => {
  process.chdir(originalCwd);
});

/** A fresh repository with `.prj/commands`, `.prj/configs` and `.prj/steps`; the test runs from its root. */
function repository(): { root: string; prj: string } {
  fixtureCount += 1;
  const root = join(tempDir("files-"), `r${fixtureCount}`);
  const prj = join(root, ".prj");
  for (const dir of ["commands", "configs", "steps"]) mkdirSync(join(prj, dir), { recursive: true });
  process.chdir(root);
  return { root, prj };
}

async function mkfifo(path: string): Promise<void> {
  const result = await run(["mkfifo", path]);
  if (result.exitCode !== 0) throw new Error(`mkfifo failed: ${result.stderr}`);
}

/** Runs `load`, expecting a ConfigError within `limitMs`; returns it. */
function refusedQuickly(load: () => unknown, limitMs = 1000): ConfigError {
  const started = performance.now();
  let caught: unknown;
  try {
    load();
  } catch (error) {
    caught = error;
  }
  const elapsed = performance.now() - started;
  if (!(caught instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(caught)}`);
  expect(caught.exitCode).toBe(2);
  expect(elapsed).toBeLessThan(limitMs);
  return caught;
}

describe("readConfigText: what the path turns out to be", () => {
  test("a regular file is read; a missing one or a dangling link is no file", () => {
    const { prj } = repository();
    writeFileSync(join(prj, "configs", "project.yaml"), "project: { name: x }\n");
    symlinkSync(join(prj, "nowhere.yaml"), join(prj, "commands", "dangling.yaml"));
    expect(readConfigText(join(prj, "configs", "project.yaml"))).toBe("project: { name: x }\n");
    expect(readConfigText(join(prj, "configs", "absent.yaml"))).toBeUndefined();
    expect(readConfigText(join(prj, "commands", "dangling.yaml"))).toBeUndefined();
  });

  test("a FIFO is refused at once, without waiting for a writer", async () => {
    const { prj } = repository();
    const fifo = join(prj, "configs", "project.yaml");
    await mkfifo(fifo);
    const error = refusedQuickly(() => readConfigText(fifo));
    expect(error.message).toBe(".prj/configs/project.yaml: is a FIFO (named pipe), not a regular file");
  });

  test("a link to /dev/zero is refused without reading it", () => {
    const { root, prj } = repository();
    const link = join(prj, "commands", "dev.yaml");
    symlinkSync("/dev/zero", link);
    // Without a repository rule the device itself is what is refused.
    expect(refusedQuickly(() => readConfigText(link)).problem).toBe("is a character device, not a regular file");
    expect(refusedQuickly(() => readConfigText(link, { insideRoot: root })).problem).toContain("outside the repository");
  });

  test("a directory is refused", () => {
    const { prj } = repository();
    mkdirSync(join(prj, "commands", "dev.yaml"));
    expect(refusedQuickly(() => readConfigText(join(prj, "commands", "dev.yaml"))).problem).toBe("is a directory, not a regular file");
  });

  test("a file over 1 MiB is refused; exactly 1 MiB is read", () => {
    const { prj } = repository();
    const big = join(prj, "configs", "big.yaml");
    writeFileSync(big, `# ${"x".repeat(MAX_CONFIG_BYTES - 3)}\n`);
    expect(readConfigText(big)?.length).toBe(MAX_CONFIG_BYTES);
    writeFileSync(big, `# ${"x".repeat(MAX_CONFIG_BYTES)}\n`);
    expect(refusedQuickly(() => readConfigText(big)).problem).toStartWith("is larger than 1 MiB (1048579 bytes)");
  });

  test("a link inside the repository is followed; one that leaves it is refused", () => {
    const { root, prj } = repository();
    writeFileSync(join(root, "shared.yaml"), "name: dev\n");
    symlinkSync("../../shared.yaml", join(prj, "commands", "dev.yaml"));
    expect(readConfigText(join(prj, "commands", "dev.yaml"), { insideRoot: root })).toBe("name: dev\n");
    const outside = join(tempDir("elsewhere-"), "secret.yaml");
    writeFileSync(outside, "name: other\n");
    symlinkSync(outside, join(prj, "commands", "other.yaml"));
    const error = refusedQuickly(() => readConfigText(join(prj, "commands", "other.yaml"), { insideRoot: root }));
    expect(error.message).toStartWith(".prj/commands/other.yaml: is a link to ");
    expect(error.problem).toContain("outside the repository");
  });

  test("a linked directory that leaves the repository is refused too", () => {
    const { root, prj } = repository();
    const elsewhere = tempDir("elsewhere-");
    writeFileSync(join(elsewhere, "project.yaml"), "project: { name: x }\n");
    symlinkSync(elsewhere, join(prj, "linked"));
    expect(refusedQuickly(() => readConfigText(join(prj, "linked", "project.yaml"), { insideRoot: root })).problem).toContain("outside the repository");
  });

  test("a link loop is refused", () => {
    const { prj } = repository();
    symlinkSync(join(prj, "commands", "b.yaml"), join(prj, "commands", "a.yaml"));
    symlinkSync(join(prj, "commands", "a.yaml"), join(prj, "commands", "b.yaml"));
    expect(refusedQuickly(() => readConfigText(join(prj, "commands", "a.yaml"))).problem).toContain("loops back on itself");
  });

  test.each([
    ["an invalid byte", Buffer.from("name: dev\ndescription: caf\xe9\n", "latin1"), 2, 17, "byte 0xe9 is not UTF-8 text"],
    ["a stray continuation byte", Buffer.from([0x61, 0x3a, 0x20, 0x80, 0x0a]), 1, 4, "byte 0x80 is not UTF-8 text"],
    ["an overlong encoding", Buffer.from([0x61, 0x3a, 0x20, 0xc0, 0xaf, 0x0a]), 1, 4, "byte 0xc0 is not UTF-8 text"],
    ["an encoded surrogate", Buffer.from([0x0a, 0x61, 0x3a, 0xed, 0xa0, 0x80]), 2, 3, "byte 0xed is not UTF-8 text"],
    ["a cut-off sequence at the end", Buffer.from([0x61, 0x3a, 0x20, 0xe2, 0x82]), 1, 4, "byte 0xe2 is not UTF-8 text"],
    ["a NUL", Buffer.from("name: dev\nsteps: [a\u0000b]\n"), 2, 10, "contains a NUL byte; a config file is text"],
    ["a NUL after non-ASCII text", Buffer.from("description: é\u0000\n"), 1, 15, "contains a NUL byte; a config file is text"],
  ])("%s is an error at its line and column", (_, bytes, line, col, problem) => {
    const { prj } = repository();
    const file = join(prj, "commands", "dev.yaml");
    writeFileSync(file, bytes);
    const error = refusedQuickly(() => readConfigText(file));
    expect({ line: error.line, col: error.col, problem: error.problem }).toEqual({ line, col, problem });
  });

  test("valid UTF-8 with a byte order mark and four-byte characters is read", () => {
    const { prj } = repository();
    const file = join(prj, "commands", "dev.yaml");
    writeFileSync(file, Buffer.from("\ufeffdescription: 🚀 café\n"));
    expect(readConfigText(file)).toBe("description: 🚀 café\n");
  });
});

describe("loading: the loaders and the cache apply the same rules", () => {
  test("a command file that is a FIFO is reported as such, not as an unknown command", async () => {
    const { prj } = repository();
    await mkfifo(join(prj, "commands", "dev.yaml"));
    expect(listCommandFiles(prj).map((file) => file.name)).toEqual(["dev"]);
    expect(refusedQuickly(() => loadCommand(prj, "dev")).message).toBe(".prj/commands/dev.yaml: is a FIFO (named pipe), not a regular file");
  });

  test("the cache does not hang on a FIFO project config or a /dev/zero command", async () => {
    const { prj } = repository();
    await mkfifo(join(prj, "configs", "project.yaml"));
    symlinkSync("/dev/zero", join(prj, "commands", "dev.yaml"));
    const started = performance.now();
    const settings = await loadSettingsCached(prj, process.env, { build: "test-build" }).catch((error: unknown) => error);
    const command = await loadCommandCached(prj, "dev", { build: "test-build" }).catch((error: unknown) => error);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(settings).toBeInstanceOf(ConfigError);
    expect((settings as ConfigError).message).toBe(".prj/configs/project.yaml: is a FIFO (named pipe), not a regular file");
    expect(command).toBeInstanceOf(ConfigError);
    expect((command as ConfigError).problem).toContain("outside the repository");
  });

  test("a project config linked out of the repository is refused; a linked global config is fine", () => {
    const { prj } = repository();
    const elsewhere = tempDir("dotfiles-");
    writeFileSync(join(elsewhere, "config.yaml"), "tmux: { default_window_name: home }\n");
    symlinkSync(join(elsewhere, "config.yaml"), join(prj, "configs", "project.yaml"));
    expect(refusedQuickly(() => loadProjectConfig(prj)).problem).toContain("outside the repository");
    const configHome = tempDir("xdg-");
    mkdirSync(join(configHome, "prunejuice"));
    symlinkSync(join(elsewhere, "config.yaml"), join(configHome, "prunejuice", "config.yaml"));
    expect(loadGlobalConfig({ ...process.env, XDG_CONFIG_HOME: configHome }).config).toEqual({ tmux: { default_window_name: "home" } });
  });

  test("commands that is not a directory is an input error", () => {
    const root = join(tempDir("files-"), "flat");
    mkdirSync(join(root, ".prj"), { recursive: true });
    writeFileSync(join(root, ".prj", "commands"), "");
    process.chdir(root);
    const error = refusedQuickly(() => listCommandFiles(join(root, ".prj")));
    expect(error.message).toBe(".prj/commands: is not a directory");
  });
});

describe("YAML that would cost unbounded time or memory", () => {
  const parse = (text: string) => refusedQuickly(() => parseYamlFile("/virtual/dev.yaml", text));

  test("an alias bomb is refused at its first alias", () => {
    let text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    let previous = "a";
    for (let level = 0; level < 9; level++) {
      const name = `b${level}`;
      text += `${name}: &${name} [${Array(10).fill(`*${previous}`).join(", ")}]\n`;
      previous = name;
    }
    const error = parse(text);
    expect(error.problem).toStartWith("cannot expand YAML aliases");
    expect({ line: error.line, col: error.col }).toEqual({ line: 2, col: 10 });
  });

  test("a few plain aliases still work", () => {
    const source = parseYamlFile("/virtual/dev.yaml", "env: &env { A: 1 }\nother: *env\n");
    expect(source.data).toEqual({ env: { A: 1 }, other: { A: 1 } });
  });

  test("flow nesting is refused before parsing, at the bracket past the limit", () => {
    const error = parse(`name: dev\nsteps: ${"[".repeat(400_000)}${"]".repeat(400_000)}\n`);
    expect(error.problem).toBe(`nested more than ${MAX_YAML_DEPTH} levels deep`);
    expect({ line: error.line, col: error.col }).toEqual({ line: 2, col: 8 + MAX_YAML_DEPTH });
  });

  test("brackets inside quoted strings do not count as nesting", () => {
    const source = parseYamlFile("/virtual/dev.yaml", `description: "${"[".repeat(500)}"\n`);
    expect(source.data).toEqual({ description: "[".repeat(500) });
  });

  test("block nesting past the limit is refused at the first node too deep", () => {
    const lines = Array.from({ length: 200 }, (_, depth) => `${" ".repeat(depth)}k:`);
    const error = parse(`${lines.join("\n")} 1\n`);
    expect(error.problem).toBe(`nested more than ${MAX_YAML_DEPTH} levels deep`);
    expect(error.line).toBe(MAX_YAML_DEPTH + 1);
  });

  test("a huge number of keys is refused quickly", () => {
    const text = Array.from({ length: 60_000 }, (_, index) => `k${index}: 1`).join("\n");
    expect(parse(text).problem).toBe("holds more than 50,000 keys and values");
  });

  test("many keys below the limit, with a duplicate at the end, are checked in linear time", () => {
    const keys = Array.from({ length: 20_000 }, (_, index) => `k${index}: 1`);
    const error = parse([...keys, "k7: 2"].join("\n"));
    expect(error.problem).toBe('duplicate key "k7"');
    expect(error.line).toBe(20_001);
  });
});

describe("steps and the database", () => {
  test("a step must be a regular file inside the repository", async () => {
    const { prj } = repository();
    const steps = join(prj, "steps");
    writeFileSync(join(steps, "good.sh"), "echo ok\n");
    writeFileSync(join(steps, "tool"), "#!/bin/sh\n");
    chmodSync(join(steps, "tool"), 0o755);
    mkdirSync(join(steps, "lib"));
    await mkfifo(join(steps, "pipe.sh"));
    const outside = join(tempDir("elsewhere-"), "evil.sh");
    writeFileSync(outside, "echo evil\n");
    symlinkSync(outside, join(steps, "evil.sh"));
    writeFileSync(join(prj, "helper.sh"), "echo helper\n");
    symlinkSync("../helper.sh", join(steps, "helper.sh"));
    expect(Object.keys(findStepFiles(steps)).sort()).toEqual(["good", "helper", "tool"]);
  });

  test("a database that is a symbolic link is refused; a file or none is fine", () => {
    const { prj } = repository();
    const database = join(prj, "prunejuice.db");
    refuseLinkedDatabase(database);
    symlinkSync(join(tempDir("elsewhere-"), "stolen.db"), database);
    const error = refusedQuickly(() => refuseLinkedDatabase(database));
    expect(error.message).toBe(".prj/prunejuice.db: is a symbolic link; prj does not follow links for its database");
  });

  test("a link where SQLite keeps its write-ahead log is refused too", () => {
    const { prj } = repository();
    const database = join(prj, "prunejuice.db");
    writeFileSync(database, "");
    symlinkSync(join(tempDir("elsewhere-"), "wal"), `${database}-wal`);
    expect(refusedQuickly(() => refuseLinkedDatabase(database)).file).toBe(".prj/prunejuice.db-wal");
  });
});

describe("the session shell", () => {
  test.each([
    ["/bin/sh", undefined],
    ["sh", undefined],
    ["/no/such", "/no/such does not exist"],
    ["no-such-shell-xyz", "no-such-shell-xyz is not on PATH"],
    ["/etc", "/etc is not a program (not a regular file)"],
    ["/bin/bash -l", "/bin/bash -l does not exist"],
    [" /bin/sh", '" /bin/sh" is not a program name (it has leading or trailing spaces)'],
  ])("%s → %p", (shell, problem) => {
    expect(shellProblem(shell)).toBe(problem);
  });

  test("a file without an execute bit is not a shell", () => {
    const file = join(tempDir("shell-"), "notes.txt");
    writeFileSync(file, "hello\n", { mode: 0o644 });
    expect(shellProblem(file)).toBe(`${file} is not executable`);
  });

  test("a bad defaults.shell names the config file and line", async () => {
    const { root, prj } = repository();
    writeFileSync(join(prj, "configs", "project.yaml"), "project:\n  name: x\ndefaults:\n  shell: /no/such\n");
    const settings = mergeSettings({}, loadProjectConfig(prj).config, { projectRoot: root, env: process.env });
    const error = await assertShellUsable(settings, prj).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(".prj/configs/project.yaml:4:10 defaults.shell: /no/such does not exist");
  });

  test("a bad $SHELL says it came from $SHELL", async () => {
    const { root, prj } = repository();
    const env = { ...process.env, SHELL: "/no/such/zsh" };
    const settings = mergeSettings({}, {}, { projectRoot: root, env });
    const error = await assertShellUsable(settings, prj, env).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as PrjError).message).toBe("the shell from $SHELL: /no/such/zsh does not exist");
    expect((error as PrjError).exitCode).toBe(2);
  });
});

describe("command names for freeze and import", () => {
  test.each([
    ["dev", undefined],
    ["feature.branch_2-x", undefined],
    ["..", "it may not start with '.' (prj skips dotfiles in .prj/commands)"],
    [".hidden", "it may not start with '.' (prj skips dotfiles in .prj/commands)"],
    ["-rf", "it may not start with '-' (`prj run` would read it as a flag)"],
    ["a/b", "it may contain only letters, digits, '.', '_' and '-'"],
    ["../escape", "it may contain only letters, digits, '.', '_' and '-'"],
    ["with space", "it may contain only letters, digits, '.', '_' and '-'"],
    ["", "it may contain only letters, digits, '.', '_' and '-'"],
    ["x".repeat(201), "it is longer than 200 characters"],
  ])("%j → %p", (name, problem) => {
    expect(commandNameProblem(name)).toBe(problem);
  });
});
