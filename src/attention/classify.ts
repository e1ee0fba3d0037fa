/**
 * The detection rules: a pane's evidence, read once per sample, becomes its
 * state. `classifyPane` is pure (tested with tables); `PaneTracker` keeps what
 * one sample needs from the ones before it (CPU ticks, when a bell or an exit
 * was first seen, what was in front when a declaration was made).
 *
 * In order, the first rule that applies decides:
 *
 * 1. the pane is dead (tmux keeps it with remain-on-exit) → `dead`;
 * 2. a fresh declaration (`prj mark`) → the declared state;
 * 3. the pane's command ended (the wrapper's exit status) and nothing ran since → `done` (0) or `failed` (status);
 * 4. the shell is in front: waiting for a command line → `idle`; busy (start-up files, a builtin loop) → `working`;
 * 5. a program is in front and the window rang the bell with no output since → `waiting`;
 * 6. a program in front is blocked reading the terminal, with under 5 % CPU → `waiting`;
 * 7. anything else in front (running, using CPU, waiting on the network, sleeping) → `working`.
 *
 * Without /proc (macOS, the BSDs) rules 3 and 6 have no evidence: a program in
 * front is `working` unless it rang the bell or declared otherwise.
 */
import type { AttentionState } from "./states.ts";
import type { PaneProcesses, WaitKind } from "./procfs.ts";

/** A program blocked on the terminal while using more CPU than this is busy, not waiting. */
export const BUSY_CPU_PERCENT = 5;
/** Output this long after a declaration (or a bell) means the program has moved on. */
export const MOVED_ON_MS = 2000;

const SHELLS = new Set(["sh", "bash", "zsh", "fish", "dash", "ash", "ksh", "ksh93", "mksh", "oksh", "pdksh", "posh", "yash", "tcsh", "csh", "nu", "elvish", "xonsh", "busybox"]);

/** Whether a process name is a shell's (a login shell's comm may start with `-`). */
export function isShellName(name: string): boolean {
  return SHELLS.has(name.replace(/^-/, ""));
}

export interface Declaration {
  state: AttentionState;
  message: string;
  /** ms since the epoch. */
  at: number;
}

/** What tmux says about a pane in one sample. */
export interface PaneFacts {
  paneId: string;
  panePid: number;
  dead: boolean;
  deadStatus: number | undefined;
  /** tmux's name for the program in front (pane_current_command). */
  currentCommand: string;
  /** The window's last output, ms since the epoch (tmux keeps whole seconds). */
  outputAt: number;
  /** The window rang the bell and nobody has looked at it since. */
  bell: boolean;
  /** The pane runs prj's wrapper (its command's exit status can be known). */
  wrapped: boolean;
  declaration: Declaration | undefined;
}

/** What is derived from this sample together with earlier ones. */
export interface PaneContext {
  now: number;
  /** /proc's view; undefined where there is none. */
  processes: PaneProcesses | undefined;
  /** CPU % of the foreground group since the last sample; undefined on the first. */
  cpuPercent: number | undefined;
  /** The wrapped command's exit status, while nothing has run in the pane since it ended. */
  exitStatus: number | undefined;
  /** The declaration still holds (see PaneTracker). */
  declarationFresh: boolean;
  /** The bell rang and the pane has printed nothing since. */
  bellPending: boolean;
}

export interface Evidence {
  /** Whether /proc was read (Linux); without it terminal reads and exit statuses are not known. */
  linux: boolean;
  reason: string;
  foreground: string;
  foreground_is_shell: boolean;
  wait?: WaitKind;
  wait_detail?: string;
  cpu_percent?: number;
  output_age_seconds: number;
  bell: boolean;
  exit_status?: number;
  declared?: { state: AttentionState; message: string; at: string };
}

export interface PaneVerdict {
  state: AttentionState;
  /** Exit status for done/failed (and a dead pane's, when tmux kept it). */
  status?: number;
  message: string;
  evidence: Evidence;
}

/** The state of one pane from its evidence. Pure. */
export function classifyPane(facts: PaneFacts, context: PaneContext): PaneVerdict {
  const processes = context.processes;
  const members = processes?.foreground.members ?? [];
  const leader = members.find((member) => member.pid === processes?.foreground.pgid) ?? members[0];
  const foregroundName = leader?.comm ?? facts.currentCommand;
  const shellInFront = processes ? processes.foreground.isShell && isShellName(processes.shell.comm) : isShellName(facts.currentCommand);
  const terminalWait = members.find((member) => member.wait === "terminal");
  const base: Evidence = {
    linux: processes !== undefined,
    reason: "",
    foreground: foregroundName,
    foreground_is_shell: shellInFront,
    output_age_seconds: Math.max(0, Math.round((context.now - facts.outputAt) / 1000)),
    bell: facts.bell,
  };
  const waitOf = terminalWait ?? members.find((member) => member.wait === "running") ?? members.find((member) => member.wait === "network") ?? leader;
  if (waitOf) {
    base.wait = waitOf.wait;
    base.wait_detail = waitOf.detail;
  }
  if (context.cpuPercent !== undefined) base.cpu_percent = Math.round(context.cpuPercent * 10) / 10;
  if (facts.declaration) {
    base.declared = { state: facts.declaration.state, message: facts.declaration.message, at: new Date(facts.declaration.at).toISOString() };
  }
  const verdict = (state: AttentionState, reason: string, extra: { status?: number; message?: string } = {}): PaneVerdict => ({
    state,
    ...(extra.status === undefined ? {} : { status: extra.status }),
    message: extra.message ?? reason,
    evidence: { ...base, reason, ...(extra.status === undefined ? {} : { exit_status: extra.status }) },
  });

  if (facts.dead) {
    return verdict("dead", facts.deadStatus === undefined ? "the pane's process is gone" : `the pane's process exited with status ${facts.deadStatus}`, {
      status: facts.deadStatus,
    });
  }
  if (facts.declaration && context.declarationFresh) {
    return verdict(facts.declaration.state, "declared with prj mark", { message: facts.declaration.message || `declared ${facts.declaration.state}` });
  }
  if (context.exitStatus !== undefined) {
    return context.exitStatus === 0
      ? verdict("done", "the pane's command exited with status 0", { status: 0 })
      : verdict("failed", `the pane's command exited with status ${context.exitStatus}`, { status: context.exitStatus });
  }
  if (shellInFront) {
    if (!processes) return verdict("idle", "the shell is in front");
    if (terminalWait) return verdict("idle", "the shell waits for a command line");
    return verdict("working", "the shell is busy (start-up files or a builtin)");
  }
  if (context.bellPending) return verdict("waiting", `the window rang the bell (${foregroundName} in front)`);
  if (!processes) return verdict("working", `${foregroundName} is in front (no /proc: a terminal read cannot be seen)`);
  const cpu = context.cpuPercent ?? 0;
  if (terminalWait) {
    if (cpu < BUSY_CPU_PERCENT) return verdict("waiting", `${terminalWait.comm} is blocked reading the terminal`);
    return verdict("working", `${terminalWait.comm} reads the terminal but uses ${Math.round(cpu)} % CPU`);
  }
  if (members.some((member) => member.wait === "running") || cpu >= BUSY_CPU_PERCENT) return verdict("working", `${foregroundName} is running`);
  const network = members.find((member) => member.wait === "network");
  if (network) return verdict("working", `${network.comm} waits on the network, not on you`);
  if (members.length === 0) return verdict("working", `${foregroundName} is in front`);
  return verdict("working", `${foregroundName} is in front, quiet (${leader?.detail ?? "sleeping"})`);
}

interface PaneMemory {
  shellKey: string;
  /** CPU ticks of each foreground process at the last sample, by pid and start time. */
  ticks: Map<string, number>;
  sampledAt: number;
  /**
   * The exit status seen; `prompt` is the shell's foreground group and reaped-children CPU once
   * it first waited at its prompt after it (its start-up files may run anything before that).
   */
  exit?: { status: number; prompt?: { foreground: number; childTicks: number }; consumed: boolean };
  bellSince?: number;
  /** The declaration's time and what was in front when it was first seen. */
  declaration?: { at: number; foreground: string };
}

/** Per-pane memory across samples, turning facts into a context for {@link classifyPane}. */
export class PaneTracker {
  private readonly panes = new Map<string, PaneMemory>();

  /**
   * Folds one sample of a pane in. `exitStatus` is what the wrapper left (see
   * procfs.paneCommandStatus), read by the caller only for wrapped panes.
   */
  context(facts: PaneFacts, processes: PaneProcesses | undefined, exitStatus: number | undefined, now: number): PaneContext {
    const shellKey = processes ? `${processes.shell.pid}:${processes.shell.start}` : String(facts.panePid);
    let memory = this.panes.get(facts.paneId);
    if (!memory || memory.shellKey !== shellKey) {
      memory = { shellKey, ticks: new Map(), sampledAt: now };
      this.panes.set(facts.paneId, memory);
    }
    // CPU of the foreground group since the last sample; a process new since then counts whole.
    let cpuPercent: number | undefined;
    const ticks = new Map<string, number>();
    if (processes) {
      let used = 0;
      for (const member of processes.foreground.members) {
        const key = `${member.pid}:${member.start}`;
        ticks.set(key, member.ticks);
        used += member.ticks - (memory.ticks.get(key) ?? (memory.ticks.size ? 0 : member.ticks));
      }
      const elapsed = now - memory.sampledAt;
      if (memory.ticks.size && elapsed > 0) cpuPercent = Math.max(0, (used * 10 * 100) / elapsed);
    }
    memory.ticks = ticks;
    memory.sampledAt = now;

    // The exit status holds until the user runs something at the prompt that followed it: a new
    // foreground job, or a child the shell reaped (a command shorter than a sample).
    if (exitStatus !== undefined && processes) {
      if (memory.exit?.status !== exitStatus) memory.exit = { status: exitStatus, consumed: false };
      const exit = memory.exit;
      const foreground = processes.foreground;
      const atPrompt = foreground.isShell && foreground.members.some((member) => member.wait === "terminal");
      if (!exit.prompt) {
        if (atPrompt) exit.prompt = { foreground: foreground.pgid, childTicks: processes.shell.childTicks };
      } else if (foreground.pgid !== exit.prompt.foreground || processes.shell.childTicks > exit.prompt.childTicks) {
        exit.consumed = true;
      }
    } else memory.exit = undefined;

    const foregroundIdentity = processes ? String(processes.foreground.pgid) : facts.currentCommand;
    let declarationFresh = false;
    const declaration = facts.declaration;
    if (declaration) {
      if (memory.declaration?.at !== declaration.at) memory.declaration = { at: declaration.at, foreground: foregroundIdentity };
      const sameProgram = memory.declaration.foreground === foregroundIdentity;
      const movedOn = declaration.state !== "working" && facts.outputAt > declaration.at + MOVED_ON_MS;
      declarationFresh = sameProgram && !movedOn;
    } else memory.declaration = undefined;

    if (facts.bell) memory.bellSince ??= now;
    else memory.bellSince = undefined;
    // tmux keeps output times in whole seconds, so output within the bell's own second is the bell.
    const bellPending = memory.bellSince !== undefined && facts.outputAt <= Math.floor(memory.bellSince / 1000) * 1000 + 1000;

    return {
      now,
      processes,
      cpuPercent,
      exitStatus: memory.exit && !memory.exit.consumed ? memory.exit.status : undefined,
      declarationFresh,
      bellPending,
    };
  }

  /** Forgets panes that are gone. */
  retain(paneIds: Set<string>): void {
    for (const id of this.panes.keys()) if (!paneIds.has(id)) this.panes.delete(id);
  }
}
