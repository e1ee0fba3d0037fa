import { log, logs } from "../ui/log.ts";

export interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  stdin?: string;
  env?: Record<string, string | undefined>;
  /** How the invocation appears in debug logs; defaults to the argv. Use it to hide secrets. */
  display?: string;
}

/**
 * Runs an argv to completion. stdout, stderr and the exit status are awaited
 * together because a child that fills a pipe nobody reads never exits.
 */
export async function runProcess(argv: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
  if (logs("debug")) log.debug(`exec: ${options.display ?? argv.join(" ")}`);
  const child = Bun.spawn([...argv], {
    cwd: options.cwd,
    // Always explicit: Bun.spawn's default is the environment the process
    // started with, which misses later changes to process.env.
    env: cleanEnv(options.env ?? process.env),
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (logs("trace")) log.trace(`exit ${exitCode}: ${stderr.trim()}`);
  return { exitCode, stdout, stderr };
}

function cleanEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
