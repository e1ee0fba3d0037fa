/**
 * Port blocks (SPEC §8): each worktree gets `base + 10 × n`, unique on the
 * machine across all projects, recorded in its project's database so it stays
 * the same across runs. The main checkout is always recorded first, so it
 * keeps the lowest free block and a linked worktree never collides with it.
 *
 * This is the only place that decides a port: the plan (`plannedPort`) and
 * the record (`recordWorktree`) both go through `portFor`, so a dry run shows
 * the port the real run records. The state store only writes what it is given,
 * and the machine-wide registry (registry.ts) only holds the claims made here.
 *
 * A new block skips blocks that other projects' live worktrees claim and
 * blocks where something already listens. The listening check binds each of
 * the block's ten ports on 127.0.0.1 and ::1 (about 0.2 ms a block); it runs
 * only when a new block is chosen, never for a worktree that keeps its own.
 */
import { existsSync } from "node:fs";
import { StateError } from "../errors.ts";
import { portRegistryPath } from "../paths.ts";
import { log } from "../ui/log.ts";
import { PortRegistry, type PortClaim } from "./registry.ts";

export const PORT_STEP = 10;
export const MAX_PORT = 65_535;

/** The recorded worktrees of a project (not removed), as far as ports are concerned. */
export interface PortRow {
  path: string;
  port: number;
}

/** What the rest of the machine holds, as far as one project's choice of a block goes. */
export interface MachinePorts {
  /** First ports of the blocks that live worktrees of other projects hold. */
  claimed: readonly number[];
  /** Whether something on the machine already listens on a port of the block starting at `port`. */
  inUse(port: number): boolean;
}

/** A machine where nothing but this project holds ports. */
export const NO_OTHER_PORTS: MachinePorts = { claimed: [], inUse: () => false };

/**
 * The port `path` has or gets, given the project's live rows and what the rest
 * of the machine holds. A live worktree keeps its block, so `{{port}}` stays
 * stable for as long as it exists, unless another project's worktree holds
 * that block in the registry (two projects got it before the registry
 * existed); any other path gets the lowest block that nothing holds.
 */
export function portFor(live: readonly PortRow[], path: string, base: number, machine: MachinePorts = NO_OTHER_PORTS): number {
  checkPortBase(base);
  const known = live.find((row) => row.path === path);
  if (known && !machine.claimed.some((other) => overlaps(other, known.port))) return known.port;
  const taken = [...live.filter((row) => row.path !== path).map((row) => row.port), ...machine.claimed];
  for (let port = base; port <= MAX_PORT; port += PORT_STEP) {
    if (taken.some((other) => overlaps(other, port))) continue;
    if (machine.inUse(port)) continue;
    return port;
  }
  throw new StateError(`no free port block at or above ${base}`, { hint: "remove unused worktrees" });
}

/**
 * The port `path` has, or would get once recorded after the main checkout
 * (`mainPath`, the project's root): what `{{port}}` renders to before the run
 * records anything. It only looks: the registry is read when it exists, never
 * made, and `machine` replaces that look in tests.
 */
export function plannedPort(
  rows: readonly PortRow[],
  options: { mainPath: string; path: string; base: number },
  machine: MachinePorts = lookAtMachine(options.mainPath),
): number {
  if (rows.some((row) => row.path === options.mainPath)) return portFor(rows, options.path, options.base, machine);
  const main = portFor(rows, options.mainPath, options.base, machine);
  if (options.path === options.mainPath) return main;
  return portFor([...rows, { path: options.mainPath, port: main }], options.path, options.base, machine);
}

/** The part of the state store that records worktrees. */
export interface WorktreeRecorder<Row extends { port: number } = { port: number }> {
  immediate<T>(fn: () => T): T;
  listWorktrees(projectPath: string): PortRow[];
  saveWorktree(input: { projectPath: string; path: string; branch: string; port: number }): Row;
}

/**
 * Records one worktree with the port `portFor` gives it and returns the saved
 * row. The project's rows are read and written in one write transaction of its
 * database, and the block is claimed under the registry's lock inside it, so
 * two prj processes recording at once, in one project or in two, never get
 * the same block.
 */
export function recordPort<Row extends { port: number }>(
  store: WorktreeRecorder<Row>,
  input: { projectPath: string; path: string; branch: string; portBase: number },
): Row {
  checkPortBase(input.portBase);
  return store.immediate(() => {
    const live = store.listWorktrees(input.projectPath);
    const port = claimBlock(live, input);
    const known = live.find((row) => row.path === input.path);
    if (known && known.port !== port) {
      log.warn(`port block of ${input.path} moved from ${known.port} to ${port}: another project's worktree holds ${known.port}`);
    }
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

/** The part of the state store that marks worktrees removed. */
export interface WorktreeRemover {
  markWorktreeRemoved(path: string): boolean;
}

/**
 * Records a project's worktree as removed and frees its block on the machine.
 * Returns false when no live worktree had that path. A block the registry
 * could not free is only reported: a claim whose worktree is gone counts for
 * nothing (see {@link otherProjectsBlocks}).
 */
export function releaseWorktree(store: WorktreeRemover, worktree: { projectPath: string; path: string }): boolean {
  const removed = store.markWorktreeRemoved(worktree.path);
  const registry = openRegistryIfExists();
  if (!registry) return removed;
  try {
    registry.release(worktree.path, worktree.projectPath);
  } catch (error) {
    log.warn(`could not free the port block of ${worktree.path}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    registry.close();
  }
  return removed;
}

/**
 * The blocks other projects hold: their claims whose worktree still exists.
 * This project's own claims are left out, since its database (whose write lock
 * the caller holds) is the record of its worktrees; a claim left behind by a
 * worktree deleted without prj, or by a prj that died between the registry and
 * its database, so holds nothing.
 */
export function otherProjectsBlocks(claims: readonly PortClaim[], projectPath: string): number[] {
  return claims.filter((claim) => claim.projectPath !== projectPath && existsSync(claim.worktreePath)).map((claim) => claim.port);
}

/** Chooses (or keeps) the block of `input.path` and makes sure the registry holds it for that path. */
function claimBlock(live: readonly PortRow[], input: { projectPath: string; path: string; portBase: number }): number {
  const registry = openRegistry();
  if (!registry) return portFor(live, input.path, input.portBase, { claimed: [], inUse: blockInUse });
  try {
    const held = (claims: readonly PortClaim[], port: number) =>
      claims.some((claim) => claim.port === port && claim.worktreePath === input.path && claim.projectPath === input.projectPath);
    // A worktree keeping the block it already holds changes nothing, so it takes no lock.
    const known = live.find((row) => row.path === input.path);
    if (known) {
      const claims = registry.claims();
      const clash = otherProjectsBlocks(claims, input.projectPath).some((other) => overlaps(other, known.port));
      if (!clash && held(claims, known.port)) return known.port;
    }
    return registry.exclusive(() => {
      const claims = registry.claims();
      const port = portFor(live, input.path, input.portBase, { claimed: otherProjectsBlocks(claims, input.projectPath), inUse: blockInUse });
      if (!held(claims, port)) registry.claim({ port, worktreePath: input.path, projectPath: input.projectPath });
      return port;
    });
  } finally {
    registry.close();
  }
}

/** What a plan sees of the machine: the registry's claims if there is one, and the listening check. */
function lookAtMachine(projectPath: string): MachinePorts {
  let claims: PortClaim[] = [];
  try {
    claims = PortRegistry.read();
  } catch (error) {
    // The record reads it again under its lock and says what is wrong; the plan only loses accuracy.
    log.debug(`port registry not read for the plan: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { claimed: otherProjectsBlocks(claims, projectPath), inUse: blockInUse };
}

let registryWarned = false;

/**
 * The registry, made if missing. When it cannot be opened at all (a read-only
 * data directory) prj goes on with ports unique within the project and on the
 * listening check, and says so once.
 */
function openRegistry(): PortRegistry | undefined {
  try {
    return PortRegistry.open();
  } catch (error) {
    if (!registryWarned) {
      registryWarned = true;
      log.warn(
        `${error instanceof Error ? error.message : String(error)}; port blocks are unique within this project only`,
      );
    }
    return undefined;
  }
}

function openRegistryIfExists(): PortRegistry | undefined {
  if (!existsSync(portRegistryPath())) return undefined;
  try {
    return PortRegistry.open();
  } catch (error) {
    log.warn(`could not open the port registry: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** Two blocks share a port (projects may use different bases). */
function overlaps(a: number, b: number): boolean {
  return Math.abs(a - b) < PORT_STEP;
}

/** Loopback addresses a dev server listens on; one the machine lacks (no IPv6) is dropped. */
const probeHosts = ["127.0.0.1", "::1"];
/** Another prj's check holds a port for microseconds, a server for good: a busy port is asked again before it counts. */
const PROBE_ATTEMPTS = 3;
const PROBE_RETRY_MS = 2;

/** Whether something listens on any of the block's ports. */
export function blockInUse(first: number): boolean {
  for (let port = first; port < first + PORT_STEP && port <= MAX_PORT; port++) {
    if (portInUse(port)) return true;
  }
  return false;
}

function portInUse(port: number): boolean {
  for (const hostname of [...probeHosts]) {
    for (let attempt = 1; tryBind(hostname, port) === "in use"; attempt++) {
      if (attempt === PROBE_ATTEMPTS) return true;
      Bun.sleepSync(PROBE_RETRY_MS);
    }
  }
  return false;
}

function tryBind(hostname: string, port: number): "free" | "in use" | "unknown" {
  try {
    Bun.listen({ hostname, port, socket: { data() {} } }).stop(true);
    return "free";
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE") return "in use";
    if (code === "EADDRNOTAVAIL" || code === "EAFNOSUPPORT") probeHosts.splice(probeHosts.indexOf(hostname), 1);
    // EACCES (a port below 1024) and the like: nothing can be told, and a server could not listen there either.
    log.debug(`port ${port} on ${hostname} not checked: ${code ?? String(error)}`);
    return "unknown";
  }
}

function checkPortBase(base: number): void {
  if (!Number.isInteger(base) || base < 1 || base > MAX_PORT) {
    throw new StateError(`port base must be an integer from 1 to ${MAX_PORT}, got ${base}`, { exitCode: 2 });
  }
}
