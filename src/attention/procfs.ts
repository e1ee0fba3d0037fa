/**
 * What Linux's /proc tells about a pane's processes, read without starting a
 * process: which process group has the terminal, what each of its processes
 * is blocked on, how much CPU they used, and how the pane's command ended.
 *
 * The kernel state is what tells "quiet because it waits for you" from "quiet
 * because it waits for the network": a program blocked in read() on its
 * terminal, or polling a set that holds its terminal, waits for a key; one
 * blocked reading a socket waits for a server. /proc/PID/syscall names the
 * system call and its first arguments; the file descriptor it names is looked
 * up in /proc/PID/fd, and an epoll set's members in /proc/PID/fdinfo. Where
 * /proc/PID/syscall is closed (a kernel without it, or a ptrace policy that
 * keeps it from non-descendants), /proc/PID/wchan and the open descriptors
 * stand in.
 *
 * Elsewhere (macOS, the BSDs) there is no /proc: every function here answers
 * undefined and the classifier falls back to what tmux and declarations say.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";

/** The environment variable the pane wrapper hands its command's exit status to the pane's shell in (tmux/script.ts). */
export const PANE_STATUS_VARIABLE = "PRJ_PANE_STATUS";

/** What a process is blocked on, as far as the pane's state is concerned. */
export type WaitKind = "terminal" | "network" | "child" | "sleep" | "running" | "other";

export interface ProcessStat {
  pid: number;
  ppid: number;
  pgid: number;
  /** The foreground process group of the process's controlling terminal. */
  tpgid: number;
  state: string;
  comm: string;
  /** utime + stime: the CPU the process itself used, in clock ticks. */
  ticks: number;
  /** cutime + cstime: grows when a child that used CPU is reaped. */
  childTicks: number;
  threads: number;
  /** Start time in ticks since boot: with the pid, it tells a process from a later one that reused the pid. */
  start: string;
}

export interface ForegroundMember {
  pid: number;
  comm: string;
  wait: WaitKind;
  /** How the wait was read, for the evidence: `read(0 → /dev/pts/3)`, `epoll(tty, 2 sockets)`, `wchan wait_woken`. */
  detail: string;
  ticks: number;
  start: string;
}

export interface PaneProcesses {
  /** The pane's first process: the pane wrapper while the command runs, the shell afterwards. */
  shell: ProcessStat;
  /** The process group that has the terminal; `isShell` when it is the pane's first process's own. */
  foreground: { pgid: number; isShell: boolean; members: ForegroundMember[] };
}

let available: boolean | undefined;

/** Whether this system has a /proc to read processes from. */
export function procAvailable(): boolean {
  return (available ??= existsSync("/proc/self/stat"));
}

/** One process from /proc/PID/stat; undefined once it is gone. */
export function readStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined; // it exited
  }
  // The command sits in parentheses and may itself hold spaces and ')'.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  const fields = text.slice(close + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const cutime = Number(fields[13]);
  const cstime = Number(fields[14]);
  return {
    pid,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    tpgid: Number(fields[5]),
    state: fields[0] ?? "?",
    comm: text.slice(open + 1, close),
    ticks: utime + stime,
    childTicks: cutime + cstime,
    threads: Number(fields[17]) || 1,
    start: fields[19] ?? "",
  };
}

/** The children of a process, from every one of its threads (a thread that forked lists its own children). */
function childrenOf(stat: ProcessStat): number[] {
  const tasks = stat.threads > 1 ? safeReaddir(`/proc/${stat.pid}/task`) : [String(stat.pid)];
  const out: number[] = [];
  for (const task of tasks) {
    let text: string;
    try {
      text = readFileSync(`/proc/${stat.pid}/task/${task}/children`, "latin1");
    } catch {
      continue; // the thread ended, or the kernel has no children files (then the tree is the first process alone)
    }
    for (const word of text.split(" ")) if (word) out.push(Number(word));
  }
  return out;
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return []; // the process ended while it was read
  }
}

/**
 * The pane's processes and the state of its foreground group; undefined when
 * /proc is missing or the pane's first process is gone. Only the foreground
 * group is read: its leader (the group's id is its pid) and the leader's
 * descendants in the same group (a script and the command it waits for), so a
 * sample costs a handful of reads a pane.
 */
export function readPaneProcesses(panePid: number, tty: string): PaneProcesses | undefined {
  if (!procAvailable()) return undefined;
  const shell = readStat(panePid);
  if (!shell) return undefined;
  const pgid = shell.tpgid;
  const leader = pgid === shell.pid ? shell : pgid > 0 ? readStat(pgid) : undefined;
  const members: ForegroundMember[] = [];
  const queue = leader ? [leader] : [];
  const seen = new Set<number>();
  while (queue.length && members.length < 64) {
    const stat = queue.shift()!;
    if (seen.has(stat.pid)) continue;
    seen.add(stat.pid);
    if (stat.pgid !== pgid) continue;
    let wait: WaitKind = "other";
    if (stat.state !== "Z") {
      const found = waitOf(stat, tty);
      wait = found.wait;
      members.push({ pid: stat.pid, comm: stat.comm, wait, detail: found.detail, ticks: stat.ticks, start: stat.start });
    }
    // Only a process that waits for a child (a script, a shell running a command) has members worth reading below it.
    if (wait !== "child" && wait !== "other") continue;
    for (const child of childrenOf(stat)) {
      const childStat = readStat(child);
      if (childStat) queue.push(childStat);
    }
  }
  return { shell, foreground: { pgid, isShell: pgid === shell.pgid, members } };
}

/** Final answers of paneCommandStatus, by pid and start time: once the wrapper has become the shell, its status cannot change. */
const settledStatus = new Map<string, number | undefined>();

/**
 * The exit status the pane wrapper handed to the shell it became, or
 * undefined while the command still runs (or for a pane without the wrapper).
 * Read from the initial environment of the pane's first process, which the
 * wrapper's `exec` replaced.
 */
export function paneCommandStatus(panePid: number, start?: string): number | undefined {
  const key = start === undefined ? undefined : `${panePid}:${start}`;
  if (key !== undefined && settledStatus.has(key)) return settledStatus.get(key);
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${panePid}/cmdline`, "latin1");
  } catch {
    return undefined;
  }
  // Still the wrapper: the command has not ended.
  if (cmdline.includes("\0prj-pane\0")) return undefined;
  let environ: string;
  try {
    environ = readFileSync(`/proc/${panePid}/environ`, "latin1");
  } catch {
    return undefined;
  }
  const prefix = `${PANE_STATUS_VARIABLE}=`;
  let status: number | undefined;
  for (const entry of environ.split("\0")) {
    if (entry.startsWith(prefix)) {
      const value = entry.slice(prefix.length);
      status = /^\d+$/.test(value) ? Number(value) : undefined;
      break;
    }
  }
  if (key !== undefined) {
    if (settledStatus.size > 4096) settledStatus.clear();
    settledStatus.set(key, status);
  }
  return status;
}

/** System call numbers that matter here, by architecture (the kernel's own tables). */
const SYSCALLS: Record<string, Record<number, string>> = {
  x64: {
    0: "read", 17: "pread", 19: "readv", 45: "recvfrom", 47: "recvmsg", 7: "poll", 23: "select", 270: "pselect6", 271: "ppoll",
    232: "epoll_wait", 281: "epoll_pwait", 441: "epoll_pwait2", 61: "wait4", 247: "waitid", 35: "nanosleep", 230: "clock_nanosleep",
    202: "futex", 43: "accept", 288: "accept4", 42: "connect", 34: "pause", 130: "rt_sigsuspend",
  },
  arm64: {
    63: "read", 67: "pread", 65: "readv", 207: "recvfrom", 212: "recvmsg", 73: "ppoll", 72: "pselect6",
    22: "epoll_pwait", 441: "epoll_pwait2", 260: "wait4", 95: "waitid", 101: "nanosleep", 115: "clock_nanosleep",
    98: "futex", 202: "accept", 242: "accept4", 203: "connect", 133: "rt_sigsuspend",
  },
};

const READS = new Set(["read", "pread", "readv", "recvfrom", "recvmsg"]);
const EPOLLS = new Set(["epoll_wait", "epoll_pwait", "epoll_pwait2"]);
const POLLS = new Set(["poll", "ppoll", "select", "pselect6"]);

/** What one process is blocked on. */
export function waitOf(stat: ProcessStat, tty: string): { wait: WaitKind; detail: string } {
  if (stat.state === "R") return { wait: "running", detail: "running" };
  let text: string | undefined;
  try {
    text = readFileSync(`/proc/${stat.pid}/syscall`, "latin1").trim();
  } catch {
    text = undefined; // closed to us: fall back to wchan
  }
  if (text === undefined) return waitFromWchan(stat, tty);
  if (text === "running") return { wait: "running", detail: "running" };
  const words = text.split(" ");
  const number = Number(words[0]);
  const name = SYSCALLS[process.arch]?.[number];
  const args = words.slice(1, 4).map((word) => Number.parseInt(word, 16));
  if (!name) return { wait: "other", detail: number < 0 ? "not in a system call" : `syscall ${number}` };
  if (READS.has(name)) {
    const target = fdTarget(stat.pid, args[0]!);
    return { wait: kindOfTarget(target, tty, "other"), detail: `${name}(${args[0]} → ${describeTarget(target, tty)})` };
  }
  if (EPOLLS.has(name)) return epollWait(stat.pid, [args[0]!], tty, name);
  if (POLLS.has(name)) {
    // select's first argument is the highest descriptor + 1; poll's are in memory /proc does not show.
    const limit = name === "select" || name === "pselect6" ? args[0]! : undefined;
    return pollWait(stat.pid, tty, name, limit);
  }
  if (name === "wait4" || name === "waitid") return { wait: "child", detail: name };
  if (name === "nanosleep" || name === "clock_nanosleep" || name === "pause" || name === "rt_sigsuspend") return { wait: "sleep", detail: name };
  if (name === "accept" || name === "accept4" || name === "connect") return { wait: "network", detail: name };
  return { wait: "other", detail: name };
}

/** The readlink of a descriptor: `/dev/pts/3`, `socket:[123]`, `pipe:[45]`; undefined when it is gone. */
function fdTarget(pid: number, fd: number): string | undefined {
  if (!Number.isInteger(fd) || fd < 0) return undefined;
  try {
    return readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return undefined;
  }
}

function isTerminal(target: string | undefined, tty: string): boolean {
  return target !== undefined && (target === tty || target === "/dev/tty");
}

function isSocket(target: string | undefined): boolean {
  return target?.startsWith("socket:") ?? false;
}

function kindOfTarget(target: string | undefined, tty: string, otherwise: WaitKind): WaitKind {
  if (isTerminal(target, tty)) return "terminal";
  if (isSocket(target)) return "network";
  return otherwise;
}

function describeTarget(target: string | undefined, tty: string): string {
  if (target === undefined) return "closed";
  if (isTerminal(target, tty)) return "terminal";
  if (isSocket(target)) return "socket";
  if (target.startsWith("pipe:")) return "pipe";
  return target;
}

/** An epoll wait: on the terminal when the set watches it (a TUI at its prompt), on the network when it watches sockets only. */
function epollWait(pid: number, epollFds: number[], tty: string, name: string): { wait: WaitKind; detail: string } {
  let terminal = false;
  let sockets = 0;
  for (const epfd of epollFds) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${epfd}`, "latin1");
    } catch {
      continue;
    }
    for (const match of info.matchAll(/^tfd:\s+(\d+)/gm)) {
      const target = fdTarget(pid, Number(match[1]));
      if (isTerminal(target, tty)) terminal = true;
      else if (isSocket(target)) sockets += 1;
    }
  }
  const detail = `${name}(${[terminal ? "terminal" : "", sockets ? `${sockets} socket${sockets > 1 ? "s" : ""}` : ""].filter(Boolean).join(", ") || "no terminal, no socket"})`;
  if (terminal) return { wait: "terminal", detail };
  return { wait: sockets ? "network" : "other", detail };
}

/**
 * poll and select: which descriptors they watch is in the process's memory, so
 * the open ones stand in (below `limit` for select). The terminal with no
 * socket open is a terminal wait (bash and fish at their prompts); with
 * sockets it may be either, and is read as the network's.
 */
function pollWait(pid: number, tty: string, name: string, limit: number | undefined): { wait: WaitKind; detail: string } {
  let terminal = false;
  let sockets = 0;
  for (const fd of safeReaddir(`/proc/${pid}/fd`)) {
    if (limit !== undefined && Number(fd) >= limit) continue;
    const target = fdTarget(pid, Number(fd));
    if (isTerminal(target, tty)) terminal = true;
    else if (isSocket(target)) sockets += 1;
  }
  const detail = `${name}(${terminal ? "terminal" : "no terminal"}${sockets ? `, ${sockets} socket${sockets > 1 ? "s" : ""}` : ""})`;
  if (terminal && sockets === 0) return { wait: "terminal", detail };
  return { wait: sockets ? "network" : "other", detail };
}

/**
 * Without /proc/PID/syscall: the kernel function the process sleeps in. A
 * terminal read sleeps in n_tty_read (wait_woken on newer kernels), and so
 * does a TCP read, so the open descriptors decide between the two.
 */
function waitFromWchan(stat: ProcessStat, tty: string): { wait: WaitKind; detail: string } {
  let wchan = "";
  try {
    wchan = readFileSync(`/proc/${stat.pid}/wchan`, "latin1").trim();
  } catch {
    return { wait: "other", detail: "kernel state unreadable" };
  }
  const detail = `wchan ${wchan || "0"}`;
  if (wchan === "do_wait" || wchan.startsWith("kernel_wait")) return { wait: "child", detail };
  if (wchan.includes("nanosleep") || wchan === "do_sigtimedwait" || wchan === "sigsuspend") return { wait: "sleep", detail };
  if (wchan.includes("epoll")) {
    const epolls = safeReaddir(`/proc/${stat.pid}/fd`).filter((fd) => fdTarget(stat.pid, Number(fd)) === "anon_inode:[eventpoll]").map(Number);
    return { ...epollWait(stat.pid, epolls, tty, "epoll"), detail };
  }
  if (wchan === "n_tty_read" || wchan === "wait_woken" || wchan.includes("poll") || wchan.includes("select")) {
    return { ...pollWait(stat.pid, tty, "wait", undefined), detail };
  }
  if (wchan.includes("sk_wait") || wchan.includes("unix_stream") || wchan.includes("tcp") || wchan.includes("inet")) return { wait: "network", detail };
  return { wait: "other", detail };
}

/** The terminal's line discipline: false when a line editor (readline, zle, fish) has switched canonical mode off. */
export async function terminalIsCanonical(tty: string): Promise<boolean | undefined> {
  const flag = process.platform === "linux" ? "-F" : "-f";
  try {
    const child = Bun.spawn(["stty", flag, tty, "-a"], { stdin: "ignore", stdout: "pipe", stderr: "ignore" });
    const [text, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    if (code !== 0) return undefined;
    const words = text.split(/[\s;]+/);
    if (words.includes("-icanon")) return false;
    if (words.includes("icanon")) return true;
    return undefined;
  } catch {
    return undefined; // no stty: readiness is judged without it
  }
}
