/**
 * Port blocks (SPEC §8): each worktree of a project gets `base + 10 × n`,
 * recorded in the database so it stays the same across runs. The main
 * checkout is always recorded first, so it keeps the lowest free block and
 * a linked worktree never collides with it.
 */

export const PORT_STEP = 10;

/** The recorded worktrees of a project (not removed), as far as ports are concerned. */
export interface PortRow {
  path: string;
  port: number;
}

/** The first port block from `base` that no entry of `taken` holds. */
export function lowestFree(base: number, taken: ReadonlySet<number>): number {
  let port = base;
  while (taken.has(port)) port += PORT_STEP;
  return port;
}

/**
 * The port `path` has, or would get once recorded after the main checkout
 * (`mainPath`): what `{{port}}` renders to before the run records anything.
 */
export function plannedPort(rows: readonly PortRow[], options: { mainPath: string; path: string; base: number }): number {
  const known = rows.find((row) => row.path === options.path);
  if (known) return known.port;
  const taken = new Set(rows.map((row) => row.port));
  if (!rows.some((row) => row.path === options.mainPath)) {
    const main = lowestFree(options.base, taken);
    if (options.path === options.mainPath) return main;
    taken.add(main);
  }
  return lowestFree(options.base, taken);
}

/** The part of the state store that records worktrees. */
export interface WorktreeRecorder {
  listWorktrees(projectPath: string): PortRow[];
  upsertWorktree(input: { projectPath: string; path: string; branch: string; portBase: number }): { port: number };
}

/**
 * Records a worktree and its port block, the main checkout first (when it is
 * not recorded yet) so it keeps a block of its own. Returns the port of `path`.
 */
export function recordWorktree(
  store: WorktreeRecorder,
  project: { root: string; mainBranch: string; portBase: number },
  worktree: { path: string; branch: string },
): number {
  let port: number | undefined;
  if (!store.listWorktrees(project.root).some((row) => row.path === project.root)) {
    port = store.upsertWorktree({ projectPath: project.root, path: project.root, branch: project.mainBranch, portBase: project.portBase }).port;
  }
  if (worktree.path === project.root && port !== undefined) return port;
  return store.upsertWorktree({ projectPath: project.root, path: worktree.path, branch: worktree.branch, portBase: project.portBase }).port;
}
