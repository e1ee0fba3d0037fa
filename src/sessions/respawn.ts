/**
 * `prj respawn [SESSION:WINDOW[.PANE]]`: brings back the command a pane was
 * started with, after Ctrl-C (or a crash) left it at a shell prompt. The pane
 * is respawned in place (`respawn-pane -k`: whatever runs there now ends), so
 * it reruns the pane's own start command, in its own directory, with the
 * variables it was started with: tmux keeps the command and the directory but
 * not the window's and pane's variables (nor the values the command refers
 * to), so those are read back from the pane's process and sent again, on
 * tmux's stdin like every value prj gives tmux.
 */
import { readFileSync } from "node:fs";
import { PrjError, UsageError } from "../errors.ts";
import type { TmuxManager } from "../tmux/manager.ts";
import { formatOf, parseRows } from "../tmux/parse.ts";
import { tmuxCommandLine } from "../tmux/quote.ts";
import { sessionTarget } from "../tmux/script.ts";

const PANE_FIELDS = ["pane_id", "pane_pid", "pane_index", "window_index", "window_name", "session_name", "pane_start_command"] as const;

/** The wrapper's `$0` (tmux/script.ts paneArgv): a pane that runs a command prj gave it. */
const WRAPPER_MARK = "prj-pane";

/** Variables of a pane's process that are the shell's or tmux's own, never to be sent back. */
const NOT_THE_PANES = new Set(["TMUX", "TMUX_PANE", "PRJ_PANE_STATUS", "PWD", "OLDPWD", "SHLVL", "_"]);

export interface RespawnedPane {
  pane: string;
  session: string;
  window: string;
  index: number;
}

interface PaneRow {
  id: string;
  pid: number;
  index: number;
  windowIndex: number;
  windowName: string;
  session: string;
  startCommand: string;
}

/** `SESSION:WINDOW` or `SESSION:WINDOW.PANE` (a window by name or index), or the pane prj runs in. */
export function parseRespawnTarget(target: string | undefined): { session: string; window: string; pane?: number } | undefined {
  if (target === undefined) return undefined;
  const colon = target.lastIndexOf(":");
  if (colon <= 0 || colon === target.length - 1) {
    throw new UsageError(`"${target}" is not SESSION:WINDOW`, "name the window, as in `prj respawn myapp-main-dev:server` (or `:1`, by index; `.0` picks one pane)");
  }
  const session = target.slice(0, colon);
  const rest = target.slice(colon + 1);
  const dot = /^(.*)\.(\d+)$/.exec(rest);
  return dot ? { session, window: dot[1]!, pane: Number(dot[2]) } : { session, window: rest };
}

/** Respawns the panes `target` names (those started with a command), or the current pane. */
export async function respawnPanes(tmux: TmuxManager, target: string | undefined): Promise<RespawnedPane[]> {
  const wanted = parseRespawnTarget(target);
  const panes = wanted ? await panesOf(tmux, wanted.session) : await currentPane(tmux);
  const chosen = wanted
    ? panes.filter(
        (pane) =>
          (pane.windowName === wanted.window || String(pane.windowIndex) === wanted.window) && (wanted.pane === undefined || pane.index === wanted.pane),
      )
    : panes;
  if (chosen.length === 0) {
    const windows = [...new Set(panes.map((pane) => pane.windowName))];
    throw new PrjError(`no window ${wanted!.window}${wanted!.pane === undefined ? "" : ` with a pane ${wanted!.pane}`} in session ${wanted!.session}`, {
      exitCode: 2,
      hint: windows.length ? `its windows: ${windows.join(", ")}` : undefined,
    });
  }
  const withCommand = chosen.filter((pane) => pane.startCommand.includes(WRAPPER_MARK));
  if (withCommand.length === 0) {
    throw new PrjError(`${describe(chosen[0]!)} was started without a command: there is nothing to bring back`, {
      exitCode: 2,
      hint: "respawn names a window (or pane) whose `command:` prj started",
    });
  }
  const sessionEnvironment = await environmentOf(tmux, withCommand[0]!.session);
  const commands = withCommand.map((pane) => {
    const args = ["respawn-pane", "-k", "-t", pane.id];
    for (const [key, value] of Object.entries(paneVariables(pane, sessionEnvironment))) args.push("-e", `${key}=${value}`);
    return tmuxCommandLine(args);
  });
  // On stdin: the values (secrets among them) never appear in an argv.
  const result = await tmux.run(["source-file", "-"], { stdin: `${commands.join(" ; ")}\n`, display: `${tmux.baseArgv().join(" ")} source-file - (respawn-pane -k)` });
  if (result.exitCode !== 0) throw new PrjError(`tmux respawn-pane failed: ${result.stderr.trim()}`);
  return withCommand.map((pane) => ({ pane: pane.id, session: pane.session, window: pane.windowName, index: pane.index }));
}

function describe(pane: PaneRow): string {
  return `${pane.session}:${pane.windowName}.${pane.index}`;
}

async function panesOf(tmux: TmuxManager, session: string): Promise<PaneRow[]> {
  const result = await tmux.run(["list-panes", "-s", "-t", sessionTarget(session), "-F", formatOf(PANE_FIELDS)]);
  if (result.exitCode !== 0) {
    const { sessionNotFound } = await import("./context.ts");
    throw await sessionNotFound(tmux, session);
  }
  return parseRows(result.stdout, PANE_FIELDS, "list-panes").map(toRow);
}

/** The pane this prj runs in, when it is on the project's server. */
async function currentPane(tmux: TmuxManager): Promise<PaneRow[]> {
  const pane = process.env.TMUX_PANE;
  if (!pane || !tmux.isCurrentServer()) {
    throw new UsageError("which pane? outside a pane of the project's tmux server, name it as SESSION:WINDOW", "for example `prj respawn myapp-main-dev:server`");
  }
  const result = await tmux.run(["list-panes", "-t", pane, "-f", `#{==:#{pane_id},${pane}}`, "-F", formatOf(PANE_FIELDS)]);
  if (result.exitCode !== 0) throw new PrjError(`cannot read pane ${pane}: ${result.stderr.trim()}`);
  return parseRows(result.stdout, PANE_FIELDS, "list-panes").map(toRow);
}

function toRow(row: Record<(typeof PANE_FIELDS)[number], string>): PaneRow {
  return {
    id: row.pane_id,
    pid: Number(row.pane_pid),
    index: Number(row.pane_index),
    windowIndex: Number(row.window_index),
    windowName: row.window_name,
    session: row.session_name,
    startCommand: row.pane_start_command,
  };
}

async function environmentOf(tmux: TmuxManager, session: string): Promise<Map<string, string>> {
  const result = await tmux.run(["show-environment", "-t", sessionTarget(session)]);
  const out = new Map<string, string>();
  if (result.exitCode !== 0) return out;
  for (const line of result.stdout.split("\n")) {
    const equals = line.indexOf("=");
    if (equals > 0 && !line.startsWith("-")) out.set(line.slice(0, equals), line.slice(equals + 1));
  }
  return out;
}

/**
 * The variables the pane was started with beyond the session's: read from the
 * environment its first process was started with (/proc, where there is one),
 * or, for the pane prj runs in, from prj's own.
 */
function paneVariables(pane: PaneRow, session: Map<string, string>): Record<string, string> {
  let environment: Record<string, string> | undefined;
  try {
    environment = {};
    for (const entry of readFileSync(`/proc/${pane.pid}/environ`, "utf8").split("\0")) {
      const equals = entry.indexOf("=");
      if (equals > 0) environment[entry.slice(0, equals)] = entry.slice(equals + 1);
    }
  } catch {
    environment = pane.id === process.env.TMUX_PANE ? (process.env as Record<string, string>) : undefined;
  }
  if (!environment) {
    throw new PrjError(`cannot read the variables ${describe(pane)} was started with (no /proc here)`, {
      hint: "run `prj respawn` in that pane itself: it then sends its own variables",
    });
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(environment)) {
    if (value === undefined || NOT_THE_PANES.has(key) || session.get(key) === value) continue;
    out[key] = value;
  }
  return out;
}
