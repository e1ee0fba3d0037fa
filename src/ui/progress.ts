/**
 * Progress for a step that has gone quiet: on a terminal, after a few seconds
 * without output, one line under the step's output says how long it has been
 * running (`[install] still running: 14s`), redrawn in place every second and
 * wiped as soon as the step prints again or ends. Not on a pipe or a file
 * (logs stay clean), and dim only when colour is allowed (NO_COLOR).
 */
import { fstatSync, statSync } from "node:fs";
import { formatDuration } from "./output.ts";
import { writeStderr } from "./log.ts";

/** Quiet this long before the line appears. */
export const QUIET_BEFORE_PROGRESS_MS = 3000;

const CLEAR_LINE = "\r\x1b[2K";

export interface QuietTicker {
  /** Output is about to be written: the progress line, if shown, goes first. */
  beforeOutput(): void;
  /** The step ended: the line goes, the timer stops. */
  stop(): void;
}

const NONE: QuietTicker = { beforeOutput() {}, stop() {} };

/**
 * Starts watching a step named `name` that began at `startedAt`. A no-op off
 * a terminal. `write` is for tests.
 */
export async function startQuietTicker(name: string, options: { startedAt?: number; write?: (text: string) => void } = {}): Promise<QuietTicker> {
  if (!(await stderrIsTerminal())) return NONE;
  const write = options.write ?? writeStderr;
  const startedAt = options.startedAt ?? Date.now();
  const color = !process.env.NO_COLOR && !process.argv.includes("--no-color");
  let lastOutput = startedAt;
  let shown = false;
  const timer = setInterval(() => {
    const now = Date.now();
    if (now - lastOutput < QUIET_BEFORE_PROGRESS_MS) return;
    const text = `[${name}] still running: ${formatDuration((now - startedAt) / 1000)}`;
    write(`${CLEAR_LINE}${color ? `\x1b[2m${text}\x1b[0m` : text}`);
    shown = true;
  }, 1000);
  // The ticker never keeps prj alive on its own.
  timer.unref?.();
  const clear = () => {
    if (shown) write(CLEAR_LINE);
    shown = false;
  };
  return {
    beforeOutput() {
      lastOutput = Date.now();
      clear();
    },
    stop() {
      clearInterval(timer);
      clear();
    },
  };
}

/** Whether fd 2 is a terminal; node:tty is loaded only when it can be one (a character device other than /dev/null). */
async function stderrIsTerminal(): Promise<boolean> {
  try {
    const stat = fstatSync(2);
    if (!stat.isCharacterDevice() || stat.rdev === statSync("/dev/null").rdev) return false;
  } catch {
    return false; // a closed stderr is no terminal
  }
  const { isatty } = await import("node:tty");
  return isatty(2);
}
