// Opening the state database: a private file at an absolute path, the
// pragmas every connection needs, and the schema brought up to date.
import { Database } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname, isAbsolute } from "node:path";
import { StateError } from "../errors.ts";
import { migrations } from "./migrations.ts";
import { guard, messageOf, toStateError } from "./sqlite.ts";

const BUSY_TIMEOUT_MS = 10_000;

/**
 * The write-ahead log is copied into the database (a checkpoint: two fsyncs)
 * when a connection closes with at least this much in it, about fifteen runs'
 * worth, instead of at every close (see closeConnection). The first process to
 * open the database after all others closed it reads the whole log to rebuild
 * its index (~0.5 ms per MiB here), so a bigger log trades fsyncs for that.
 */
const CHECKPOINT_AT_CLOSE_BYTES = 512 * 1024;
/**
 * SQLite's own checkpoint after a commit, for connections that stay open and
 * keep writing (`prj monitor` records samples); far above what one short
 * command writes, so a run never checkpoints in the middle.
 */
const AUTO_CHECKPOINT_PAGES = 8192;

/**
 * Opens (and, with `create`, creates) the state database at an absolute path
 * and brings its schema up to date.
 *
 * Without `create`, a missing file is a StateError telling the user to run
 * `prj init`, so read-only commands never leave an empty database behind.
 */
export function openConnection(path: string, options: { create: boolean }): Database {
  // A relative path would follow the cwd, and prj runs from anywhere inside a project.
  if (!isAbsolute(path)) throw new StateError(`state database path must be absolute, got "${path}"`);
  if (!existsSync(path)) {
    if (!options.create) {
      throw new StateError(`no state database at ${path}`, { hint: "run `prj init`" });
    }
    createPrivateFile(path);
  }

  let db: Database;
  try {
    db = new Database(path, { readwrite: true, create: false, strict: true });
  } catch (error) {
    throw toStateError(`open the state database at ${path}`, error);
  }
  try {
    configure(db, path);
    migrate(db, path);
    // SQLite creates -wal and -shm with the database file's mode, but only on
    // first use, and a file someone else created may be looser; fix both now
    // that the migration check has made them exist.
    for (const suffix of ["-wal", "-shm"]) {
      if (existsSync(path + suffix)) chmodSync(path + suffix, 0o600);
    }
  } catch (error) {
    db.close();
    throw toStateError(`prepare the state database at ${path}`, error);
  }
  return db;
}

/** The schema version (`PRAGMA user_version`). */
export function readUserVersion(db: Database): number {
  return db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
}

/** The result of `PRAGMA integrity_check`: "ok", or the problems found, one per line. */
export function integrityCheck(db: Database): string {
  return guard("check the database's integrity", () =>
    db
      .query<{ integrity_check: string }, []>("PRAGMA integrity_check")
      .all()
      .map((row) => row.integrity_check)
      .join("\n"),
  );
}

function configure(db: Database, path: string): void {
  // busy_timeout first: switching to WAL needs a lock another prj may hold.
  db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  const mode = switchToWal(db);
  if (mode?.journal_mode.toLowerCase() !== "wal") {
    throw new StateError(`could not switch ${path} to WAL mode (it stays in ${mode?.journal_mode ?? "unknown"} mode)`);
  }
  // NORMAL is durable across a crash of prj in WAL mode; only a power loss can
  // drop the last commits, never corrupt the file.
  db.run("PRAGMA synchronous = NORMAL");
  db.run("PRAGMA foreign_keys = ON");
  db.run(`PRAGMA wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  // When the log starts over after a checkpoint, the file is cut back to what
  // is written, so its size tells closeConnection how much awaits a checkpoint.
  db.run("PRAGMA journal_size_limit = 0");
}

/**
 * `PRAGMA journal_mode = WAL`, retried while another prj holds the lock: SQLite
 * answers a journal-mode change with SQLITE_BUSY at once, without the busy
 * handler, when a racing process is opening or migrating the same file.
 */
function switchToWal(db: Database): { journal_mode: string } | null {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      return db.query<{ journal_mode: string }, []>("PRAGMA journal_mode = WAL").get();
    } catch (error) {
      const busy = (error as { code?: string }).code === "SQLITE_BUSY" || (error as { code?: string }).code === "SQLITE_LOCKED";
      if (!busy || Date.now() >= deadline) throw error;
      Bun.sleepSync(5);
    }
  }
}

/**
 * Closes a connection, leaving the write-ahead log in place.
 *
 * SQLite's last connection to close copies the log into the database (two
 * fsyncs) and deletes it; the next process then creates it again (an fsync of
 * the log's header and one of the directory). That was four fsyncs per `prj
 * run` for a few pages of writes. The log is as durable as the database (with
 * `synchronous = NORMAL` a commit is safe from a crash of prj; a power loss can
 * drop the last commits, never corrupt the file), and every reader reads it, so
 * keeping it costs nothing but its size; a checkpoint runs here once it holds
 * CHECKPOINT_AT_CLOSE_BYTES.
 *
 * bun:sqlite cannot turn the checkpoint-on-close off (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE
 * is not exposed). A connection only checkpoints when it is the last one, and a
 * read-only one never does, so a read-only connection is held open while the
 * writer closes and then closed itself.
 */
export function closeConnection(db: Database, path: string): void {
  let anchor: Database | undefined;
  try {
    if (walBytes(path) >= CHECKPOINT_AT_CLOSE_BYTES) {
      // TRUNCATE empties the log, so the next process neither re-reads nor re-copies it; with no
      // busy wait, a reader or writer of another prj leaves it for a later close to finish.
      db.run("PRAGMA busy_timeout = 0");
      db.query("PRAGMA wal_checkpoint(TRUNCATE)").get();
    }
    anchor = new Database(path, { readonly: true });
    // A read makes it a user of the log, which is what keeps the writer from checkpointing.
    anchor.query("PRAGMA user_version").get();
  } catch {
    // Without the anchor SQLite checkpoints as usual; nothing is lost but the fsyncs.
  }
  db.close();
  anchor?.close();
}

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

function migrate(db: Database, path: string): void {
  // Checking first keeps the common, up-to-date open from taking the write lock.
  if (readUserVersion(db) === migrations.length) return;
  db.run("BEGIN IMMEDIATE");
  try {
    // Re-read under the lock: another prj may have migrated while we waited.
    const version = readUserVersion(db);
    if (version > migrations.length) {
      throw new StateError(
        `${path} has schema version ${version}, newer than this prj understands (${migrations.length})`,
        { hint: "upgrade prj" },
      );
    }
    for (let index = version; index < migrations.length; index++) {
      db.run(migrations[index]!);
    }
    // PRAGMA takes no bound parameters; the value is our own integer.
    db.run(`PRAGMA user_version = ${migrations.length}`);
    db.run("COMMIT");
  } catch (error) {
    if (db.inTransaction) db.run("ROLLBACK");
    throw error;
  }
}

function createPrivateFile(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Created before SQLite sees it so the file is never readable by others,
    // not even for a moment; "a" neither truncates nor fails if a racing prj
    // created it first.
    closeSync(openSync(path, "a", 0o600));
  } catch (error) {
    throw new StateError(`could not create the state database at ${path}: ${messageOf(error)}`, { cause: error });
  }
}
