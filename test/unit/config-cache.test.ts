// The validated-config cache (src/config/cache.ts): a hit gives exactly what
// the loaders give, anything changed or doubtful is a miss, and a hit still
// finds positions in the file for error messages.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { configCacheDir, loadCommandCached, loadSettingsCached } from "../../src/config/cache.ts";
import { loadCommand, loadSettings } from "../../src/config/load.ts";
import { ConfigError } from "../../src/errors.ts";
import { tempDir } from "../helpers/world.ts";

const BUILD = { build: "test-build" };

const DEV = `name: dev
description: from the file
session:
  name_template: "{{project}}-dev"
  windows:
    - { name: editor, command: "vim ." }
`;

let originalCwd = "";
let fixtureCount = 0;

beforeAll(() => {
  originalCwd = process.cwd();
});

afterAll(() => {
  process.chdir(originalCwd);
});

/** A fresh project whose `.prj` holds `commands`; the tests run from its root, as users do. */
function project(commands: Record<string, string>, projectYaml?: string): string {
  fixtureCount += 1;
  const root = join(tempDir("cache-"), `p${fixtureCount}`);
  const prj = join(root, ".prj");
  mkdirSync(join(prj, "commands"), { recursive: true });
  mkdirSync(join(prj, "configs"), { recursive: true });
  for (const [file, text] of Object.entries(commands)) writeFileSync(join(prj, "commands", file), text);
  if (projectYaml !== undefined) writeFileSync(join(prj, "configs", "project.yaml"), projectYaml);
  process.chdir(root);
  return prj;
}

interface StoredEntry {
  build: string;
  path: string;
  data: Record<string, unknown>;
}

/** The entries of a cache file, newest first. */
function entriesIn(file: string): StoredEntry[] {
  return (JSON.parse(readFileSync(file, "utf8")) as { entries: StoredEntry[] }).entries;
}

/** The cache file written for `path`, if any. */
function entryFileFor(path: string): string | undefined {
  const dir = configCacheDir();
  if (!existsSync(dir)) return undefined;
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    try {
      if (entriesIn(file).some((entry) => entry.path === resolve(path))) return file;
    } catch {
      continue; // a temporary or broken file belongs to another test
    }
  }
  return undefined;
}

/** Rewrites the data cached for `path` by `build`, so a later hit is recognisable. */
function tamper(path: string, change: (data: Record<string, unknown>) => void, build = BUILD.build): void {
  const file = entryFileFor(path)!;
  const entries = entriesIn(file);
  change(entries.find((entry) => entry.build === build)!.data);
  writeFileSync(file, JSON.stringify({ entries }));
}

describe("loadCommandCached", () => {
  test("validates once, then answers from the cache with the same config", async () => {
    const prj = project({ "dev.yaml": DEV });
    const first = await loadCommandCached(prj, "dev", BUILD);
    expect(first.config).toEqual(loadCommand(prj, "dev").config);
    const file = entryFileFor(first.source.path)!;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(configCacheDir()).mode & 0o777).toBe(0o700);

    tamper(first.source.path, (data) => (data.description = "from the cache"));
    const second = await loadCommandCached(prj, "dev", BUILD);
    expect(second.config.description).toBe("from the cache");
    expect(second.source.displayPath).toBe(".prj/commands/dev.yaml");
    expect(second.source.path).toBe(first.source.path);
  });

  test("an edit that keeps the length is seen", async () => {
    const prj = project({ "dev.yaml": DEV });
    await loadCommandCached(prj, "dev", BUILD);
    writeFileSync(join(prj, "commands", "dev.yaml"), DEV.replace("from the file", "from the edit"));
    expect((await loadCommandCached(prj, "dev", BUILD)).config.description).toBe("from the edit");
  });

  test("two builds used side by side keep an entry each; the oldest of more than four goes", async () => {
    const prj = project({ "dev.yaml": DEV });
    const path = (await loadCommandCached(prj, "dev", { build: "release" })).source.path;
    await loadCommandCached(prj, "dev", { build: "from-source" });
    tamper(path, (data) => (data.description = "release's"), "release");
    tamper(path, (data) => (data.description = "from-source's"), "from-source");
    for (let round = 0; round < 2; round++) {
      expect((await loadCommandCached(prj, "dev", { build: "release" })).config.description).toBe("release's");
      expect((await loadCommandCached(prj, "dev", { build: "from-source" })).config.description).toBe("from-source's");
    }
    // An edit is seen by each build, and each build's new entry replaces only its own.
    writeFileSync(join(prj, "commands", "dev.yaml"), DEV.replace("from the file", "edited"));
    expect((await loadCommandCached(prj, "dev", { build: "release" })).config.description).toBe("edited");
    expect(entriesIn(entryFileFor(path)!).map((entry) => entry.build)).toEqual(["release", "from-source"]);
    expect((await loadCommandCached(prj, "dev", { build: "from-source" })).config.description).toBe("edited");

    for (const build of ["b3", "b4", "b5"]) await loadCommandCached(prj, "dev", { build });
    expect(entriesIn(entryFileFor(path)!).map((entry) => entry.build)).toEqual(["b5", "b4", "b3", "from-source"]);
    const filesForPath = readdirSync(configCacheDir()).filter((name) => {
      try {
        return entriesIn(join(configCacheDir(), name)).some((entry) => entry.path === path);
      } catch {
        return false; // another test's temporary file
      }
    });
    expect(filesForPath).toHaveLength(1);
  });

  test("another build's entry, a broken entry, and no build at all are misses", async () => {
    const prj = project({ "dev.yaml": DEV });
    const path = (await loadCommandCached(prj, "dev", BUILD)).source.path;
    tamper(path, (data) => (data.description = "from the cache"));
    expect((await loadCommandCached(prj, "dev", { build: "another-build" })).config.description).toBe("from the file");

    writeFileSync(entryFileFor(path)!, "{ not json");
    expect((await loadCommandCached(prj, "dev", BUILD)).config.description).toBe("from the file");
    // The miss wrote a good entry again.
    tamper(path, (data) => (data.description = "from the cache"));
    expect((await loadCommandCached(prj, "dev", BUILD)).config.description).toBe("from the cache");

    const other = project({ "solo.yaml": DEV.replace("name: dev", "name: solo") });
    await loadCommandCached(other, "solo", { build: undefined });
    expect(entryFileFor(join(other, "commands", "solo.yaml"))).toBeUndefined();
  });

  test("on a hit, positions still come from the file", async () => {
    const prj = project({ "dev.yaml": DEV });
    await loadCommandCached(prj, "dev", BUILD);
    const hit = await loadCommandCached(prj, "dev", BUILD);
    const real = loadCommand(prj, "dev").source;
    for (const path of [["session", "name_template"], ["session", "windows", 0, "command"], ["description"]]) {
      expect(hit.source.positionOf(path)).toEqual(real.positionOf(path));
    }
    expect(hit.source.positionOf(["session", "windows"], "key")).toEqual({ line: 5, col: 3 });
    expect(hit.source.has(["session", "nothing"])).toBe(false);
  });

  test("an invalid file is never cached and keeps its message", async () => {
    const prj = project({ "typo.yaml": "name: typo\nsession:\n  windws: []\n" });
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await loadCommandCached(prj, "typo", BUILD).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(/^\.prj\/commands\/typo\.yaml:3:3 session\.windws: unknown key/);
    }
    expect(entryFileFor(join(prj, "commands", "typo.yaml"))).toBeUndefined();
  });

  test("finding the file takes no shortcut where the loader would judge", async () => {
    const prj = project({ "dev.yaml": DEV, "other.yaml": "name: other\n", "other.yml": "name: other\n" });
    // A name defined twice anywhere in the directory is an error, as with loadCommand.
    const twice = await loadCommandCached(prj, "dev", BUILD).catch((caught: unknown) => caught);
    expect(String(twice)).toContain("also defined by");
    const plain = project({ "dev.yaml": DEV });
    const unknown = await loadCommandCached(plain, "dve", BUILD).catch((caught: unknown) => caught);
    expect(String(unknown)).toContain('unknown command "dve"');
    expect((unknown as ConfigError).hint).toContain("did you mean dev?");
    const bad = await loadCommandCached(plain, "../dev", BUILD).catch((caught: unknown) => caught);
    expect(String(bad)).toContain("invalid command name");
  });
});

describe("loadSettingsCached", () => {
  const PROJECT = "project:\n  name: cached-app\nsessions:\n  default_task: work\n";

  function globalEnv(yaml: string | undefined): Record<string, string> {
    const xdg = tempDir("xdg-");
    if (yaml !== undefined) {
      mkdirSync(join(xdg, "prunejuice"), { recursive: true });
      writeFileSync(join(xdg, "prunejuice", "config.yaml"), yaml);
    }
    return { HOME: process.env.HOME!, XDG_CONFIG_HOME: xdg, SHELL: "/bin/bash" };
  }

  test("layers the same settings as loadSettings, then answers from the cache", async () => {
    const prj = project({}, PROJECT);
    const env = globalEnv("defaults:\n  tmux_session_prefix: g\n");
    expect(await loadSettingsCached(prj, env, BUILD)).toEqual(loadSettings(prj, env));
    tamper(join(prj, "configs", "project.yaml"), (data) => ((data.project as { name: string }).name = "from-the-cache"));
    tamper(join(env.XDG_CONFIG_HOME!, "prunejuice", "config.yaml"), (data) => ((data.defaults as { tmux_session_prefix: string }).tmux_session_prefix = "c"));
    const settings = await loadSettingsCached(prj, env, BUILD);
    expect(settings.project.name).toBe("from-the-cache");
    expect(settings.defaults.tmux_session_prefix).toBe("c");
    expect(settings.sessions.default_task).toBe("work");
  });

  test("missing files are the defaults and leave no entries", async () => {
    const prj = project({});
    const env = globalEnv(undefined);
    expect(await loadSettingsCached(prj, env, BUILD)).toEqual(loadSettings(prj, env));
    expect(entryFileFor(join(prj, "configs", "project.yaml"))).toBeUndefined();
  });

  test("a broken project file is reported as loadSettings reports it", async () => {
    const prj = project({}, "sessions:\n  default_taks: x\n");
    const env = globalEnv(undefined);
    const error = await loadSettingsCached(prj, env, BUILD).catch((caught: unknown) => caught);
    expect(String(error)).toBe(String((() => {
      try {
        loadSettings(prj, env);
      } catch (caught) {
        return caught;
      }
    })()));
    expect(String(error)).toMatch(/project\.yaml:2:3 sessions\.default_taks/);
  });
});
