/**
 * Ending every process a session started, the way tmux users expect: a
 * hang-up first, a bounded grace period, then SIGKILL for what is left.
 *
 * tmux itself only hangs up the pane's terminal. A command that runs in its
 * own process group (every pane command does: the pane wrapper uses `set -m`)
 * and ignores SIGHUP/SIGTERM, such as `trap '' HUP TERM; while :; do …; done`,
 * survives that with parent 1. So the processes are found before the session
 * goes: every descendant of a pane's first process, and every process still in
 * a pane's terminal session (tmux makes each pane process a session leader, so
 * its sid is the pane pid; a child that double-forked keeps it).
 */
import { readdirSync, readFileSync } from "node:fs";
import { runProcess } from "../exec/runner.ts";
import { log } from "../ui/log.ts";

export interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** Terminal session id; undefined where the system does not tell (macOS `ps`). */
  sid: number | undefined;
  /** Start time in the kernel's own units: with the pid, it tells a process from a later one that reused the pid. */
  start: string;
  zombie: boolean;
  command: string;
}

/** How long processes get to exit after the hang-up before SIGKILL. */
export const DEFAULT_GRACE_MS = 3000;

const POLL_MS = 25;

/** Every process on the machine: /proc where there is one, `ps` elsewhere. */
export async function readProcesses(): Promise<ProcessEntry[]> {
  const fromProc = readProcFs();
  if (fromProc) return fromProc;
  const result = await runProcess(["ps", "-A", "-o", "pid=,ppid=,pgid=,stat=,lstart=,comm="]);
  if (result.exitCode !== 0) return [];
  const out: ProcessEntry[] = [];
  for (const line of result.stdout.split("\n")) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+\s+\S+\s+\d+\s+[\d:]+\s+\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    out.push({
      pid: Number(match[1]),
      ppid: Number(match[2]),
      pgid: Number(match[3]),
      sid: undefined,
      start: match[5]!,
      zombie: match[4]!.startsWith("Z"),
      command: match[6]!,
    });
  }
  return out;
}

function readProcFs(): ProcessEntry[] | undefined {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return undefined; // no procfs: macOS and the BSDs
  }
  const out: ProcessEntry[] = [];
  for (const name of names) {
    if (name.charCodeAt(0) < 0x30 || name.charCodeAt(0) > 0x39) continue;
    const entry = readProcStat(Number(name));
    if (entry) out.push(entry);
  }
  return out;
}

/** One process from /proc/PID/stat; undefined once it is gone. */
function readProcStat(pid: number): ProcessEntry | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined; // exited between readdir and read
  }
  // The command sits in parentheses and may itself hold spaces and ')'.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  const fields = text.slice(close + 2).split(" ");
  // After the command: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime
  return {
    pid,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    sid: Number(fields[3]),
    start: fields[19] ?? "",
    zombie: fields[0] === "Z" || fields[0] === "X",
    command: text.slice(open + 1, close),
  };
}

/**
 * The processes that belong to the panes whose first processes are
 * `panePids`: their descendants and whatever else is in their terminal
 * sessions. This process is never one of them, so prj can end the session it
 * runs in and go on with its work.
 */
export function processesOfPanes(table: readonly ProcessEntry[], panePids: readonly number[]): ProcessEntry[] {
  const roots = new Set(panePids);
  const children = new Map<number, ProcessEntry[]>();
  for (const entry of table) {
    const list = children.get(entry.ppid);
    if (list) list.push(entry);
    else children.set(entry.ppid, [entry]);
  }
  const chosen = new Map<number, ProcessEntry>();
  const stack = table.filter((entry) => roots.has(entry.pid) || (entry.sid !== undefined && roots.has(entry.sid)));
  while (stack.length) {
    const entry = stack.pop()!;
    if (chosen.has(entry.pid)) continue;
    chosen.set(entry.pid, entry);
    stack.push(...(children.get(entry.pid) ?? []));
  }
  chosen.delete(process.pid);
  return [...chosen.values()].filter((entry) => !entry.zombie);
}

export interface TerminationReport {
  /** Processes that were still there after the grace period and got SIGKILL. */
  forceKilled: { pid: number; command: string }[];
}

/**
 * Hangs up `targets` (and their process groups), waits up to `graceMs` for
 * them to go, then SIGKILLs what is left together with anything that joined
 * their groups or terminal sessions meanwhile (a loop's next `sleep`).
 */
export async function endProcesses(targets: readonly ProcessEntry[], options: { graceMs?: number } = {}): Promise<TerminationReport> {
  if (targets.length === 0) return { forceKilled: [] };
  const graceMs = options.graceMs ?? graceFromEnvironment();
  const ownGroup = process.pid === 0 ? -1 : processGroupOf(process.pid);
  const groups = new Set(targets.map((entry) => entry.pgid).filter((pgid) => pgid > 1 && pgid !== ownGroup));
  const sessions = new Set(targets.map((entry) => entry.sid).filter((sid): sid is number => sid !== undefined && sid > 1));
  for (const pgid of groups) {
    signal(-pgid, "SIGHUP");
    signal(-pgid, "SIGCONT"); // a stopped job would never see the hang-up
  }
  for (const entry of targets) if (!groups.has(entry.pgid)) signal(entry.pid, "SIGHUP");

  const deadline = Date.now() + graceMs;
  let alive = targets.filter(isSameProcessAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await Bun.sleep(POLL_MS);
    alive = alive.filter(isSameProcessAlive);
  }
  const forceKilled: { pid: number; command: string }[] = [];
  // A few rounds: killing a loop's shell orphans the child it had just started.
  for (let round = 0; round < 5 && alive.length > 0; round++) {
    for (const entry of alive) {
      if (signal(entry.pid, "SIGKILL") && !forceKilled.some((each) => each.pid === entry.pid)) {
        forceKilled.push({ pid: entry.pid, command: entry.command });
      }
    }
    await Bun.sleep(POLL_MS);
    const table = await readProcesses();
    alive = table.filter(
      (entry) =>
        !entry.zombie &&
        entry.pid !== process.pid &&
        (groups.has(entry.pgid) || (entry.sid !== undefined && sessions.has(entry.sid)) || targets.some((target) => sameProcess(target, entry))),
    );
  }
  if (alive.length > 0) log.warn(`could not end ${alive.length} process(es): ${alive.map((entry) => `${entry.pid} ${entry.command}`).join(", ")}`);
  return { forceKilled };
}

function graceFromEnvironment(): number {
  const value = Number(process.env.PRJ_KILL_GRACE_MS);
  return Number.isFinite(value) && value >= 0 && process.env.PRJ_KILL_GRACE_MS !== "" && process.env.PRJ_KILL_GRACE_MS !== undefined
    ? value
    : DEFAULT_GRACE_MS;
}

function processGroupOf(pid: number): number {
  return readProcStat(pid)?.pgid ?? -1;
}

function sameProcess(a: ProcessEntry, b: ProcessEntry): boolean {
  return a.pid === b.pid && a.start === b.start;
}

function isSameProcessAlive(entry: ProcessEntry): boolean {
  const now = readProcStat(entry.pid);
  if (now) return !now.zombie && now.start === entry.start;
  if (existsInProc()) return false;
  try {
    process.kill(entry.pid, 0);
    return true;
  } catch {
    return false; // ESRCH: gone
  }
}

let procChecked: boolean | undefined;
function existsInProc(): boolean {
  if (procChecked === undefined) {
    try {
      readdirSync("/proc/self");
      procChecked = true;
    } catch {
      procChecked = false;
    }
  }
  return procChecked;
}

/** Sends a signal; false when there was nobody to get it. */
function signal(target: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(target, name);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ESRCH") log.debug(`kill ${name} ${target}: ${String(error)}`);
    return false;
  }
}
