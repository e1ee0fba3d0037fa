/**
 * Port blocks (SPEC §8): each worktree of a project gets `base + 10 × n`,
 * recorded in the database so it stays the same across runs. The main
 * checkout is always recorded first, so it keeps the lowest free block and
 * a linked worktree never collides with it.
 *
 * This is the only place that decides a port: the plan (`plannedPort`) and
 * the record (`recordWorktree`) both go through `portFor`, so a dry run shows
 * the port the real run records. The state store only writes what it is given.
 */
import { StateError } from "../errors.ts";

export const PORT_STEP = 10;
export const MAX_PORT = 65_535;

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
 * The port `path` has or gets, given the project's live rows: a live worktree
 * keeps its block, so `{{port}}` stays stable for as long as it exists; any
 * other (new, or recorded once and removed since) gets the lowest free block.
 */
export function portFor(live: readonly PortRow[], path: string, base: number): number {
  checkPortBase(base);
  const known = live.find((row) => row.path === path);
  if (known) return known.port;
  const port = lowestFree(base, new Set(live.map((row) => row.port)));
  if (port > MAX_PORT) {
    throw new StateError(`no free port block at or above ${base}`, { hint: "remove unused worktrees" });
  }
  return port;
}

/**
 * The port `path` has, or would get once recorded after the main checkout
 * (`mainPath`): what `{{port}}` renders to before the run records anything.
 */
export function plannedPort(rows: readonly PortRow[], options: { mainPath: string; path: string; base: number }): number {
  if (rows.some((row) => row.path === options.mainPath)) return portFor(rows, options.path, options.base);
  const main = portFor(rows, options.mainPath, options.base);
  if (options.path === options.mainPath) return main;
  return portFor([...rows, { path: options.mainPath, port: main }], options.path, options.base);
}

/** The part of the state store that records worktrees. */
export interface WorktreeRecorder<Row extends { port: number } = { port: number }> {
  immediate<T>(fn: () => T): T;
  listWorktrees(projectPath: string): PortRow[];
  saveWorktree(input: { projectPath: string; path: string; branch: string; port: number }): Row;
}

/**
 * Records one worktree with the port `portFor` gives it and returns the saved
 * row. The read of the taken ports and the write share one write transaction,
 * so two prj processes recording at once never get the same block.
 */
export function recordPort<Row extends { port: number }>(
  store: WorktreeRecorder<Row>,
  input: { projectPath: string; path: string; branch: string; portBase: number },
): Row {
  checkPortBase(input.portBase);
  return store.immediate(() => {
    const port = portFor(store.listWorktrees(input.projectPath), input.path, input.portBase);
    return store.saveWorktree({ projectPath: input.projectPath, path: input.path, branch: input.branch, port });
  });
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
  return store.immediate(() => {
    let port: number | undefined;
    if (!store.listWorktrees(project.root).some((row) => row.path === project.root)) {
      port = recordPort(store, { projectPath: project.root, path: project.root, branch: project.mainBranch, portBase: project.portBase }).port;
    }
    if (worktree.path === project.root && port !== undefined) return port;
    return recordPort(store, { projectPath: project.root, path: worktree.path, branch: worktree.branch, portBase: project.portBase }).port;
  });
}

function checkPortBase(base: number): void {
  if (!Number.isInteger(base) || base < 1 || base > MAX_PORT) {
    throw new StateError(`port base must be an integer from 1 to ${MAX_PORT}, got ${base}`, { exitCode: 2 });
  }
}
