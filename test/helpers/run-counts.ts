// What one prj process costs in things that can be counted rather than timed
// (SPEC §11): the processes it starts, its SQLite write transactions, its
// fsyncs, and the module chunks it loads. Shared by test/e2e/run-counts.test.ts
// and scripts/bench.ts.
//
// Processes, transactions and fsyncs come from one strace of the process and
// its children. Transactions are counted at the one place every SQLite writer
// must pass, the WAL write lock (byte 120 of the `-shm` file, fixed by SQLite's
// documented WAL-index format): each time it is taken is one write transaction,
// explicit (`BEGIN IMMEDIATE`) or not (an INSERT on its own). A recovery (the
// index rebuilt from the log by the first process to open the database) and a
// checkpoint also take it, while holding the checkpoint lock (byte 121); those
// are counted as neither. A database in rollback-journal mode (the machine's
// port registry) takes no WAL lock: there a write transaction is the RESERVED
// lock on the file itself (byte 0x40000001), which is what is counted.
// Chunks come from a build made with
// `scripts/build.ts --count-chunks`, which writes the chunks it loaded to
// PRJ_CHUNK_LOG at exit.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface ProcessCounts {
  /** Programs started by the traced process and its children (not the traced program itself). */
  processes: string[];
  transactions: number;
  fsyncs: number;
}

const EXECVE = /^(\d+)\s+execve\("([^"]+)"/;
const EXECVE_RESUMED = /^(\d+)\s+<\.\.\. execve resumed>.*\)\s+=\s+(-?\d+)/;
const RESULT = /\)\s+=\s+(-?\d+)/;
const FSYNC = /^\d+\s+(fsync|fdatasync)\(/;
const RESERVED_LOCK = /^\d+\s+fcntl\(\d+<[^>]*>, F_SETLKW?, \{l_type=F_WRLCK, l_whence=SEEK_SET, l_start=1073741825, l_len=1\}\)\s+=\s+0$/;
const SHM_LOCK = /^(\d+)\s+fcntl\(\d+<[^>]*-shm>, F_SETLKW?, \{l_type=(F_WRLCK|F_UNLCK|F_RDLCK), l_whence=SEEK_SET, l_start=(\d+), l_len=(\d+)\}\)\s+=\s+0$/;

/** The strace options parseStrace needs. */
export const STRACE_ARGS = ["-f", "-qq", "-y", "-e", "trace=execve,fsync,fdatasync,fcntl"];

/** Counts from `strace ${STRACE_ARGS} -o FILE prog …`; the first execve is the traced program. */
export function parseStrace(text: string): ProcessCounts {
  const programs: string[] = [];
  const pending = new Map<string, string>();
  let fsyncs = 0;
  let transactions = 0;
  // Per process: is the write lock held, was the checkpoint lock held while it was, is the checkpoint lock held now.
  const writer = new Map<string, { held: boolean; maintenance: boolean; checkpointLock: boolean }>();
  for (const line of text.split("\n")) {
    // strace splits a call another process interrupted into "<unfinished ...>" and "<... execve resumed>".
    const exec = EXECVE.exec(line);
    if (exec) {
      if (line.includes("<unfinished ...>")) pending.set(exec[1]!, exec[2]!);
      else if (RESULT.exec(line)?.[1] === "0") programs.push(exec[2]!);
      continue;
    }
    const resumed = EXECVE_RESUMED.exec(line);
    if (resumed) {
      if (resumed[2] === "0" && pending.has(resumed[1]!)) programs.push(pending.get(resumed[1]!)!);
      pending.delete(resumed[1]!);
      continue;
    }
    if (FSYNC.test(line)) {
      fsyncs += 1;
      continue;
    }
    if (RESERVED_LOCK.test(line)) {
      transactions += 1;
      continue;
    }
    const lock = SHM_LOCK.exec(line);
    if (!lock) continue;
    const [, pid, type, startText, lengthText] = lock;
    const start = Number(startText);
    const end = start + Number(lengthText);
    const state = writer.get(pid!) ?? { held: false, maintenance: false, checkpointLock: false };
    writer.set(pid!, state);
    if (start <= 121 && 121 < end) {
      state.checkpointLock = type === "F_WRLCK";
      if (state.checkpointLock && state.held) state.maintenance = true;
    }
    if (!(start <= 120 && 120 < end)) continue;
    if (type === "F_WRLCK" && !state.held) {
      state.held = true;
      state.maintenance = state.checkpointLock;
    } else if (type === "F_UNLCK" && state.held) {
      state.held = false;
      if (!state.maintenance) transactions += 1;
    }
  }
  return { processes: programs.slice(1), transactions, fsyncs };
}

/** The chunks a `--count-chunks` build wrote to PRJ_CHUNK_LOG, or undefined if it wrote none. */
export function readChunkLog(path: string): string[] | undefined {
  if (!existsSync(path)) return undefined;
  return readFileSync(path, "utf8").split("\n").filter(Boolean);
}

/** Builds the chunk-counting variant of dist/prj at `outfile` (same chunks, plus the log). */
export function buildChunkCounter(repoRoot: string, outfile: string): void {
  const result = Bun.spawnSync(["bun", join(repoRoot, "scripts/build.ts"), "--count-chunks", "--outfile", outfile], {
    cwd: repoRoot,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) throw new Error(`scripts/build.ts --count-chunks failed:\n${result.stderr.toString()}${result.stdout.toString()}`);
}
