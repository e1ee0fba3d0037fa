// What one `prj run` costs in counts, not time (SPEC §11): one tmux client and
// no other process, at most two SQLite write transactions, at most two fsyncs
// (but in the run that checkpoints the log), and at most twenty module chunks.
// The counting is explained in test/helpers/run-counts.ts; scripts/bench prints
// the same numbers.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { run, tempDir } from "../helpers/world.ts";
import { missing } from "../helpers/tools.ts";
import { buildChunkCounter, parseStrace, readChunkLog, STRACE_ARGS, type ProcessCounts } from "../helpers/run-counts.ts";
import { expectExit, prjBinary, repoRoot, worlds, type World } from "./support.ts";

// A build of its own (~1 s) and a dozen traced runs.
setDefaultTimeout(60_000);
const newWorld = worlds();

/** The four-window shape of the benchmark: editor, server, tests (two panes), shell. */
const BENCH4 = [
  "name: bench4",
  "session:",
  '  name_template: "bench4"',
  "  windows:",
  "    - { name: editor, command: echo ready }",
  "    - { name: server, command: echo ready }",
  "    - name: tests",
  "      layout: main-vertical",
  "      panes: [echo ready, echo ready]",
  "    - name: shell",
  "",
].join("\n");

/** A project with the bench4 command and a tmux server that is already running, as it is for a user. */
async function benchWorld(): Promise<World> {
  const world = await newWorld();
  world.writeCommand("bench4", BENCH4);
  await world.tmux.ok("new-session", "-d", "-s", "keepalive");
  // The first run validates the command file, caches the tmux version and creates the write-ahead log.
  await runAndKill(world, [prjBinary, "run", "bench4", "--no-attach"]);
  return world;
}

async function runAndKill(world: World, argv: string[], env: Record<string, string> = {}): Promise<void> {
  expectExit(await run(argv, { cwd: world.root, env: world.env(env) }), 0);
  await world.tmux.ok("kill-session", "-t", "=bench4");
}

/** One traced `prj run bench4`; the session is killed after the trace ends, outside it. */
async function tracedRun(world: World): Promise<ProcessCounts & { checkpointed: boolean }> {
  const trace = join(tempDir("strace-"), "trace.txt");
  await runAndKill(world, ["strace", ...STRACE_ARGS, "-o", trace, prjBinary, "run", "bench4", "--no-attach"]);
  const text = readFileSync(trace, "utf8");
  // A checkpoint is the one time the database file itself is synced.
  const checkpointed = text.split("\n").some((line) => /fsync\(\d+<[^>]*\/prunejuice\.db>\)/.test(line));
  return { ...parseStrace(text), checkpointed };
}

describe("counts per prj run", () => {
  test.skipIf(missing("strace"))("one tmux client, at most two write transactions, no fsync but to checkpoint the log", async () => {
    const world = await benchWorld();
    const runs: (ProcessCounts & { checkpointed: boolean })[] = [];
    // Enough runs for the log to pass its checkpoint size once (about fifteen runs of this shape).
    for (let index = 0; index < 18; index++) runs.push(await tracedRun(world));

    for (const counts of runs) {
      expect(counts.processes.map((path) => path.split("/").pop())).toEqual(["tmux"]);
      expect(counts.transactions).toBeLessThanOrEqual(2);
    }
    const checkpoints = runs.filter((counts) => counts.checkpointed);
    expect(checkpoints.length).toBeGreaterThanOrEqual(1);
    // Copying the log into the database syncs the log, its directory and the database: the one run
    // that does it makes three, and the run after it two (the new log's header and the directory).
    for (const counts of checkpoints) expect(counts.fsyncs).toBeLessThanOrEqual(3);
    for (const counts of runs.filter((counts) => !counts.checkpointed)) expect(counts.fsyncs).toBeLessThanOrEqual(2);
    const total = runs.reduce((sum, counts) => sum + counts.fsyncs, 0);
    expect(total / runs.length).toBeLessThan(1);
    // The log stays between runs, and stays small.
    const wal = `${world.database}-wal`;
    expect(existsSync(wal)).toBe(true);
    expect(statSync(wal).size).toBeLessThan(1024 * 1024);
  });

  test("a run loads at most twenty module chunks, --version two", async () => {
    const world = await benchWorld();
    const binary = join(tempDir("chunks-"), "prj");
    buildChunkCounter(repoRoot, binary);
    const log = join(tempDir("chunk-log-"), "chunks.txt");
    // benchWorld's first run validated the config files, so this one loads neither yaml nor TypeBox (same build id).
    await runAndKill(world, [binary, "run", "bench4", "--no-attach"], { PRJ_CHUNK_LOG: log });
    expect(readChunkLog(log)!.length).toBeLessThanOrEqual(20);
    expectExit(await run([binary, "--version"], { cwd: world.root, env: { PRJ_CHUNK_LOG: log } }), 0);
    expect(readChunkLog(log)).toHaveLength(2);
  });
});
