import { describe, expect, test } from "bun:test";
import { classifyPane, PaneTracker, type PaneContext, type PaneFacts } from "../../src/attention/classify.ts";
import { cleanMessage, parseDeclaredState } from "../../src/attention/mark.ts";
import type { ForegroundMember, PaneProcesses, ProcessStat, WaitKind } from "../../src/attention/procfs.ts";
import { byUrgency, formatPublishedState, mostUrgent, parsePublishedState, type AttentionState } from "../../src/attention/states.ts";
import { parseStates, parseTarget, stateOfPanes } from "../../src/attention/targets.ts";
import { serverOfTmuxVariable } from "../../src/attention/tmux-env.ts";
import { parseTimeout } from "../../src/attention/wait.ts";
import { summaryText } from "../../src/attention/watcher.ts";
import { PANE_WRAPPER, WATCHER_OPTION, watcherCommands } from "../../src/tmux/script.ts";
import type { PaneRow } from "../../src/attention/panes.ts";

const NOW = 1_800_000_000_000;

function facts(overrides: Partial<PaneFacts> = {}): PaneFacts {
  return {
    paneId: "%1",
    panePid: 100,
    dead: false,
    deadStatus: undefined,
    currentCommand: "bash",
    outputAt: NOW - 10_000,
    bell: false,
    wrapped: true,
    declaration: undefined,
    ...overrides,
  };
}

function stat(pid: number, comm: string, pgid = pid): ProcessStat {
  return { pid, ppid: 1, pgid, tpgid: 0, state: "S", comm, ticks: 0, childTicks: 0, threads: 1, start: "1" };
}

function member(pid: number, comm: string, wait: WaitKind, detail: string = wait): ForegroundMember {
  return { pid, comm, wait, detail, ticks: 0, start: "1" };
}

/** A pane whose first process is `shell` (pid 100) and whose foreground group is `members` (pgid of the first one). */
function processes(shell: string, members: ForegroundMember[]): PaneProcesses {
  const pgid = members[0]?.pid ?? 100;
  return { shell: stat(100, shell), foreground: { pgid, isShell: pgid === 100, members } };
}

function context(overrides: Partial<PaneContext> = {}): PaneContext {
  return { now: NOW, processes: undefined, cpuPercent: 0, exitStatus: undefined, declarationFresh: false, bellPending: false, ...overrides };
}

describe("classifyPane: the detection rules, in order", () => {
  const cases: [string, PaneFacts, PaneContext, AttentionState, RegExp][] = [
    ["a dead pane is dead, whatever else", facts({ dead: true, deadStatus: 2 }), context({ bellPending: true }), "dead", /status 2/],
    [
      "a fresh declaration wins over the evidence",
      facts({ declaration: { state: "waiting", message: "approve?", at: NOW - 500 } }),
      context({ declarationFresh: true, processes: processes("sh", [member(200, "node", "running")]), cpuPercent: 80 }),
      "waiting",
      /approve\?/,
    ],
    [
      "a stale declaration is ignored",
      facts({ declaration: { state: "waiting", message: "approve?", at: NOW - 500 } }),
      context({ processes: processes("sh", [member(200, "node", "running")]), cpuPercent: 80 }),
      "working",
      /running/,
    ],
    ["the command exited 0: done", facts(), context({ exitStatus: 0, processes: processes("bash", [member(100, "bash", "terminal")]) }), "done", /status 0/],
    ["the command exited 3: failed", facts(), context({ exitStatus: 3, processes: processes("bash", [member(100, "bash", "terminal")]) }), "failed", /status 3/],
    ["the shell at its prompt: idle", facts(), context({ processes: processes("bash", [member(100, "bash", "terminal")]) }), "idle", /command line/],
    ["the shell busy (start-up files): working", facts(), context({ processes: processes("bash", [member(100, "bash", "child")]) }), "working", /busy/],
    [
      "a program blocked reading the terminal: waiting",
      facts(),
      context({ processes: processes("sh", [member(200, "python3", "terminal", "read(0 → terminal)")]) }),
      "waiting",
      /python3 is blocked reading the terminal/,
    ],
    [
      "a TUI polling the terminal while busy: working",
      facts(),
      context({ processes: processes("sh", [member(200, "node", "terminal", "epoll_pwait(terminal)")]), cpuPercent: 40 }),
      "working",
      /40 % CPU/,
    ],
    [
      "quiet because it waits on the network: working, not waiting",
      facts(),
      context({ processes: processes("sh", [member(200, "bash", "network", "read(0 → socket)")]) }),
      "working",
      /network/,
    ],
    ["a program sleeping: working", facts(), context({ processes: processes("sh", [member(200, "sleep", "sleep")]) }), "working", /quiet/],
    [
      "the bell with nothing printed since: waiting",
      facts({ bell: true }),
      context({ bellPending: true, processes: processes("sh", [member(200, "sleep", "sleep")]) }),
      "waiting",
      /bell/,
    ],
    [
      "the bell from the shell at its prompt (completion) does not count",
      facts({ bell: true }),
      context({ bellPending: true, processes: processes("bash", [member(100, "bash", "terminal")]) }),
      "idle",
      /command line/,
    ],
    ["no /proc: the shell in front is idle", facts({ currentCommand: "zsh" }), context(), "idle", /shell is in front/],
    ["no /proc: a program in front is working", facts({ currentCommand: "python3" }), context(), "working", /no \/proc/],
    ["no /proc: a program that rang the bell is waiting", facts({ currentCommand: "python3", bell: true }), context({ bellPending: true }), "waiting", /bell/],
  ];
  test.each(cases)("%s", (_, paneFacts, paneContext, state, reason) => {
    const verdict = classifyPane(paneFacts, paneContext);
    expect(verdict.state).toBe(state);
    expect(verdict.evidence.reason + verdict.message).toMatch(reason);
    expect(verdict.evidence.linux).toBe(paneContext.processes !== undefined);
  });

  test("the evidence carries the exit status, the wait and the declaration", () => {
    const verdict = classifyPane(facts(), context({ exitStatus: 3, processes: processes("bash", [member(100, "bash", "terminal")]) }));
    expect(verdict).toMatchObject({ state: "failed", status: 3, evidence: { exit_status: 3, wait: "terminal", foreground_is_shell: true } });
  });
});

describe("PaneTracker: what a sample needs from the ones before", () => {
  const pane = (members: ForegroundMember[], shell = "bash", childTicks = 0): PaneProcesses => {
    const value = processes(shell, members);
    value.shell.childTicks = childTicks;
    return value;
  };

  test("CPU of the foreground group between samples", () => {
    const tracker = new PaneTracker();
    const busy = (ticks: number) => pane([{ ...member(200, "node", "terminal"), ticks }], "sh");
    expect(tracker.context(facts(), busy(100), undefined, NOW).cpuPercent).toBeUndefined();
    // 50 ticks (500 ms of CPU) in one second.
    expect(tracker.context(facts(), busy(150), undefined, NOW + 1000).cpuPercent).toBe(50);
    expect(tracker.context(facts(), busy(150), undefined, NOW + 2000).cpuPercent).toBe(0);
  });

  test("an exit status holds until the user runs something at the prompt that follows it", () => {
    const tracker = new PaneTracker();
    const prompt = (childTicks: number) => pane([member(100, "bash", "terminal")], "bash", childTicks);
    // Start-up files run first: whatever they run does not count.
    expect(tracker.context(facts(), pane([member(300, "starship", "running")]), 0, NOW).exitStatus).toBe(0);
    expect(tracker.context(facts(), prompt(5), 0, NOW + 1000).exitStatus).toBe(0);
    expect(tracker.context(facts(), prompt(5), 0, NOW + 2000).exitStatus).toBe(0);
    // A command shorter than a sample: the shell reaped a child that used CPU.
    expect(tracker.context(facts(), prompt(7), 0, NOW + 3000).exitStatus).toBeUndefined();
    const other = new PaneTracker();
    other.context(facts(), prompt(0), 0, NOW);
    // A new foreground job.
    expect(other.context(facts(), pane([member(400, "vim", "terminal")]), 0, NOW + 1000).exitStatus).toBeUndefined();
  });

  test("a declaration holds while the program that made it is in front, and waiting ends with output after it", () => {
    const declaration = { state: "waiting" as const, message: "approve?", at: NOW };
    const agent = pane([member(200, "node", "terminal")], "sh");
    const tracker = new PaneTracker();
    expect(tracker.context(facts({ declaration }), agent, undefined, NOW + 100).declarationFresh).toBe(true);
    expect(tracker.context(facts({ declaration, outputAt: NOW + 1000 }), agent, undefined, NOW + 1100).declarationFresh).toBe(true);
    expect(tracker.context(facts({ declaration, outputAt: NOW + 3000 }), agent, undefined, NOW + 3100).declarationFresh).toBe(false);
    const left = new PaneTracker();
    left.context(facts({ declaration }), agent, undefined, NOW + 100);
    expect(left.context(facts({ declaration }), pane([member(100, "bash", "terminal")]), undefined, NOW + 1100).declarationFresh).toBe(false);
    // `working` is not ended by output: a working agent prints.
    const working = new PaneTracker();
    const busy = { ...declaration, state: "working" as const };
    working.context(facts({ declaration: busy }), agent, undefined, NOW + 100);
    expect(working.context(facts({ declaration: busy, outputAt: NOW + 9000 }), agent, undefined, NOW + 9100).declarationFresh).toBe(true);
  });

  test("a bell is pending until the pane prints after it", () => {
    const tracker = new PaneTracker();
    const sleeping = pane([member(200, "sleep", "sleep")], "sh");
    expect(tracker.context(facts({ bell: true, outputAt: NOW }), sleeping, undefined, NOW + 300).bellPending).toBe(true);
    expect(tracker.context(facts({ bell: true, outputAt: NOW }), sleeping, undefined, NOW + 5000).bellPending).toBe(true);
    expect(tracker.context(facts({ bell: true, outputAt: NOW + 6000 }), sleeping, undefined, NOW + 6300).bellPending).toBe(false);
    expect(tracker.context(facts({ bell: false, outputAt: NOW + 6000 }), sleeping, undefined, NOW + 7300).bellPending).toBe(false);
  });
});

describe("states", () => {
  test("urgency: waiting > failed > working > done > idle > dead", () => {
    const all: AttentionState[] = ["idle", "dead", "done", "working", "failed", "waiting"];
    expect([...all].sort(byUrgency)).toEqual(["waiting", "failed", "working", "done", "idle", "dead"]);
    expect(mostUrgent(["idle", "done", "working"])).toBe("working");
    expect(mostUrgent([])).toBeUndefined();
  });

  test("published values read back, foreign ones do not", () => {
    expect(parsePublishedState(formatPublishedState({ state: "failed", since: NOW, status: 3 }))).toEqual({ state: "failed", since: NOW, status: 3 });
    expect(parsePublishedState(formatPublishedState({ state: "idle", since: NOW }))).toEqual({ state: "idle", since: NOW });
    for (const value of ["", "busy 1", "waiting soon", undefined]) expect(parsePublishedState(value)).toBeUndefined();
  });

  test("the status-line summary counts sessions by state, most urgent first, and leaves out the empty ones", () => {
    expect(summaryText(["idle", "waiting", "working", "waiting", "failed"])).toBe("2 waiting, 1 failed, 1 working, 1 idle");
    expect(summaryText([])).toBe("");
  });
});

describe("targets and flags", () => {
  test.each([
    ["%12", { kind: "pane", pane: "%12" }],
    ["app-main-dev", { kind: "session", session: "app-main-dev" }],
    ["app-main-dev:2", { kind: "window", session: "app-main-dev", window: "2" }],
    ["app-main-dev:editor", { kind: "window", session: "app-main-dev", window: "editor" }],
  ] as const)("%s", (text, target) => expect(parseTarget(text, "wait")).toMatchObject(target));

  test("a missing target and unknown states are usage errors (exit 2)", () => {
    expect(() => parseTarget("", "wait")).toThrow(/needs a target/);
    expect(() => parseStates("waiting,asleep", "--until")).toThrow(/--until must be one or more of .*"waiting,asleep"/);
    expect(() => parseStates(undefined, "--until")).toThrow(/got nothing/);
    expect(parseStates("Waiting, failed", "--until")).toEqual(["waiting", "failed"]);
    try {
      parseStates("x", "--until");
    } catch (error) {
      expect((error as { exitCode: number }).exitCode).toBe(2);
    }
  });

  test("timeouts", () => {
    expect(parseTimeout(undefined)).toBeUndefined();
    expect(parseTimeout("30")).toBe(30_000);
    expect(parseTimeout("1.5s")).toBe(1500);
    expect(parseTimeout("2m")).toBe(120_000);
    expect(parseTimeout("0")).toBe(0);
    expect(() => parseTimeout("soon")).toThrow(/--timeout/);
  });

  test("a group's state is its most urgent pane's; unknown until every pane has one", () => {
    const row = (pane: string, state: AttentionState | undefined, since = NOW) =>
      ({ paneId: pane, sessionName: "s", windowIndex: 0, published: state ? { state, since } : undefined, publishedMessage: "" }) as unknown as PaneRow;
    expect(stateOfPanes([row("%1", "idle"), row("%2", "waiting", NOW + 5), row("%3", "waiting", NOW + 1)])).toMatchObject({ state: "waiting", since: NOW + 1 });
    expect(stateOfPanes([row("%1", "idle"), row("%2", undefined)]).state).toBeUndefined();
  });

  test("prj mark: declarable states, one-line messages", () => {
    expect(parseDeclaredState("Waiting")).toBe("waiting");
    expect(() => parseDeclaredState("idle")).toThrow(/one of working, waiting, done, failed/);
    expect(cleanMessage("two\nlines\tand\u0007 a bell ")).toBe("two lines and a bell");
    expect(cleanMessage("x".repeat(400))).toHaveLength(300);
  });

  test("$TMUX gives the socket and the server pid", () => {
    expect(serverOfTmuxVariable("/tmp/tmux-1000/default,4242,3")).toEqual({ socket: "/tmp/tmux-1000/default", pid: 4242 });
    expect(serverOfTmuxVariable("/tmp/a,b/sock,17,-1")).toEqual({ socket: "/tmp/a,b/sock", pid: 17 });
    expect(serverOfTmuxVariable(undefined)).toBeUndefined();
    expect(serverOfTmuxVariable("nonsense")).toBeUndefined();
  });
});

describe("the watcher's start, in the session batch", () => {
  test("once per server, guarded by an option tmux checks and sets in one command list", () => {
    const [command] = watcherCommands(["/opt/prj/bin/prj"]);
    expect(command!.slice(0, 3)).toEqual(["if-shell", "-F", `#{?${WATCHER_OPTION},,1}`]);
    expect(command![3]).toBe(`set-option -g ${WATCHER_OPTION} starting ; run-shell -b "exec \\"/opt/prj/bin/prj\\" __watch"`);
  });

  test("with setpriv it dies with its server; paths are quoted for sh and fish alike, `#` doubled", () => {
    const [command] = watcherCommands(["/usr/bin/bun", "/w/it's #1/$x/main.ts"], { parentDeathSignal: "/usr/bin/setpriv" });
    expect(command![3]).toContain(String.raw`exec /usr/bin/setpriv --pdeathsig HUP \"/usr/bin/bun\" \"/w/it's ##1/\\\$x/main.ts\" __watch`);
    expect(watcherCommands(["/a`b`/prj"])).toEqual([]);
  });

  test("the pane wrapper hands the command's exit status to the shell it becomes", () => {
    expect(PANE_WRAPPER).toBe('set -m; trap : INT; "$1" -ic "$2"; export PRJ_PANE_STATUS=$?; exec "$1" -l');
  });
});
