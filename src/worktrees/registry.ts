/**
 * The machine-wide registry of port blocks (SPEC §8): one small SQLite file,
 * `$XDG_DATA_HOME/prunejuice/ports.db`, where every project's prj claims the
 * blocks its worktrees hold. Each project's own database stays the record of
 * which worktree has which port; this file only makes the choice unique across
 * projects. `BEGIN IMMEDIATE` is the machine-wide lock for choosing a block,
 * and SQLite's rollback journal keeps the file whole when a prj dies mid-write.
 *
 * The rollback journal (not WAL) is deliberate: a plan's read-only look at an
 * existing registry then opens it without creating any file beside it.
 */
import type { Database } from "bun:sqlite";
import { portRegistryPath } from "../paths.ts";
import { exclusively, openRegistryForReading, openRegistryForWriting, type MachineRegistry } from "../state/machine-registry.ts";
import { guard, nowIso } from "../state/sqlite.ts";

/** One block held by one worktree of one project. */
export interface PortClaim {
  /** The block's first port. */
  port: number;
  worktreePath: string;
  projectPath: string;
}

const PORT_REGISTRY: MachineRegistry = {
  label: "port registry",
  version: 1,
  schema: `
CREATE TABLE IF NOT EXISTS port_blocks (
  port INTEGER PRIMARY KEY,
  worktree_path TEXT NOT NULL UNIQUE,
  project_path TEXT NOT NULL,
  claimed_at TEXT NOT NULL
)`,
};

const CLAIM_COLUMNS = "port, worktree_path AS worktreePath, project_path AS projectPath";

export class PortRegistry {
  private constructor(private readonly db: Database) {}

  /** Opens the registry for claiming and releasing, creating it (mode 0600) and its table when missing. */
  static open(path: string = portRegistryPath()): PortRegistry {
    return new PortRegistry(openRegistryForWriting(path, PORT_REGISTRY));
  }

  /**
   * The claims as they stand, without the lock and without creating anything:
   * no registry yet (or one still being made) has none.
   */
  static read(path: string = portRegistryPath()): PortClaim[] {
    const db = openRegistryForReading(path, PORT_REGISTRY);
    if (!db) return [];
    try {
      return new PortRegistry(db).claims();
    } finally {
      db.close();
    }
  }

  claims(): PortClaim[] {
    return guard("read the port registry", () =>
      this.db.query<PortClaim, []>(`SELECT ${CLAIM_COLUMNS} FROM port_blocks ORDER BY port`).all(),
    );
  }

  /** Runs `fn` holding the machine-wide write lock, so two prj processes choosing a block at once see each other's claims. */
  exclusive<T>(fn: () => T): T {
    return exclusively(this.db, PORT_REGISTRY, fn);
  }

  /**
   * Gives `claim.port` to `claim.worktreePath`. Any other claim of that path,
   * and any stale claim of that block, is replaced: the caller has checked,
   * under the lock, that no live worktree holds the block.
   */
  claim(claim: PortClaim): void {
    guard(`claim port block ${claim.port}`, () =>
      this.db
        .query(
          `INSERT OR REPLACE INTO port_blocks (port, worktree_path, project_path, claimed_at)
           VALUES ($port, $worktreePath, $projectPath, $claimedAt)`,
        )
        .run({ port: claim.port, worktreePath: claim.worktreePath, projectPath: claim.projectPath, claimedAt: nowIso() }),
    );
  }

  /** Frees the block a project's worktree holds; false when it held none. */
  release(worktreePath: string, projectPath: string): boolean {
    return guard(`release the port block of ${worktreePath}`, () =>
      this.db
        .query(`DELETE FROM port_blocks WHERE worktree_path = $worktreePath AND project_path = $projectPath`)
        .run({ worktreePath, projectPath }).changes > 0,
    );
  }

  close(): void {
    this.db.close();
  }
}
