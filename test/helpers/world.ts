// Test worlds: temp directories, git repositories and private tmux servers.
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const testRoot = process.env.PRJ_TEST_ROOT ?? "/tmp";

/** A fresh temp directory under this test process's root. */
export function tempDir(prefix = "dir-"): string {
  return mkdtempSync(join(testRoot, prefix));
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs argv to completion, reading stdout and stderr together so a full pipe never blocks. */
export async function run(
  argv: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; stdin?: string } = {},
): Promise<RunResult> {
  const env = { ...process.env, ...options.env } as Record<string, string>;
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const child = Bun.spawn(argv, {
    cwd: options.cwd,
    env,
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { exitCode, stdout, stderr };
}

/** Throws with the whole output when an exit status is not the expected one, so a failure shows why. */
export function expectExit(result: RunResult, code: number): RunResult {
  if (result.exitCode !== code) {
    throw new Error(`expected exit ${code}, got ${result.exitCode}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return result;
}

/** Runs git and throws with its stderr when it fails. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await run(["git", ...args], { cwd });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/**
 * A git repository with one commit on `main` (a README, and `files` by path),
 * in a directory named `name`.
 */
export async function tempGitRepo(name = "myproject", files: Record<string, string> = {}): Promise<string> {
  const parent = tempDir("repo-");
  const repo = join(parent, name);
  mkdirSync(repo);
  await git(repo, "init", "-q", "-b", "main");
  for (const [path, text] of Object.entries({ "README.md": "# test\n", ...files })) writeFileSync(join(repo, path), text);
  await git(repo, "add", ".");
  await git(repo, "commit", "-q", "-m", "initial");
  return repo;
}

/**
 * Polls `check` until it returns a truthy value or the deadline passes.
 * Tests wait for state this way, never with fixed sleeps.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last as NonNullable<T>;
    await Bun.sleep(options.intervalMs ?? 25);
  }
  throw new Error(`timed out waiting for ${options.what ?? "condition"} (last value: ${JSON.stringify(last)})`);
}

let socketCounter = 0;

/** A private tmux server, addressed by its own -L socket name under the test's TMUX_TMPDIR. */
export class PrivateTmux {
  readonly socket: string;

  constructor(label = "t") {
    socketCounter += 1;
    this.socket = `prj-${label}-${process.pid}-${socketCounter}`;
  }

  /**
   * Runs tmux against this server only; `-f /dev/null` keeps the developer's tmux.conf out,
   * and `-u` keeps tabs and non-ASCII in what it prints when the tests run without a UTF-8 locale.
   */
  async tmux(...args: string[]): Promise<RunResult> {
    return run(["tmux", "-u", "-L", this.socket, "-f", "/dev/null", ...args]);
  }

  /** Runs tmux and returns stdout, throwing on failure. */
  async ok(...args: string[]): Promise<string> {
    const result = await this.tmux(...args);
    if (result.exitCode !== 0) throw new Error(`tmux ${args.join(" ")} failed: ${result.stderr}`);
    return result.stdout;
  }

  async sessionNames(): Promise<string[]> {
    const result = await this.tmux("list-sessions", "-F", "#{session_name}");
    if (result.exitCode !== 0) return [];
    return result.stdout.split("\n").filter(Boolean);
  }

  /** Kills the server and removes its socket; safe to call when nothing runs. */
  async dispose(): Promise<void> {
    await this.tmux("kill-server");
  }
}
