import { writeSync } from "node:fs";

/**
 * The stderr logger. Deliberately tiny: consola costs tens of milliseconds at
 * start-up, so it is only loaded for prompts. Levels come from PRJ_LOG_LEVEL,
 * in any case, so `DEBUG` works as well as `debug`.
 */
const LEVELS = ["error", "warn", "info", "debug", "trace"] as const;
export type LogLevel = (typeof LEVELS)[number];

function levelFromEnv(): number {
  const wanted = (process.env.PRJ_LOG_LEVEL ?? "").trim().toLowerCase();
  const index = LEVELS.indexOf(wanted as LogLevel);
  return index === -1 ? LEVELS.indexOf("info") : index;
}

let threshold = levelFromEnv();
let quiet = false;

/** True when messages of `level` are shown. */
export function logs(level: LogLevel): boolean {
  return LEVELS.indexOf(level) <= threshold;
}

/** Re-reads PRJ_LOG_LEVEL; tests and `--json` output use this. */
export function configureLogging(options: { quiet?: boolean } = {}): void {
  threshold = levelFromEnv();
  quiet = options.quiet ?? false;
}

function write(level: LogLevel, message: string): void {
  if (!logs(level)) return;
  if (quiet && (level === "info")) return;
  const prefix = level === "info" ? "" : `[${level}] `;
  writeStderr(`${prefix}${message}\n`);
}

/**
 * Writes straight to fd 2. Not process.stderr: that stream costs ~10 ms to set
 * up (see writeOut in output.ts). Not console.error either: Bun paints it red
 * on a terminal, which made every info line look like an error.
 */
export function writeStderr(text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  try {
    while (offset < bytes.length) offset += writeSync(2, bytes, offset);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // stderr closed, its reader gone, or its terminal hung up: there is nowhere left to say anything,
    // and a signal handler or a rollback that is writing must go on regardless.
    if (code === "EPIPE" || code === "EBADF" || code === "EIO" || code === "ENXIO") return;
    if (code !== "EAGAIN") throw error;
    // A non-blocking stderr that is full: Bun's writer buffers the rest (uncoloured off a terminal).
    console.error(bytes.subarray(offset).toString().replace(/\n$/, ""));
  }
}

export const log = {
  error: (message: string) => write("error", message),
  warn: (message: string) => write("warn", message),
  info: (message: string) => write("info", message),
  debug: (message: string) => write("debug", message),
  trace: (message: string) => write("trace", message),
};
