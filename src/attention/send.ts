/**
 * `prj send TARGET TEXT [--enter] [--all]`: types into a pane only when its
 * program is ready for input, judged afresh from the pane's processes at the
 * moment of sending (not from the last sample):
 *
 * - a process in front is blocked reading the terminal (a program at its
 *   `[y/N]`, a TUI at its prompt, the shell at its prompt), and
 * - when that reader is the pane's own shell and a line-editing one (bash,
 *   zsh, fish, …), its line editor is what reads: the terminal is out of
 *   canonical mode. A shell whose start-up file reads the terminal (`read` in
 *   .bashrc) reads in canonical mode and is still starting: nothing is typed
 *   into it. (A `read` in the pane's command reads in canonical mode too, and
 *   is a program waiting for input; a start-up file of the shell that runs the
 *   command, before the command, cannot be told from it.)
 *
 * Without /proc (macOS, the BSDs) a pane is taken as ready when the watcher
 * published `waiting` or `idle` and it has printed nothing for a second.
 *
 * The text goes through one tmux client's stdin (`send-keys -l`), never an
 * argv, and is recorded as a `pane.sent` event with the session's secret
 * values shown as `***`.
 */
import { PrjError } from "../errors.ts";
import { projectPaths } from "../paths.ts";
import { redactText, isSecretKey } from "../plan/redact.ts";
import type { TmuxManager } from "../tmux/manager.ts";
import { tmuxCommandLine } from "../tmux/quote.ts";
import { log } from "../ui/log.ts";
import { isShellName } from "./classify.ts";
import { ensureWatcher } from "./launch.ts";
import { listPaneRows, type PaneRow } from "./panes.ts";
import { procAvailable, readPaneProcesses, terminalIsCanonical } from "./procfs.ts";
import { byPaneUrgency, noTargetError, panesOfTarget, type Target } from "./targets.ts";

const POLL_MS = 200;
/** Shells that read a command line with a line editor, which turns canonical mode off while it waits. */
const LINE_EDITORS = new Set(["bash", "zsh", "fish", "tcsh", "ksh", "ksh93", "mksh", "yash", "nu", "elvish", "xonsh"]);

export interface Readiness {
  ready: boolean;
  reason: string;
}

/** Whether the pane's program waits for input right now. */
export async function readiness(row: PaneRow, now = Date.now()): Promise<Readiness> {
  if (row.facts.dead) return { ready: false, reason: "the pane's process is gone" };
  if (!procAvailable()) {
    const state = row.published?.state;
    if ((state === "waiting" || state === "idle") && now - row.facts.outputAt >= 1000) return { ready: true, reason: `${state} (as the watcher saw it)` };
    return { ready: false, reason: state ? `it is ${state}` : "no state is known yet" };
  }
  const processes = readPaneProcesses(row.panePid, row.tty);
  if (!processes) return { ready: false, reason: "the pane's process is gone" };
  const members = processes.foreground.members;
  const reader = members.find((member) => member.wait === "terminal");
  if (!reader) {
    const front = members[0]?.comm ?? row.facts.currentCommand;
    return { ready: false, reason: processes.foreground.isShell ? "the shell is busy (starting, or running a command)" : `${front} is running` };
  }
  const name = reader.comm.replace(/^-/, "");
  const paneShell = processes.foreground.isShell && reader.pid === processes.shell.pid;
  if (paneShell && LINE_EDITORS.has(name) && (await terminalIsCanonical(row.tty)) === true) {
    return { ready: false, reason: `${name} is still starting (its start-up files read the terminal)` };
  }
  return { ready: true, reason: paneShell && isShellName(name) ? `${name} waits at its prompt` : `${reader.comm} waits for input` };
}

export interface SendOutcome {
  target: string;
  session: string | null;
  pane: string | null;
  sent: boolean;
  reason: string;
}

/**
 * Sends `text` to each target as soon as its pane is ready, within
 * `timeoutMs` (0: only those ready now). A session or window target types into
 * its most urgent pane (the one waiting), else its active one.
 */
export async function sendWhenReady(
  tmux: TmuxManager,
  targets: readonly Target[],
  request: { text: string; enter: boolean; timeoutMs: number },
): Promise<SendOutcome[]> {
  const deadline = Date.now() + request.timeoutMs;
  const outcomes = new Map<Target, SendOutcome>();
  const last = new Map<Target, SendOutcome>();
  let first = true;
  for (;;) {
    const rows = (await listPaneRows(tmux)) ?? [];
    // The pane to type into is chosen by the published states: a server whose prj sessions predate the watcher gets one.
    if (first && rows.some((row) => row.project !== "")) await ensureWatcher(tmux, rows[0]!.watcher);
    for (const target of targets) {
      if (outcomes.has(target)) continue;
      const panes = panesOfTarget(rows, target);
      if (panes.length === 0) {
        if (first && targets.length === 1) throw noTargetError(rows, target);
        outcomes.set(target, { target: target.text, session: null, pane: null, sent: false, reason: "it is gone" });
        continue;
      }
      const pane = choosePane(panes);
      const ready = await readiness(pane);
      const outcome = { target: target.text, session: pane.sessionName, pane: pane.paneId, sent: false, reason: ready.reason };
      if (!ready.ready) {
        last.set(target, outcome);
        continue;
      }
      await typeInto(tmux, pane, request);
      outcomes.set(target, { ...outcome, sent: true });
    }
    first = false;
    if (outcomes.size === targets.length || Date.now() >= deadline) break;
    await Bun.sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
  }
  return targets.map(
    (target) => outcomes.get(target) ?? { ...(last.get(target) ?? { target: target.text, session: null, pane: null, reason: "" }), sent: false },
  );
}

/** The pane a session or window target means: the waiting one first, then the active one. */
function choosePane(panes: readonly PaneRow[]): PaneRow {
  const sorted = byPaneUrgency(panes);
  const urgent = sorted[0]!;
  if (urgent.published?.state === "waiting") return urgent;
  return panes.find((pane) => pane.paneActive && pane.windowActive) ?? panes.find((pane) => pane.paneActive) ?? urgent;
}

/** One tmux client, the text on its stdin; then the event, secrets redacted. */
async function typeInto(tmux: TmuxManager, pane: PaneRow, request: { text: string; enter: boolean }): Promise<void> {
  const commands = [["send-keys", "-t", pane.paneId, "-l", "--", request.text]];
  if (request.enter) commands.push(["send-keys", "-t", pane.paneId, "Enter"]);
  const result = await tmux.run(["source-file", "-"], { stdin: `${commands.map(tmuxCommandLine).join(" ; ")}\n`, display: `${tmux.baseArgv().join(" ")} source-file - <<< send-keys -t ${pane.paneId} -l …` });
  if (result.exitCode !== 0) throw new PrjError(`could not type into ${pane.paneId}: ${result.stderr.trim() || `tmux exited ${result.exitCode}`}`);
  await recordSent(tmux, pane, request).catch((error: unknown) => log.debug(`prj send not recorded: ${error instanceof Error ? error.message : String(error)}`));
}

async function recordSent(tmux: TmuxManager, pane: PaneRow, request: { text: string; enter: boolean }): Promise<void> {
  if (!pane.project) return;
  const { openStateDatabase } = await import("../state/db.ts");
  const store = openStateDatabase(projectPaths(pane.project).database, { create: false });
  try {
    const [row] = store.select<{ plan: string | null; command: string | null; worktree: string }>(
      "read the session's record",
      "SELECT plan, command, worktree FROM sessions WHERE name = $name AND tmux_id = $tmuxId AND ended_at IS NULL ORDER BY id DESC LIMIT 1",
      { name: pane.sessionName, tmuxId: pane.sessionId },
    );
    let secretKeys: string[] = [];
    try {
      secretKeys = row?.plan ? ((JSON.parse(row.plan) as { secretKeys?: string[] }).secretKeys ?? []) : [];
    } catch {
      secretKeys = []; // a damaged record: secrets by name still count
    }
    const environment = (await tmux.getSessionInfo(pane.sessionName))?.environment ?? {};
    const secrets = Object.entries(environment)
      .filter(([key, value]) => (isSecretKey(key) || secretKeys.includes(key)) && value.length >= 3)
      .map(([, value]) => value);
    store.recordEvent({
      kind: "pane.sent",
      status: "succeeded",
      exitCode: 0,
      endedAt: new Date().toISOString(),
      command: row?.command ?? null,
      sessionName: pane.sessionName,
      worktree: row?.worktree ?? null,
      projectPath: pane.project,
      metadata: { pane: pane.paneId, text: redactText(request.text, secrets), enter: request.enter, state: pane.published?.state ?? null },
    });
  } finally {
    store.close();
  }
}
