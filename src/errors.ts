/**
 * The exit statuses (docs/commands.md "Exit status"):
 * - 1: a failure while doing the work;
 * - 2: invalid input, changing nothing: a bad flag or value, a name that does
 *   not exist (session, worktree, command, step), a refusal (a dirty worktree,
 *   an existing file without --force), no git repository where one is needed;
 * - 124: `prj wait` or `prj send` ran out of time (`--timeout`), as timeout(1) does;
 * - 130: stopped by Ctrl-C (a prompt answered with Ctrl-C included); a run
 *   stopped by SIGHUP or SIGTERM exits 128 + the signal's number (129, 143).
 */
export type ExitCode = 1 | 2 | 124 | 129 | 130 | 143;

/** 128 + the signal's number, the status a shell reports for a process a signal stopped. */
export function signalExitCode(signal: string | undefined): ExitCode {
  return signal === "SIGHUP" ? 129 : signal === "SIGTERM" ? 143 : 130;
}

/**
 * One error family for the whole tool. Everything a user can see as a failure
 * is a PrjError; main.ts formats it once and turns it into the exit status.
 */
export class PrjError extends Error {
  readonly exitCode: ExitCode;
  readonly hint?: string;
  /** Already written to sessions.log where it happened (a run's failure), so main.ts does not write it again. */
  readonly logged: boolean;

  constructor(message: string, options: { exitCode?: ExitCode; hint?: string; cause?: unknown; logged?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 1;
    this.hint = options.hint;
    this.logged = options.logged ?? false;
  }
}

/** Bad command-line usage: unknown command or flag, missing argument, malformed k=v. */
export class UsageError extends PrjError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: 2, hint });
  }
}

export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

/**
 * Invalid configuration: a file that does not parse or validate, or a template
 * that cannot render. Formatted as `file:line:col path: problem`.
 */
export class ConfigError extends PrjError {
  readonly file: string;
  readonly line?: number;
  readonly col?: number;
  readonly path: string;
  readonly problem: string;

  constructor(
    where: { file: string; line?: number; col?: number; path?: string },
    problem: string,
    hint?: string,
  ) {
    const location = where.line === undefined ? where.file : `${where.file}:${where.line}:${where.col ?? 1}`;
    const path = where.path ?? "";
    super(path ? `${location} ${path}: ${problem}` : `${location}: ${problem}`, { exitCode: 2, hint });
    this.file = where.file;
    this.line = where.line;
    this.col = where.col;
    this.path = path;
    this.problem = problem;
  }
}

/** A tmux invocation that failed: which subcommand and what tmux said. */
export class TmuxError extends PrjError {
  readonly subcommand: string;
  readonly stderr: string;

  constructor(subcommand: string, stderr: string, options: { hint?: string; exitCode?: ExitCode } = {}) {
    const said = stderr.trim();
    super(said ? `tmux ${subcommand} failed: ${said}` : `tmux ${subcommand} failed`, options);
    this.subcommand = subcommand;
    this.stderr = stderr;
  }
}

/** A git invocation that failed. */
export class GitError extends PrjError {
  readonly subcommand: string;
  readonly stderr: string;

  constructor(subcommand: string, stderr: string, options: { hint?: string; exitCode?: ExitCode } = {}) {
    const said = stderr.trim();
    super(said ? `git ${subcommand} failed: ${said}` : `git ${subcommand} failed`, options);
    this.subcommand = subcommand;
    this.stderr = stderr;
  }
}

/** The state database could not be read or written. */
export class StateError extends PrjError {}

/**
 * A session looked up by exact name is not on the tmux server (exit 2: a name
 * that does not exist). With the live names, the hint offers the nearest one.
 */
export function noSessionError(name: string, listCommand = "prj list-sessions --all", liveNames: Iterable<string> = []): PrjError {
  const suggestions = nearestNames(name, [...liveNames]);
  const listing = `\`${listCommand}\` shows the live sessions`;
  return new PrjError(`no session named ${name}`, {
    exitCode: 2,
    hint: suggestions.length ? `did you mean ${suggestions.join(" or ")}? ${listing}` : listing,
  });
}

/**
 * Names a user may have meant: those the input begins (`myapp-mai` for
 * `myapp-main-dev`: names are exact, never prefix-matched), up to three, else
 * the closest by edit distance.
 */
export function nearestNames(input: string, names: readonly string[]): string[] {
  if (input === "") return [];
  const prefixed = names.filter((name) => name.startsWith(input) && name !== input).sort((a, b) => a.length - b.length || a.localeCompare(b));
  if (prefixed.length) return prefixed.slice(0, 3);
  const near = closest(input, names);
  return near === undefined ? [] : [near];
}

/**
 * The one place an error becomes text for the user. Unknown errors are bugs:
 * they get a short line, and the stack only when debug logging asks for it.
 */
export function formatError(error: unknown, showStack: boolean): string {
  if (error instanceof PrjError) {
    const lines = [`prj: ${error.message}`];
    // A hint of several lines (a list to choose from) keeps its lines under the first one.
    if (error.hint) lines.push(`  hint: ${error.hint.split("\n").join("\n  ")}`);
    if (showStack && error.stack) lines.push(error.stack);
    return lines.join("\n");
  }
  const message = error instanceof Error ? error.message : String(error);
  const lines = [`prj: unexpected error: ${message}`];
  if (showStack && error instanceof Error && error.stack) lines.push(error.stack);
  else lines.push("  hint: run again with PRJ_LOG_LEVEL=debug to see where it happened");
  return lines.join("\n");
}

/** Exit status for any thrown value. */
export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof PrjError ? error.exitCode : 1;
}

/**
 * Closest candidate by edit distance, for "did you mean" hints; undefined when
 * nothing is near. A swap of two neighbours counts as one edit (`stauts` is one
 * edit from `status`), and among equally near candidates the one closest in
 * length wins, so a transposed word is not "corrected" into a shorter one.
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  const wanted = input.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    const score = distance * 100 + Math.abs(candidate.length - input.length);
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  const limit = Math.max(2, Math.floor(input.length / 3));
  return best !== undefined && Math.floor(bestScore / 100) <= limit ? best : undefined;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = value;
    }
  }
  return rows[a.length]![b.length]!;
}
