// What every state module shares: SQLite failures turned into StateErrors,
// and the timestamp format rows are written in.
import { SQLiteError } from "bun:sqlite";
import { PrjError, StateError } from "../errors.ts";

/** Runs `fn`, turning a SQLite failure into a StateError that names `operation`. */
export function guard<T>(operation: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw toStateError(operation, error);
  }
}

export function toStateError(operation: string, error: unknown): Error {
  // Errors that already speak to the user, and bugs (non-SQLite errors), pass through.
  if (error instanceof PrjError) return error;
  if (!(error instanceof SQLiteError)) return error instanceof Error ? error : new Error(String(error));
  const primary = error.errno & 0xff;
  // 5 = SQLITE_BUSY, 6 = SQLITE_LOCKED
  if (primary === 5 || primary === 6) {
    return new StateError(`could not ${operation}: the state database is locked`, {
      hint: "another prj is writing to it; try again when it finishes",
      cause: error,
    });
  }
  return new StateError(`could not ${operation}: ${error.message}`, { cause: error });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** ISO-8601 UTC, which sorts lexically in time order. */
export function nowIso(): string {
  return new Date().toISOString();
}
