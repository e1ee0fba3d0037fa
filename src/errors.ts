/**
 * One error family for the whole tool. Everything a user can see as a failure
 * is a PrjError; main.ts formats it once and turns it into the exit status.
 * Exit 2 means "your input is wrong" (nothing was changed), exit 1 is any other failure.
 */
export class PrjError extends Error {
  readonly exitCode: 1 | 2;
  readonly hint?: string;

  constructor(message: string, options: { exitCode?: 1 | 2; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 1;
    this.hint = options.hint;
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

  constructor(subcommand: string, stderr: string, options: { hint?: string; exitCode?: 1 | 2 } = {}) {
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

  constructor(subcommand: string, stderr: string, options: { hint?: string; exitCode?: 1 | 2 } = {}) {
    const said = stderr.trim();
    super(said ? `git ${subcommand} failed: ${said}` : `git ${subcommand} failed`, options);
    this.subcommand = subcommand;
    this.stderr = stderr;
  }
}

/** The state database could not be read or written. */
export class StateError extends PrjError {}

/** A session looked up by exact name is not on the tmux server; the hint names the listing to check. */
export function noSessionError(name: string, listCommand = "prj list-sessions --all"): PrjError {
  return new PrjError(`no session named ${name}`, { hint: `\`${listCommand}\` shows the live sessions` });
}

/**
 * The one place an error becomes text for the user. Unknown errors are bugs:
 * they get a short line, and the stack only when debug logging asks for it.
 */
export function formatError(error: unknown, showStack: boolean): string {
  if (error instanceof PrjError) {
    const lines = [`prj: ${error.message}`];
    if (error.hint) lines.push(`  hint: ${error.hint}`);
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
export function exitCodeOf(error: unknown): 1 | 2 {
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
