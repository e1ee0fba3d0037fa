import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";

/**
 * The one module that knows where things live on disk. Inside the compiled
 * binary `import.meta.dir` is a virtual path, so real paths come only from the
 * environment, the working directory and the filesystem.
 */

type Env = Record<string, string | undefined>;

/**
 * An XDG base directory: the variable when it is absolute, else its default
 * under HOME. The XDG spec says a relative value is invalid and must be ignored.
 */
function xdgDir(variable: string, fallback: string[], env: Env): string {
  const value = env[variable];
  return value && isAbsolute(value) ? value : join(env.HOME || homedir(), ...fallback);
}

export function dataHome(env: Env = process.env): string {
  return xdgDir("XDG_DATA_HOME", [".local", "share"], env);
}

export function cacheDir(env: Env = process.env): string {
  return join(xdgDir("XDG_CACHE_HOME", [".cache"], env), "prunejuice");
}

/** `$XDG_CONFIG_HOME/prunejuice/config.yaml`, default `~/.config/prunejuice/config.yaml`. */
export function globalConfigPath(env: Env = process.env): string {
  return join(xdgDir("XDG_CONFIG_HOME", [".config"], env), "prunejuice", "config.yaml");
}

export function logDir(): string {
  return join(dataHome(), "prunejuice", "logs");
}

/** The machine-wide registry of port blocks, shared by every project (SPEC §8). */
export function portRegistryPath(env: Env = process.env): string {
  return join(dataHome(env), "prunejuice", "ports.db");
}

/** The machine-wide registry of projects prj has initialised or run in (SPEC §12). */
export function projectRegistryPath(env: Env = process.env): string {
  return join(dataHome(env), "prunejuice", "projects.db");
}

/** Where tmux itself appends the end time of sessions it closes (see docs/decisions-observability.md). */
export function sessionEndsFile(): string {
  return join(dataHome(), "prunejuice", "session-ends.tsv");
}

/**
 * The argv that runs this very prj again, for tmux to start (the attention
 * watcher): the compiled binary by its absolute path, or, from source, Bun
 * with the entry script.
 */
export function prjArgv(): string[] {
  const main = Bun.main;
  return main.startsWith("/$bunfs/") || main.startsWith("B:/~BUN/") ? [process.execPath] : [process.execPath, main];
}

export const PRJ_DIR = ".prj";

/** Paths inside a project's `.prj/` directory. */
export function projectPaths(root: string) {
  const prj = join(root, PRJ_DIR);
  return {
    root,
    prj,
    commands: join(prj, "commands"),
    steps: join(prj, "steps"),
    configs: join(prj, "configs"),
    artifacts: join(prj, "artifacts"),
    schemas: join(prj, "schemas"),
    projectConfig: join(prj, "configs", "project.yaml"),
    database: join(prj, "prunejuice.db"),
    gitignore: join(prj, ".gitignore"),
  };
}
export type ProjectPaths = ReturnType<typeof projectPaths>;

/**
 * The main worktree of a linked worktree, read from its `.git` file and the
 * `commondir` git keeps beside it; no git process is started on this hot path.
 * Returns undefined when `dir` is not the root of a linked worktree.
 */
export function mainWorktreeOf(dir: string): string | undefined {
  const dotGit = join(dir, ".git");
  let text: string;
  try {
    if (!statSync(dotGit).isFile()) return undefined;
    text = readFileSync(dotGit, "utf8");
  } catch {
    return undefined; // no .git here: not a worktree root
  }
  const match = /^gitdir:\s*(.+)$/m.exec(text);
  if (!match) return undefined;
  const gitDir = resolve(dir, match[1]!.trim());
  let commonDir = gitDir;
  try {
    const common = readFileSync(join(gitDir, "commondir"), "utf8").trim();
    commonDir = isAbsolute(common) ? common : resolve(gitDir, common);
  } catch {
    return undefined; // a submodule's .git file, not a linked worktree
  }
  return dirname(commonDir);
}

/** Walks up from `start` to the nearest directory holding `.prj/`, honouring linked worktrees. */
export function findProjectRoot(start: string = process.cwd()): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const main = mainWorktreeOf(dir);
    if (main && existsSync(join(main, PRJ_DIR))) return main;
    if (existsSync(join(dir, PRJ_DIR))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The root of the linked worktree of `main` that contains `start`, or undefined
 * when `start` is in the main checkout or in no worktree of `main`. A
 * submodule's `.git` file is walked past; a `.git` directory (the main checkout,
 * or another repository nested inside) ends the walk.
 */
export function linkedWorktreeAround(start: string, main: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const dotGit = join(dir, ".git");
    if (existsSync(dotGit)) {
      const linkedMain = mainWorktreeOf(dir);
      if (linkedMain !== undefined) return samePath(linkedMain, main) ? realPath(dir) : undefined;
      if (statSync(dotGit).isDirectory()) return undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function samePath(a: string, b: string): boolean {
  return resolve(a) === resolve(b) || realPath(a) === realPath(b);
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path); // gone meanwhile: compare and report it as written
  }
}

/** The root of the git repository containing `start` (the main worktree for a linked one), if any. */
export function findGitRoot(start: string = process.cwd()): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, ".git"))) return mainWorktreeOf(dir) ?? dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
