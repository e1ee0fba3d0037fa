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
  // console.error, not process.stderr: that stream costs ~10 ms to set up (see writeOut in output.ts).
  console.error(`${prefix}${message}`);
}

export const log = {
  error: (message: string) => write("error", message),
  warn: (message: string) => write("warn", message),
  info: (message: string) => write("info", message),
  debug: (message: string) => write("debug", message),
  trace: (message: string) => write("trace", message),
};
