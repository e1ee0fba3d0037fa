// What /proc tells about real programs in real panes (a private tmux server):
// which wait is the terminal's, which the network's, and how a wrapped
// command's exit status reaches the shell the pane becomes.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { paneCommandStatus, readPaneProcesses, terminalIsCanonical, type WaitKind } from "../../src/attention/procfs.ts";
import { paneArgv } from "../../src/tmux/script.ts";
import { PrivateTmux, waitFor } from "../helpers/world.ts";

const linux = process.platform === "linux" && existsSync("/proc/self/syscall");
const tmux = new PrivateTmux("procfs");
let listener: import("bun").TCPSocketListener | undefined;
afterAll(async () => {
  listener?.stop(true);
  await tmux.dispose();
});

/** Starts `argv` in a new window and returns its pane's id, pid and tty. */
async function pane(name: string, argv: string[]): Promise<{ id: string; pid: number; tty: string }> {
  const started = await tmux.tmux("new-window", "-d", "-n", name, "-P", "-F", "#{pane_id}\t#{pane_pid}\t#{pane_tty}", ...argv);
  if (started.exitCode !== 0) throw new Error(started.stderr);
  const [id, pid, tty] = started.stdout.trim().split("\t");
  return { id: id!, pid: Number(pid), tty: tty! };
}

/** The wait of the pane's foreground group, once it settles on `expected` (programs take a moment to block). */
async function settlesOn(target: { pid: number; tty: string }, expected: WaitKind): Promise<string> {
  let last = "";
  await waitFor(
    () => {
      const members = readPaneProcesses(target.pid, target.tty)?.foreground.members ?? [];
      last = members.map((member) => `${member.comm}:${member.wait}:${member.detail}`).join(" ");
      return members.some((member) => member.wait === expected);
    },
    { timeoutMs: 8000, what: `a ${expected} wait (last: ${last})` },
  ).catch(() => undefined);
  return last;
}

describe.skipIf(!linux)("the kernel's view of a pane", () => {
  test("terminal reads, network reads, sleeps and a busy loop are told apart", async () => {
    await tmux.ok("new-session", "-d", "-s", "procfs", "-x", "80", "-y", "24");
    listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = listener.port;
    const bun = process.execPath;
    const cases: [string, string[], WaitKind, RegExp][] = [
      ["read", ["bash", "--norc", "-c", "read -r answer"], "terminal", /read\(0 → terminal\)/],
      ["sleep", ["sleep", "30"], "sleep", /sleep/],
      ["socket-read", ["bash", "--norc", "-c", `exec 3<>/dev/tcp/127.0.0.1/${port}; read -r reply <&3`], "network", /→ socket/],
      ["event-loop-socket", [bun, "-e", `await Bun.connect({ hostname: "127.0.0.1", port: ${port}, socket: { data() {} } }); await new Promise(() => {})`], "network", /epoll.*socket/],
      ["event-loop-terminal", [bun, "-e", "process.stdin.setRawMode(true); process.stdin.on('data', () => process.exit(0))"], "terminal", /epoll.*terminal/],
      ["shell-prompt", ["bash", "--norc", "--noprofile", "-i"], "terminal", /terminal/],
      ["busy", ["sh", "-c", "while :; do :; done"], "running", /running/],
    ];
    const started = await Promise.all(cases.map(async ([name, argv]) => pane(name, argv)));
    const seen: string[] = [];
    for (const [index, [name, , expected, detail]] of cases.entries()) {
      const last = await settlesOn(started[index]!, expected);
      seen.push(`${name}: ${last}`);
      expect(`${name}: ${last}`).toMatch(new RegExp(`${expected}:`));
      expect(last).toMatch(detail);
    }
    // The shell at its prompt is the pane's own process group; a program is not.
    expect(readPaneProcesses(started[5]!.pid, started[5]!.tty)?.foreground.isShell).toBe(true);
    // bash's line editor takes the terminal out of canonical mode; a plain `read` leaves it in.
    expect(await terminalIsCanonical(started[5]!.tty)).toBe(false);
    expect(await terminalIsCanonical(started[0]!.tty)).toBe(true);
  }, 30_000);

  test("the pane wrapper leaves the command's exit status in the shell it becomes", async () => {
    const exited = await pane("exit3", paneArgv("/bin/sh", "echo bye; exit 3"));
    const fine = await pane("exit0", paneArgv("/bin/bash", "true"));
    await waitFor(() => paneCommandStatus(exited.pid) !== undefined && paneCommandStatus(fine.pid) !== undefined, { what: "both commands to end" });
    expect(paneCommandStatus(exited.pid)).toBe(3);
    expect(paneCommandStatus(fine.pid)).toBe(0);
    // While a command runs, there is no status yet.
    const running = await pane("running", paneArgv("/bin/sh", "sleep 30"));
    await waitFor(() => (readPaneProcesses(running.pid, running.tty)?.foreground.members ?? []).some((member) => member.comm === "sleep"), { what: "sleep" });
    expect(paneCommandStatus(running.pid)).toBeUndefined();
  }, 20_000);
});
