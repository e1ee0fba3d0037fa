/**
 * Schema migrations for the state database, applied in order and tracked by
 * `PRAGMA user_version`: after migration i has run, user_version is i + 1.
 *
 * The SQL lives in TS strings because the compiled binary cannot read files
 * next to itself. Never edit a migration that has shipped; append a new one.
 *
 * Timestamps are ISO-8601 UTC text (`2026-11-23T18:45:00.123Z`), which sorts
 * lexically in time order, so `ORDER BY started_at` needs no date functions.
 *
 * Sockets: `sessions.socket` is NULL for tmux's default server. A plain UNIQUE
 * index over (name, socket) would let any number of NULL-socket rows share a
 * name, because SQLite treats NULLs as distinct; the live-name index therefore
 * covers `COALESCE(socket, '')`, and lookups must use the same expression so
 * the index serves them. An empty socket string is not a valid tmux socket, so
 * folding it together with NULL loses nothing.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    -- run, session.created, session.reused, session.killed, session.ended,
    -- session.adopted, worktree.created, worktree.removed, cleanup, error
    kind TEXT NOT NULL,
    -- running, succeeded, failed, cancelled, interrupted
    status TEXT NOT NULL,
    command TEXT,
    session_name TEXT,
    worktree TEXT,
    project_path TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    exit_code INTEGER,
    error TEXT,
    -- JSON; the caller redacts secrets before it gets here
    metadata TEXT,
    -- the prj process that owns a running event, so a crash can be detected
    pid INTEGER
  );
  CREATE INDEX events_started_at ON events (started_at);
  CREATE INDEX events_status ON events (status);
  CREATE INDEX events_command ON events (command);

  CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    tmux_id TEXT,
    project_path TEXT NOT NULL,
    worktree TEXT NOT NULL,
    worktree_path TEXT,
    task TEXT NOT NULL,
    command TEXT,
    working_directory TEXT NOT NULL,
    -- NULL is tmux's default server
    socket TEXT,
    created_at TEXT NOT NULL,
    ended_at TEXT,
    -- killed, cleanup, gone, rollback
    end_reason TEXT,
    event_id INTEGER REFERENCES events (id)
  );
  CREATE INDEX sessions_name_ended_at ON sessions (name, ended_at);
  CREATE UNIQUE INDEX sessions_live_name ON sessions (name, COALESCE(socket, '')) WHERE ended_at IS NULL;

  CREATE TABLE worktrees (
    id INTEGER PRIMARY KEY,
    project_path TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    branch TEXT NOT NULL,
    port INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    removed_at TEXT
  );

  CREATE TABLE resource_samples (
    id INTEGER PRIMARY KEY,
    session_name TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    processes INTEGER,
    cpu_percent REAL,
    rss_bytes INTEGER
  );
  CREATE INDEX resource_samples_session_taken_at ON resource_samples (session_name, taken_at);
  `,
  `
  -- prj stats and prj analyze count a project's runs by status; the first
  -- index answers those counts without reading the table (10,000 events:
  -- 3 ms → <1 ms). The second keeps "a project's newest events" (status,
  -- history) an index walk that stops after LIMIT rows: without it SQLite
  -- would pick the first index and sort every event of the project.
  CREATE INDEX events_project_kind_status ON events (project_path, kind, status);
  CREATE INDEX events_project_started_at ON events (project_path, started_at);
  `,
  `
  -- The session's part of the run plan, as JSON (RecordedSessionPlan in
  -- rows.ts): command, arguments with secrets redacted, the rendered
  -- cleanup steps, the names of its sensitive keys, worktree and port. Kill,
  -- session-info, freeze and cleanup work from it and never re-read a command
  -- file that may have changed or gone since the run. NULL for rows written
  -- before this migration and for adopted sessions.
  ALTER TABLE sessions ADD COLUMN plan TEXT;
  `,
  `
  -- Indexes for a million events. A project's database lives in its .prj/
  -- and holds that project's rows, so no index leads with the project path:
  -- the two of migration 2 repeated it in every entry (about a third of the
  -- file), and reports now aggregate over the whole database instead.
  -- (status, started_at) and (command, started_at) give history's filters
  -- and the reconciler's running runs newest first without a sort; (kind,
  -- status, started_at) counts runs by status, over all time or a timeframe,
  -- from the index alone; sessions by ended_at are the ones alive in a
  -- timeframe, and by (task, worktree) they come grouped for statistics
  -- without a sort, their times in the index.
  DROP INDEX events_project_kind_status;
  DROP INDEX events_project_started_at;
  DROP INDEX events_status;
  DROP INDEX events_command;
  CREATE INDEX events_status_started_at ON events (status, started_at);
  CREATE INDEX events_command_started_at ON events (command, started_at);
  CREATE INDEX events_kind_status_started_at ON events (kind, status, started_at);
  CREATE INDEX sessions_ended_at ON sessions (ended_at);
  CREATE INDEX sessions_task_worktree ON sessions (task, worktree, created_at, ended_at);
  `,
  `
  -- Attention (docs/attention.md): each change of a pane's state, and of its
  -- session's (the most urgent pane's; pane_id NULL), as the per-server
  -- watcher saw it, with the evidence it was read from (JSON). session_id is
  -- the sessions row, NULL until the run that made the session has recorded
  -- it; tmux_session_id and session_name find the row later. Reports sum the
  -- time between a session's changes, so they read by (session_id, at).
  CREATE TABLE state_changes (
    id INTEGER PRIMARY KEY,
    session_id INTEGER,
    session_name TEXT NOT NULL,
    tmux_session_id TEXT NOT NULL,
    pane_id TEXT,
    -- working, waiting, idle, done, failed, dead
    state TEXT NOT NULL,
    previous_state TEXT,
    at TEXT NOT NULL,
    exit_status INTEGER,
    message TEXT,
    evidence TEXT
  );
  CREATE INDEX state_changes_session_at ON state_changes (session_id, at);
  CREATE INDEX state_changes_at ON state_changes (at);
  `,
  `
  -- prj stats sessions at a million events without reading them all (SPEC
  -- §11). Counting 500,000 runs in an index took 17 ms and parsing 200,000
  -- timestamps for the sessions' lengths 14 ms; both are now kept as they
  -- change, by triggers, so no writer can forget them.
  --
  -- sessions.seconds: an ended session's length in whole seconds, rounded as
  -- secondsBetween (state/durations.ts) rounds: floor((ms + 500) / 1000),
  -- never negative; NULL while it is live. The index hands statistics each
  -- task and worktree's lengths in order, and the timeframe's times, from the
  -- index alone.
  ALTER TABLE sessions ADD COLUMN seconds INTEGER;
  UPDATE sessions SET seconds = MAX(0, (CAST(ROUND(unixepoch(ended_at, 'subsec') * 1000) AS INTEGER)
    - CAST(ROUND(unixepoch(created_at, 'subsec') * 1000) AS INTEGER) + 500) / 1000) WHERE ended_at IS NOT NULL;
  CREATE TRIGGER sessions_seconds_on_insert AFTER INSERT ON sessions WHEN NEW.ended_at IS NOT NULL
  BEGIN
    UPDATE sessions SET seconds = MAX(0, (CAST(ROUND(unixepoch(NEW.ended_at, 'subsec') * 1000) AS INTEGER)
      - CAST(ROUND(unixepoch(NEW.created_at, 'subsec') * 1000) AS INTEGER) + 500) / 1000) WHERE id = NEW.id;
  END;
  CREATE TRIGGER sessions_seconds_on_change AFTER UPDATE OF created_at, ended_at ON sessions
  BEGIN
    UPDATE sessions SET seconds = CASE WHEN NEW.ended_at IS NULL THEN NULL
      ELSE MAX(0, (CAST(ROUND(unixepoch(NEW.ended_at, 'subsec') * 1000) AS INTEGER)
        - CAST(ROUND(unixepoch(NEW.created_at, 'subsec') * 1000) AS INTEGER) + 500) / 1000) END
    WHERE id = NEW.id;
  END;
  DROP INDEX sessions_task_worktree;
  CREATE INDEX sessions_task_worktree ON sessions (task, worktree, seconds, created_at, ended_at);

  -- run_counts: how many runs have each status, all time (a timeframe's
  -- counts come from events_kind_status_started_at).
  CREATE TABLE run_counts (status TEXT PRIMARY KEY, runs INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO run_counts (status, runs) SELECT status, COUNT(*) FROM events WHERE kind = 'run' GROUP BY status;
  CREATE TRIGGER run_counts_on_insert AFTER INSERT ON events WHEN NEW.kind = 'run'
  BEGIN
    INSERT INTO run_counts (status, runs) VALUES (NEW.status, 1) ON CONFLICT (status) DO UPDATE SET runs = runs + 1;
  END;
  CREATE TRIGGER run_counts_on_change AFTER UPDATE OF kind, status ON events WHEN OLD.kind = 'run' OR NEW.kind = 'run'
  BEGIN
    UPDATE run_counts SET runs = runs - 1 WHERE OLD.kind = 'run' AND status = OLD.status;
    INSERT INTO run_counts (status, runs) SELECT NEW.status, 1 WHERE NEW.kind = 'run' ON CONFLICT (status) DO UPDATE SET runs = runs + 1;
  END;
  CREATE TRIGGER run_counts_on_delete AFTER DELETE ON events WHEN OLD.kind = 'run'
  BEGIN
    UPDATE run_counts SET runs = runs - 1 WHERE status = OLD.status;
  END;
  `,
];
