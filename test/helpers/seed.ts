// Fixture builder: a state database filled with plausible history, for report
// tests and for benchmarks (`prj status` / `prj stats sessions` with 10,000
// events). Deterministic: the same options give the same rows.
import { Database } from "bun:sqlite";
import { dirname } from "node:path";
import { openStateDatabase } from "../../src/state/db.ts";

export interface SeedOptions {
  events: number;
  sessions: number;
  /** History is spread over this many days, ending an hour before `now`. */
  days: number;
  /** Defaults to the directory holding `.prj/` (the database's grandparent). */
  projectPath?: string;
  now?: Date;
  /** PRNG seed. */
  seed?: number;
}

export interface SeedResult {
  projectPath: string;
  from: string;
  to: string;
  events: number;
  sessions: number;
}

const TASKS = ["dev", "review", "test", "agent"];
const WORKTREES = ["main", ...Array.from({ length: 9 }, (_, index) => `feature-${index + 1}`)];
const COMMANDS = ["start-dev", "feature-branch", "review-pr", "agent"];
const OTHER_KINDS = ["session.created", "session.ended", "session.killed", "worktree.created", "cleanup"] as const;

/** mulberry32: small, fast and good enough for fixtures. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Creates (or extends) the database at `path` with `sessions` ended sessions and
 * `events` finished events spread over `days` days. Nothing is left `running`,
 * so reading it never changes it.
 */
export function seedDatabase(path: string, options: SeedOptions): SeedResult {
  const projectPath = options.projectPath ?? dirname(dirname(path));
  const now = options.now ?? new Date();
  const to = now.getTime() - 3_600_000;
  const from = to - options.days * 86_400_000;
  const rand = random(options.seed ?? 42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;

  openStateDatabase(path, { create: true }).close();
  const db = new Database(path, { strict: true });
  try {
    db.run("PRAGMA busy_timeout = 10000");
    const insertSession = db.query(
      `INSERT INTO sessions (name, tmux_id, project_path, worktree, worktree_path, task, command, working_directory, socket, created_at, ended_at, end_reason)
       VALUES ($name, $tmuxId, $projectPath, $worktree, $worktreePath, $task, $command, $dir, NULL, $createdAt, $endedAt, $reason)`,
    );
    const insertEvent = db.query(
      `INSERT INTO events (kind, status, command, session_name, worktree, project_path, started_at, ended_at, exit_code, error, metadata, pid)
       VALUES ($kind, $status, $command, $session, $worktree, $projectPath, $startedAt, $endedAt, $exitCode, $error, $metadata, NULL)`,
    );
    db.transaction(() => {
      for (let index = 0; index < options.sessions; index++) {
        const task = pick(TASKS);
        const worktree = pick(WORKTREES);
        const created = from + rand() * (to - from - 60_000);
        const ended = Math.min(to, created + 60_000 + rand() * 8 * 3_600_000);
        insertSession.run({
          name: `seed-${worktree}-${task}-${index}`,
          tmuxId: `$${index}`,
          projectPath,
          worktree,
          worktreePath: `${projectPath}/../worktrees/${worktree}`,
          task,
          command: pick(COMMANDS),
          dir: projectPath,
          createdAt: new Date(created).toISOString(),
          endedAt: new Date(ended).toISOString(),
          reason: pick(["killed", "gone", "cleanup"]),
        });
      }
      for (let index = 0; index < options.events; index++) {
        const run = rand() < 0.5;
        const kind = run ? "run" : pick(OTHER_KINDS);
        const roll = rand();
        const status = !run ? "succeeded" : roll < 0.85 ? "succeeded" : roll < 0.95 ? "failed" : roll < 0.98 ? "cancelled" : "interrupted";
        const started = from + rand() * (to - from);
        const command = pick(COMMANDS);
        insertEvent.run({
          kind,
          status,
          command,
          session: `seed-${pick(WORKTREES)}-${pick(TASKS)}`,
          worktree: pick(WORKTREES),
          projectPath,
          startedAt: new Date(started).toISOString(),
          endedAt: new Date(started + rand() * 120_000).toISOString(),
          exitCode: status === "succeeded" ? 0 : 1,
          error: status === "failed" ? `step ${command} exited with status 1` : status === "interrupted" ? "prj process ended before finishing this event" : null,
          metadata: JSON.stringify({ seeded: true }),
        });
      }
    })();
  } finally {
    db.close();
  }
  return { projectPath, from: new Date(from).toISOString(), to: new Date(to).toISOString(), events: options.events, sessions: options.sessions };
}
