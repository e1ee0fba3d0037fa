/**
 * The built-in defaults that sit under every config layer, and duration
 * parsing. Kept apart from schema.ts so the run path can use them without
 * loading TypeBox (see config/cache.ts).
 */

/** Command and step names: they become file names under .prj/, so no `/` and no spaces. */
export const NAME_PATTERN = "^[A-Za-z0-9._-]+$";

export const DEFAULT_NAMING_PATTERN = "{{project}}-{{worktree}}-{{task}}";
export const DEFAULT_TASK = "dev";
export const DEFAULT_WINDOW_NAME = "main";
export const DEFAULT_SESSION_TIMEOUT = "24h";
/** Relative to the main worktree, so worktrees sit beside the checkout, not inside it. */
export const DEFAULT_WORKTREE_BASE_PATH = "../worktrees";
/** Worktree n gets ports DEFAULT_PORT_BASE + 10 × n; 3000 is where most dev servers start anyway. */
export const DEFAULT_PORT_BASE = 3000;
/** Used when neither config sets `defaults.shell` and `$SHELL` is unset or empty. */
export const FALLBACK_SHELL = "/bin/sh";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Converts a duration to whole seconds: `30` and `"30"` are seconds, `"45s"`,
 * `"30m"`, `"2h"`, `"1d"` carry their unit. Throws on anything else,
 * including zero and fractions; the schema rejects those first, with position.
 */
export function parseDuration(value: string | number): number {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value > 0) return value;
    throw new Error(`invalid duration ${value}: expected a whole number of seconds greater than 0`);
  }
  const match = /^([0-9]+)([smhd]?)$/.exec(value);
  if (match) {
    const seconds = Number(match[1]) * UNIT_SECONDS[match[2] || "s"]!;
    if (Number.isSafeInteger(seconds) && seconds > 0) return seconds;
  }
  throw new Error(`invalid duration ${JSON.stringify(value)}: use a number of seconds or a number followed by s, m, h or d, like "30m"`);
}
