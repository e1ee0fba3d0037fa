/**
 * Parsers for flag values the observability commands take. A bad value is a
 * UsageError (exit 2) that says what was expected, never a silent default.
 */
import { UsageError } from "../errors.ts";

export type TimeUnit = "h" | "d" | "w";

/** A window of time ending now, as `--timeframe 7d` gives it. */
export interface Timeframe {
  text: string;
  amount: number;
  unit: TimeUnit;
}

const MAX_TIMEFRAME_HOURS = 10 * 366 * 24;

/** `12h`, `7d`, `2w`: a positive whole number and a unit. */
export function parseTimeframe(raw: unknown, flag = "--timeframe"): Timeframe {
  const text = typeof raw === "string" ? raw.trim() : "";
  const match = /^(\d+)\s*([hdw])$/i.exec(text);
  const amount = Number(match?.[1] ?? Number.NaN);
  if (!match || !Number.isSafeInteger(amount) || amount <= 0) {
    throw new UsageError(
      `${flag} must be a positive whole number followed by h, d or w (hours, days, weeks), got ${describe(raw)}`,
      "for example --timeframe 12h, --timeframe 7d or --timeframe 2w",
    );
  }
  const unit = match[2]!.toLowerCase() as TimeUnit;
  const hours = amount * (unit === "h" ? 1 : unit === "d" ? 24 : 168);
  if (hours > MAX_TIMEFRAME_HOURS) throw new UsageError(`${flag} ${text} is too long; the longest is 10 years`);
  return { text: `${amount}${unit}`, amount, unit };
}

/** A positive whole number, such as `--limit 20`. */
export function parsePositiveInteger(raw: unknown, flag: string): number {
  const text = typeof raw === "string" || typeof raw === "number" ? String(raw).trim() : "";
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value <= 0) {
    throw new UsageError(`${flag} must be a positive whole number, got ${describe(raw)}`, `for example ${flag} 20`);
  }
  return value;
}

/** Seconds between refreshes: a positive number, fractions allowed, at least 0.1. */
export function parseInterval(raw: unknown, flag = "--interval"): number {
  const text = typeof raw === "string" || typeof raw === "number" ? String(raw).trim() : "";
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(value) || value < 0.1 || value > 86_400) {
    throw new UsageError(`${flag} must be a number of seconds from 0.1 to 86400, got ${describe(raw)}`, `for example ${flag} 2`);
  }
  return value;
}

/** One of `choices`, named in the error when it is not. */
export function parseChoice<T extends string>(raw: unknown, flag: string, choices: readonly T[]): T {
  const text = typeof raw === "string" ? raw.trim().toLowerCase() : "";
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new UsageError(`${flag} must be one of ${choices.join(", ")}, got ${describe(raw)}`);
}

function describe(raw: unknown): string {
  if (raw === undefined || raw === true || raw === "") return "no value";
  return JSON.stringify(String(raw));
}
