/**
 * Where config files are and how their paths are shown. No yaml or TypeBox
 * here: the config cache (cache.ts) needs these on its fast path.
 */
import { isAbsolute, relative, sep } from "node:path";

export type Env = Record<string, string | undefined>;

/**
 * How a file path is shown in messages: relative to the current directory when
 * the file is inside it (`.prj/commands/dev.yaml`), else `~/…` under HOME,
 * else absolute. One rule everywhere, so messages are predictable.
 */
export function displayPath(absPath: string, cwd?: string, home: string | undefined = process.env.HOME): string {
  let base = cwd;
  if (base === undefined) {
    try {
      base = process.cwd();
    } catch (error) {
      // The current directory was deleted under us; an absolute path is still exact.
      if (!(error instanceof Error)) throw error;
      base = undefined;
    }
  }
  if (base !== undefined) {
    const rel = relative(base, absPath);
    if (rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)) return rel;
  }
  if (home && home !== sep && absPath.startsWith(home + sep)) return `~${absPath.slice(home.length)}`;
  return absPath;
}
