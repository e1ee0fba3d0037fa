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

export interface BulkSeedOptions {
  events: number;
  sessions: number;
  /** History is spread over this many days, ending an hour before `now`. */
  days: number;
  projectPath?: string;
  now?: Date;
}

/**
 * Like seedDatabase, for a million rows: the rows are generated by SQLite
 * itself (a recursive CTE, in time order, with a multiplicative hash standing
 * in for the PRNG), so seeding a million events takes seconds, not minutes.
 * The same options give the same rows. Half the events are runs (85 %
 * succeeded, 10 % failed, 3 % cancelled, 2 % interrupted); sessions last one
 * minute to eight hours and have all ended.
 */
export function seedBulk(path: string, options: BulkSeedOptions): SeedResult {
  const projectPath = options.projectPath ?? dirname(dirname(path));
  const now = options.now ?? new Date();
  const to = now.getTime() - 3_600_000;
  const from = to - options.days * 86_400_000;
  openStateDatabase(path, { create: true }).close();
  const db = new Database(path, { strict: true });
  const list = (values: readonly string[]) => `json_array(${values.map((value) => `'${value}'`).join(", ")})`;
  const pick = (values: readonly string[], hash: string) => `json_extract(${list(values)}, '$[' || ((${hash}) % ${values.length}) || ']')`;
  const iso = (ms: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', (${ms}) / 1000.0, 'unixepoch')`;
  try {
    db.run("PRAGMA busy_timeout = 10000");
    db.transaction(() => {
      db.query(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $count),
         r AS (SELECT i, (i * 2654435761 + 97) % 4294967296 AS h, $from + i * (($to - $from - 60000) / $count) AS created FROM n)
         INSERT INTO sessions (name, tmux_id, project_path, worktree, worktree_path, task, command, working_directory, socket, created_at, ended_at, end_reason)
         SELECT 'seed-' || i, '$' || i, $projectPath, ${pick(WORKTREES, "h / 7")}, $projectPath || '/../worktrees/' || ${pick(WORKTREES, "h / 7")},
           ${pick(TASKS, "h / 3")}, ${pick(COMMANDS, "h / 11")}, $projectPath, NULL,
           ${iso("created")}, ${iso(`min($to, created + 60000 + (h % 28800000))`)}, ${pick(["killed", "gone", "cleanup"], "h / 13")}
         FROM r`,
      ).run({ count: options.sessions, from, to, projectPath });
      db.query(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $count),
         r AS (SELECT i, (i * 2654435761 + 13) % 4294967296 AS h, $from + i * (($to - $from) / $count) AS started FROM n),
         k AS (SELECT i, h, started, (h % 2) = 0 AS run, (h / 2) % 100 AS roll FROM r),
         s AS (SELECT *, CASE WHEN NOT run OR roll < 85 THEN 'succeeded' WHEN roll < 95 THEN 'failed' WHEN roll < 98 THEN 'cancelled' ELSE 'interrupted' END AS status FROM k)
         INSERT INTO events (kind, status, command, session_name, worktree, project_path, started_at, ended_at, exit_code, error, metadata, pid)
         SELECT CASE WHEN run THEN 'run' ELSE ${pick(OTHER_KINDS, "h / 5")} END, status, ${pick(COMMANDS, "h / 11")},
           'seed-' || ${pick(WORKTREES, "h / 7")} || '-' || ${pick(TASKS, "h / 3")}, ${pick(WORKTREES, "h / 7")}, $projectPath,
           ${iso("started")}, ${iso("started + (h % 120000)")}, CASE status WHEN 'succeeded' THEN 0 ELSE 1 END,
           CASE status WHEN 'failed' THEN 'step exited with status 1' WHEN 'interrupted' THEN 'prj process ended before finishing this event' END,
           '{"seeded":true}', NULL
         FROM s`,
      ).run({ count: options.events, from, to, projectPath });
    })();
  } finally {
    db.close();
  }
  return { projectPath, from: new Date(from).toISOString(), to: new Date(to).toISOString(), events: options.events, sessions: options.sessions };
}
