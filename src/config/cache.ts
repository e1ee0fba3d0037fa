/**
 * The validated-config cache: `prj run` (and every command that opens the
 * project) skips `yaml` and TypeBox when a config file has not changed since
 * it last validated. Parsing and validating cost ~10 ms a run; a hit costs a
 * read of the file and of one small JSON entry.
 *
 * An entry is written only after a file validated, and holds its validated
 * data. It is used only when everything that decided the outcome is the same:
 * the build of prj (BUILD_ID: its sources and lockfile), the file's role
 * (which schema), its absolute path (command names must match file names) and
 * its exact text (length and 64-bit hash of the bytes read now). mtime and
 * ctime are not part of the key: the content is read and hashed anyway, and a
 * timestamp can stay the same across an edit on coarse file systems.
 *
 * Entries live in `$XDG_CACHE_HOME/prunejuice/config-cache/` (0700), one
 * file per config file (so the directory does not grow with edits), written
 * atomically with mode 0600. A file holds the entries of the last
 * ENTRIES_PER_FILE builds that validated it, newest first, so two builds of
 * prj used side by side (a release and one from source, two worktrees' builds)
 * do not evict each other on every run. Any problem reading one is a miss,
 * logged at debug; any problem writing one is logged at debug and otherwise
 * ignored; two prj storing at once may lose one entry, which is a later miss.
 *
 * Positions are only needed when something reports an error. On a hit the
 * returned SourceFile parses the file for real the first time a position is
 * asked for (a template error found while planning, say), so messages still
 * name file:line:col.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { cacheDir, globalConfigPath } from "../paths.ts";
import { log } from "../ui/log.ts";
import { BUILD_ID } from "../version.ts";
import { NAME_PATTERN } from "./defaults.ts";
import { displayPath, readConfigText, type Env } from "./files.ts";
import type { LoadedCommand, SourceFile } from "./load.ts";
import { mergeSettings } from "./merge.ts";
import type { CommandConfig, GlobalConfig, ProjectConfig, Settings } from "./schema.ts";

/** Which schema a file is validated against. */
export type ConfigRole = "global" | "project" | "command";

interface CacheEntry {
  build: string;
  role: ConfigRole;
  path: string;
  length: number;
  hash: string;
  data: unknown;
}

/** How many builds' entries one config file keeps. */
const ENTRIES_PER_FILE = 4;

/** Where entries are kept; follows XDG_CACHE_HOME at call time. */
export function configCacheDir(): string {
  return join(cacheDir(), "config-cache");
}

/** `build` is BUILD_ID; from source (no build id) nothing is cached. Tests pass one. */
interface CacheOptions {
  build?: string | undefined;
}

/**
 * The global and project settings, layered (as `loadSettings` in load.ts),
 * from the cache when both files are unchanged.
 */
export async function loadSettingsCached(prjDir: string, env: Env = process.env, options: CacheOptions = {}): Promise<Settings> {
  const build = "build" in options ? options.build : BUILD_ID;
  const globalPath = globalConfigPath(env);
  const projectPath = join(prjDir, "configs", "project.yaml");
  let global = cachedData(build, "global", globalPath) as GlobalConfig | undefined;
  let project = cachedData(build, "project", projectPath, dirname(resolve(prjDir))) as ProjectConfig | undefined;
  if (global === undefined || project === undefined) {
    const load = await import("./load.ts");
    // The global file first, as loadSettings does, so the same error wins when both are broken.
    if (global === undefined) global = remember(build, "global", load.loadGlobalConfig(env));
    if (project === undefined) project = remember(build, "project", load.loadProjectConfig(prjDir));
  }
  return mergeSettings(global, project, { projectRoot: dirname(resolve(prjDir)), env });
}

/** `.prj/commands/NAME.yaml` (as `loadCommand` in load.ts), from the cache when it is unchanged. */
export async function loadCommandCached(prjDir: string, name: string, options: CacheOptions = {}): Promise<LoadedCommand> {
  const build = "build" in options ? options.build : BUILD_ID;
  const path = build === undefined ? undefined : plainCommandFile(prjDir, name);
  if (path !== undefined) {
    const text = readIfPresent(path, dirname(resolve(prjDir)));
    const data = text === undefined ? undefined : lookup(build!, "command", path, text);
    if (data !== undefined) return { name, config: data as CommandConfig, source: lazySource(path, text!, data) };
  }
  const { loadCommand } = await import("./load.ts");
  const loaded = loadCommand(prjDir, name);
  store(build, "command", loaded.source, loaded.config);
  return loaded;
}

/**
 * The file of command `name` when finding it involves no judgement: a valid
 * name, exactly one `NAME.yaml`/`NAME.yml`, and no other name defined twice
 * in the directory. Anything else is left to load.ts, which reports it.
 */
function plainCommandFile(prjDir: string, name: string): string | undefined {
  if (!new RegExp(NAME_PATTERN).test(name)) return undefined;
  const dir = join(prjDir, "commands");
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    log.debug(`config cache: cannot list ${dir} (${String(error)})`);
    return undefined;
  }
  const seen = new Set<string>();
  let found: string | undefined;
  for (const entry of entries) {
    const match = /^(.+)\.ya?ml$/.exec(entry);
    if (!match || entry.startsWith(".")) continue;
    if (seen.has(match[1]!)) return undefined;
    seen.add(match[1]!);
    if (match[1] === name) found = entry;
  }
  if (found === undefined) return undefined;
  const path = join(dir, found);
  try {
    return statSync(path).isFile() ? path : undefined;
  } catch (error) {
    log.debug(`config cache: cannot stat ${path} (${String(error)})`);
    return undefined;
  }
}

/**
 * The validated data of a config file: `{}` when it does not exist (as the
 * loaders treat it), the cached data on a hit, undefined on a miss.
 */
function cachedData(build: string | undefined, role: ConfigRole, path: string, repository?: string): unknown {
  if (build === undefined) return undefined;
  let text: string | undefined;
  try {
    text = readConfigText(path, repository === undefined ? {} : { insideRoot: repository });
  } catch (error) {
    log.debug(`config cache: cannot use ${path} (${String(error)}); load.ts reports it`);
    return undefined;
  }
  if (text === undefined) return {};
  return lookup(build, role, path, text);
}

/**
 * The file's text by the same rules as load.ts (a regular file of at most
 * 1 MiB inside the repository, strict UTF-8), so a FIFO or /dev/zero cannot
 * hang the fast path either; any problem is a miss that load.ts then reports.
 */
function readIfPresent(path: string, repository: string): string | undefined {
  try {
    return readConfigText(path, { insideRoot: repository });
  } catch (error) {
    log.debug(`config cache: cannot use ${path} (${String(error)}); load.ts reports it`);
    return undefined;
  }
}

/** What a loader returned, recorded in the cache when it came from a file. */
function remember<T extends object>(build: string | undefined, role: ConfigRole, loaded: { config: T; source: SourceFile | undefined }): T {
  if (loaded.source) store(build, role, loaded.source, loaded.config);
  return loaded.config;
}

function entryFile(role: ConfigRole, path: string): string {
  return join(configCacheDir(), `${role}-${Bun.hash(path).toString(16)}.json`);
}

function fingerprint(text: string): string {
  return Bun.hash(text).toString(16);
}

/** The entries kept for one config file, newest first; none when the file is missing or unreadable. */
function readEntries(file: string): Partial<CacheEntry>[] {
  let raw: string;
  try {
    raw = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") log.debug(`config cache: cannot read ${file} (${String(error)})`);
    return [];
  }
  try {
    const parsed = JSON.parse(raw) as { entries?: unknown };
    // A file written before entries were kept per build holds one entry, itself.
    const entries = Array.isArray(parsed.entries) ? parsed.entries : [parsed];
    return entries.filter((entry): entry is Partial<CacheEntry> => typeof entry === "object" && entry !== null);
  } catch (error) {
    log.debug(`config cache: ${file} is not valid JSON (${String(error)}); ignoring it`);
    return [];
  }
}

/** The cached data for exactly this text, or undefined. */
function lookup(build: string, role: ConfigRole, path: string, text: string): unknown {
  const entry = readEntries(entryFile(role, path)).find((candidate) => candidate.build === build);
  const fresh = entry !== undefined && entry.role === role && entry.path === path && entry.length === text.length && entry.hash === fingerprint(text);
  if (!fresh || entry.data === undefined || entry.data === null) {
    log.debug(`config cache: ${path} changed since this build last validated it (or it never did)`);
    return undefined;
  }
  return entry.data;
}

/** Records a file that has just validated. */
function store(build: string | undefined, role: ConfigRole, source: SourceFile, data: unknown): void {
  if (build === undefined) return;
  const entry: CacheEntry = { build, role, path: source.path, length: source.text.length, hash: fingerprint(source.text), data };
  const json = JSON.stringify(entry);
  // Only data that survives JSON unchanged may come back from the cache as this file's config.
  if (!Bun.deepEquals((JSON.parse(json) as CacheEntry).data, data, true)) {
    log.debug(`config cache: ${source.path} holds values JSON cannot carry; not cached`);
    return;
  }
  const file = entryFile(role, source.path);
  // This build's entry replaces its previous one; other builds' stay, the oldest beyond the limit go.
  const others = readEntries(file).filter((other) => other.build !== build && other.role === role && other.path === source.path);
  const contents = `{"entries":[${[json, ...others.slice(0, ENTRIES_PER_FILE - 1).map((other) => JSON.stringify(other))].join(",")}]}`;
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temporary, contents, { mode: 0o600 });
    renameSync(temporary, file);
  } catch (error) {
    log.debug(`config cache: cannot write ${file} (${String(error)}); the next run validates again`);
  }
}

/**
 * A SourceFile for a cache hit: the data is known, and the YAML is parsed only
 * if a position is asked for. That happens while reporting an error, inside
 * synchronous code (the plan builder), hence `require`: it loads load.ts (and
 * yaml and TypeBox with it) on the spot, where a dynamic import could not.
 */
function lazySource(path: string, text: string, data: unknown): SourceFile {
  let parsed: SourceFile | undefined;
  const real = (): SourceFile => (parsed ??= (require("./load.ts") as typeof import("./load.ts")).parseYamlFile(path, text));
  return {
    path,
    displayPath: displayPath(path),
    text,
    data,
    positionOf: (nodePath, target) => real().positionOf(nodePath, target),
    has: (nodePath) => real().has(nodePath),
  };
}
