import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { displayPath, isInside } from "./config/files.ts";
import type { Settings } from "./config/schema.ts";
import { ConfigError, UsageError } from "./errors.ts";
import { findProjectRoot, projectPaths, type ProjectPaths } from "./paths.ts";
import { log } from "./ui/log.ts";

/** An initialised project: where it is and its layered settings. */
export interface Project {
  name: string;
  root: string;
  paths: ProjectPaths;
  settings: Settings;
  /** The tmux server prj drives: PRJ_TMUX_SOCKET, else `tmux.socket_name`, else the default server. */
  socket: string | undefined;
}

/** Finds the project around `cwd` and loads its settings; no `.prj/` is a usage error with a hint. */
export async function openProject(cwd: string = process.cwd()): Promise<Project> {
  const root = findProjectRoot(cwd);
  if (!root) {
    throw new UsageError(`no .prj directory found in ${cwd} or any parent`, "run `prj init` in your repository first");
  }
  const paths = projectPaths(root);
  refuseLinkedDatabase(paths.database);
  // Through the validated-config cache: unchanged files cost no YAML parsing or TypeBox.
  const { loadSettingsCached } = await import("./config/cache.ts");
  const settings = await loadSettingsCached(paths.prj);
  return {
    name: settings.project.name,
    root,
    paths,
    settings,
    socket: tmuxSocketOf(settings.tmux.socket_name),
  };
}

/** The tmux server prj drives: PRJ_TMUX_SOCKET, else the configured `tmux.socket_name`, else the default server (undefined). */
export function tmuxSocketOf(socketName: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.PRJ_TMUX_SOCKET || socketName;
}

/**
 * The checked-out branch of a worktree, read from `.git/HEAD` without starting
 * git. A detached HEAD gives its short commit id; a directory outside git gives
 * "main", so naming still works there.
 */
export function currentBranch(worktree: string): string {
  let head: string;
  try {
    const dotGit = join(worktree, ".git");
    let gitDir = dotGit;
    if (statSync(dotGit).isFile()) {
      const match = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, "utf8"));
      if (match) gitDir = resolve(worktree, match[1]!.trim());
    }
    head = readFileSync(join(gitDir, "HEAD"), "utf8").trim();
  } catch {
    return "main"; // not a git checkout
  }
  const ref = /^ref:\s*refs\/heads\/(.+)$/.exec(head);
  if (ref) return ref[1]!;
  return head.slice(0, 7);
}

/**
 * Custom steps in `.prj/steps`: an executable `NAME` or a `NAME.sh` run with
 * sh. Directories are skipped (they may hold the steps' helpers). A step must
 * be a regular file inside the repository: a link that leaves it, a FIFO or a
 * device is not a step, and a warning says why it was passed over.
 */
export function findStepFiles(stepsDir: string): Record<string, string> {
  return scanStepFiles(stepsDir).steps;
}

/**
 * The custom steps, and the files that would be steps but are not executable
 * (`NAME` without its x bit): a run that names one says why it cannot run it.
 */
export function scanStepFiles(stepsDir: string): { steps: Record<string, string>; notExecutable: Record<string, string> } {
  const out: Record<string, string> = {};
  const notExecutable: Record<string, string> = {};
  let entries: string[];
  try {
    entries = readdirSync(stepsDir);
  } catch {
    return { steps: out, notExecutable }; // no steps directory: no custom steps
  }
  let repository: string | undefined;
  for (const entry of entries.sort()) {
    if (entry.startsWith(".")) continue;
    const name = entry.endsWith(".sh") ? entry.slice(0, -3) : entry;
    if (!/^[A-Za-z0-9._-]+$/.test(name)) continue;
    const path = join(stepsDir, entry);
    try {
      const stat = statSync(path);
      if (stat.isDirectory()) continue;
      repository ??= realpathSync(dirname(dirname(resolve(stepsDir))));
      const real = realpathSync(path);
      if (!isInside(real, repository)) {
        log.warn(`${displayPath(path)} is a link to ${real}, outside the repository; it is not used as a step`);
        continue;
      }
      if (!stat.isFile()) {
        log.warn(`${displayPath(path)} is not a regular file; it is not used as a step`);
        continue;
      }
      if (!entry.endsWith(".sh") && (stat.mode & 0o111) === 0) {
        notExecutable[name] ??= path;
        continue;
      }
    } catch {
      continue; // dangling link: not a step
    }
    out[name] ??= path;
  }
  return { steps: out, notExecutable };
}

/**
 * Refuses a `.prj/prunejuice.db` that is a symbolic link, or a link beside it
 * where SQLite keeps its write-ahead log and lock (`-wal`, `-shm`, `-journal`):
 * SQLite would write wherever they point. Checked before the database is opened.
 */
export function refuseLinkedDatabase(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    let linked: boolean;
    try {
      linked = lstatSync(file).isSymbolicLink();
    } catch {
      continue; // not there (yet): SQLite creates it as a plain file
    }
    if (linked) {
      throw new ConfigError(
        { file: displayPath(file) },
        "is a symbolic link; prj does not follow links for its database",
        `remove the link (\`rm ${displayPath(file)}\`)${file === path ? " and run `prj init` for a fresh database" : ""}`,
      );
    }
  }
}
