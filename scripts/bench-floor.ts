// The floor of `prj run` for scripts/bench: a compiled Bun program that does
// only what any run of prj must do, and nothing prj could leave out. It starts,
// sends prj's own batch for the session through one tmux client, and commits
// one row to a SQLite database kept the way prj keeps its own (WAL,
// `synchronous = NORMAL`, the log left in place at close), doing the commit
// while tmux works. scripts/bench builds it with scripts/build.ts, as prj is.
//
//   floor SOCKET BATCH_FILE DATABASE
import { Database } from "bun:sqlite";

const [socket, batchFile, database] = process.argv.slice(2);
if (!socket || !batchFile || !database) {
  console.error("usage: floor SOCKET BATCH_FILE DATABASE");
  process.exit(2);
}

const batch = await Bun.file(batchFile).bytes();
const tmux = Bun.spawn(["tmux", "-L", socket, "start-server", ";", "source-file", "-"], { stdin: batch, stdout: "ignore", stderr: "pipe" });

const db = new Database(database, { readwrite: true, create: false });
db.run("PRAGMA synchronous = NORMAL");
db.query("INSERT INTO runs (at) VALUES (?)").run(new Date().toISOString());
// As prj closes its database: a read-only connection open while the writer closes keeps SQLite
// from checkpointing and deleting the log (src/state/connection.ts).
const anchor = new Database(database, { readonly: true });
anchor.query("PRAGMA user_version").get();
db.close();
anchor.close();

if ((await tmux.exited) !== 0) {
  console.error(`tmux failed: ${await new Response(tmux.stderr).text()}`);
  process.exit(1);
}
