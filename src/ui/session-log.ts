/**
 * `sessions.log`: one line per session lifecycle change and per error, kept in
 * `$XDG_DATA_HOME/prunejuice/logs/` whatever project prj runs in. It is
 * written synchronously with appendFileSync (no streams, no heavy imports) and
 * rotated at about 5 MB, keeping one `.1`. A log that cannot be written never
 * stops prj: it warns once per process and carries on.
 */
import { appendFileSync, chmodSync, mkdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { logDir } from "../paths.ts";
import { log } from "./log.ts";

export type SessionLogKind = "created" | "reused" | "killed" | "ended" | "cleanup" | "adopted" | "rollback" | "error";

/** Rotation threshold; tests pass a smaller `maxBytes`. */
const SESSION_LOG_MAX_BYTES = 5 * 1024 * 1024;

let warned = false;

/** The log file path (it follows XDG_DATA_HOME at call time). */
export function sessionLogFile(): string {
  return join(logDir(), "sessions.log");
}

/**
 * Appends `<ISO time> <kind> key=value …`. Values with spaces, quotes or
 * newlines are JSON-quoted so every entry stays on one line and parses back.
 * Callers redact secrets before they get here.
 */
export function sessionLog(kind: SessionLogKind, fields: Record<string, string | number | boolean | null | undefined>, options: { maxBytes?: number; now?: Date } = {}): void {
  const file = sessionLogFile();
  const parts = [(options.now ?? new Date()).toISOString(), kind];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null || value === "") continue;
    parts.push(`${key}=${formatValue(String(value))}`);
  }
  const line = `${parts.join(" ")}\n`;
  try {
    rotateIfLarge(file, options.maxBytes ?? SESSION_LOG_MAX_BYTES);
    appendFileSync(file, line, { mode: 0o600 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") return warnOnce(file, error);
    // First write on this machine: make the directory, then try once more.
    try {
      mkdirSync(logDir(), { recursive: true, mode: 0o700 });
      appendFileSync(file, line, { mode: 0o600 });
      chmodSync(file, 0o600);
    } catch (retryError) {
      warnOnce(file, retryError);
    }
  }
}

/** Lets tests see the once-per-process warning again. */
export function resetSessionLogWarning(): void {
  warned = false;
}

function rotateIfLarge(file: string, maxBytes: number): void {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // nothing to rotate yet
    throw error;
  }
  // Two prj processes may both see a full file; the loser's rename finds no
  // file (ENOENT) and its line simply starts the new log.
  if (size < maxBytes) return;
  try {
    renameSync(file, `${file}.1`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

function formatValue(value: string): string {
  return /^[^\s"'\\=]+$/.test(value) ? value : JSON.stringify(value);
}

function warnOnce(file: string, error: unknown): void {
  if (warned) return;
  warned = true;
  const why = error instanceof Error ? error.message : String(error);
  log.warn(`cannot write the session log ${file} (${why}); continuing without it`);
}
