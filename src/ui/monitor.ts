/**
 * The live table of `prj monitor sessions`. On a terminal it takes the
 * alternate screen, hides the cursor and redraws each frame in place (cursor
 * home + clear); `q`, Ctrl-C, SIGINT or SIGTERM stop it, and the terminal is
 * always given back as it was. Elsewhere (a pipe, a file) frames are printed
 * one after another, as text or as one JSON document per line.
 */
import type { MonitorFrame } from "../sessions/monitor.ts";
import { table, writeOut } from "./output.ts";
import { formatDuration } from "./output.ts";
import { describeState } from "../attention/states.ts";
import { localTime, timeZoneLabel } from "./time.ts";

const ALT_SCREEN_ON = "\x1b[?1049h";
const ALT_SCREEN_OFF = "\x1b[?1049l";
const CURSOR_HIDE = "\x1b[?25l";
const CURSOR_SHOW = "\x1b[?25h";
const HOME_AND_CLEAR = "\x1b[H\x1b[2J";

/** `12.3 MiB` style sizes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** One frame as a table, with a heading line. */
export function renderFrame(frame: MonitorFrame, options: { heading: string; footer?: string }): string {
  const lines = [`${options.heading}  ${localTime(frame.taken_at)} ${timeZoneLabel()}`, ""];
  if (frame.sessions.length === 0) lines.push("No sessions.");
  else {
    const rows = frame.sessions.map((session) => [
      session.name,
      describeState(session.state, session.state_since, Date.parse(frame.taken_at)),
      String(session.windows),
      session.attached ? "yes" : "no",
      formatDuration(session.idle_seconds),
      String(session.processes),
      session.cpu_percent.toFixed(1),
      formatBytes(session.rss_bytes),
    ]);
    const total = frame.sessions.reduce(
      (sum, session) => ({ processes: sum.processes + session.processes, cpu: sum.cpu + session.cpu_percent, rss: sum.rss + session.rss_bytes }),
      { processes: 0, cpu: 0, rss: 0 },
    );
    rows.push(["TOTAL", "", "", "", "", String(total.processes), total.cpu.toFixed(1), formatBytes(total.rss)]);
    lines.push(table(rows, ["SESSION", "STATE", "WINDOWS", "ATTACHED", "IDLE", "PROCS", "CPU%", "RSS"]));
  }
  if (options.footer) lines.push("", options.footer);
  return `${lines.join("\n")}\n`;
}

export interface LiveOptions {
  intervalSeconds: number;
  json: boolean;
  heading: string;
  /** Takes (and records) one frame. */
  frame: () => Promise<MonitorFrame>;
}

/**
 * Runs until `q`, Ctrl-C or a signal; restores the terminal however it ends.
 * Returns what stopped it: `q` (or Ctrl-D) is a quit, Ctrl-C is SIGINT as for
 * any command, so the caller can exit 130 (or 143, 129 for SIGTERM, SIGHUP).
 */
export async function runLiveMonitor(options: LiveOptions): Promise<"quit" | NodeJS.Signals> {
  const terminal = Boolean(process.stdout.isTTY) && !options.json;
  const keys = Boolean(process.stdin.isTTY);
  let stopped: "quit" | NodeJS.Signals | undefined;
  let wake: (() => void) | undefined;
  const stop = (why: "quit" | NodeJS.Signals) => {
    stopped ??= why;
    wake?.();
  };
  const onKey = (data: Buffer) => {
    const text = data.toString("utf8");
    // In raw mode Ctrl-C arrives as a byte (0x03), not as SIGINT.
    if (text.includes("\x03")) stop("SIGINT");
    else if (text.includes("q") || text.includes("Q") || text.includes("\x04")) stop("quit");
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) process.on(signal, stop);
  if (keys) {
    process.stdin.setRawMode(true);
    process.stdin.resume();
    process.stdin.on("data", onKey);
  }
  if (terminal) writeOut(ALT_SCREEN_ON + CURSOR_HIDE);
  try {
    while (!stopped) {
      const frame = await options.frame();
      if (stopped) break;
      if (options.json) writeOut(`${JSON.stringify(frame)}\n`);
      else if (terminal) {
        writeOut(
          HOME_AND_CLEAR +
            renderFrame(frame, { heading: options.heading, footer: `every ${options.intervalSeconds}s · q or Ctrl-C to quit` }),
        );
      } else writeOut(`${renderFrame(frame, { heading: options.heading })}\n`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.intervalSeconds * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    if (terminal) writeOut(CURSOR_SHOW + ALT_SCREEN_OFF);
    if (keys) {
      process.stdin.off("data", onKey);
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
    for (const signal of signals) process.off(signal, stop);
  }
  return stopped ?? "quit";
}
