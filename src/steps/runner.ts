import { closeSync, existsSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { PrjError } from "../errors.ts";
import { atDeadline } from "../exec/deadline.ts";
import { inheritedSecrets, StreamRedactor } from "../plan/redact.ts";
import type { StepSpec } from "../plan/types.ts";
import { log, writeStderr } from "../ui/log.ts";
import { startQuietTicker, type QuietTicker } from "../ui/progress.ts";

export interface StepContext {
  cwd: string;
  env: Record<string, string>;
  /** Where the step's combined output is saved; its directory is made when the step starts. */
  logFile: string;
  /** Absolute deadline (ms since epoch) from the run's and the step's timeouts. */
  deadline?: number;
  /** Aborted when the run is cancelled (Ctrl-C; reason "cancelled") or runs out of time (reason "timeout"). */
  signal: AbortSignal;
  /** The step's own timeout, for the message when it passes. */
  timeoutSeconds?: number;
  /** Scrubs secrets from streamed output. */
  redact(text: string): string;
  /**
   * Secret values to mask even when the output splits them across reads. Sensitive variables in
   * `env` (by the name pattern, or listed in `secretKeys`) are masked too: what a step inherits
   * from the user's environment is as secret as what the plan sets.
   */
  secrets?: readonly string[];
  secretKeys?: readonly string[];
}

export class StepFailure extends PrjError {
  constructor(
    message: string,
    readonly kind: "failed" | "timeout" | "cancelled",
    readonly stepExitCode?: number,
  ) {
    super(message);
  }
}

/**
 * The argv of a non-built-in step. An inline `run:` holds references (`"$PRJ_V_name"`) where
 * values were substituted; the values themselves are in the step's environment (stepEnv).
 */
export function stepArgv(step: StepSpec): string[] {
  if (step.kind === "inline") return ["/bin/sh", "-c", step.run];
  if (step.kind === "script") return step.path.endsWith(".sh") ? ["/bin/sh", step.path] : [step.path];
  throw new Error(`built-in step ${step.name} has no argv`);
}

/**
 * Runs one step in its own process group, so that a timeout or Ctrl-C stops
 * everything it started, not just its shell. Output is streamed to stderr with
 * the step's name as prefix and saved to its log file.
 */
export async function runStepProcess(step: StepSpec, context: StepContext): Promise<void> {
  if (!existsSync(context.cwd)) {
    throw new StepFailure(`step ${step.name} cannot start: its directory ${context.cwd} does not exist`, "failed");
  }
  const file = StepLog.open(step.name, context.logFile);
  let child: ReturnType<typeof spawnStep>;
  try {
    child = spawnStep(step, context);
  } catch (error) {
    file.close();
    throw new StepFailure(`step ${step.name} cannot start: ${error instanceof Error ? error.message : String(error)}`, "failed");
  }
  // A step that goes quiet for a while shows how long it has run (on a terminal only).
  const ticker = await startQuietTicker(step.name);
  let stopped: "timeout" | "run-timeout" | "cancelled" | "log" | undefined;
  let forceKill: ReturnType<typeof setTimeout> | undefined;
  const stop = (why: NonNullable<typeof stopped>) => {
    if (stopped) return;
    stopped = why;
    killGroup(child.pid, "SIGTERM");
    // A step that ignores SIGTERM is not allowed to hold the run hostage.
    forceKill = setTimeout(() => killGroup(child.pid, "SIGKILL"), 2000);
  };
  const onAbort = () => stop(context.signal.reason === "timeout" ? "run-timeout" : "cancelled");
  context.signal.addEventListener("abort", onAbort);
  if (context.signal.aborted) onAbort();
  const cancelTimer = context.deadline === undefined ? undefined : atDeadline(context.deadline, () => stop("timeout"));
  // A log that cannot be written (the disk filled up, .prj went read-only) stops the step: the run fails and rolls back cleanly.
  file.onFailure = () => stop("log");
  try {
    const readers = [child.stdout.getReader(), child.stderr.getReader()];
    const masked = [...(context.secrets ?? []), ...inheritedSecrets(context.env, context.secretKeys)];
    const output = Promise.all(readers.map((reader) => pump(reader, step.name, file, new StreamRedactor(masked, context.redact), ticker)));
    const exitCode = await child.exited;
    // A failed or stopped step takes everything it started with it; a step that
    // succeeded may leave a service running in the background.
    if (stopped || exitCode !== 0) killGroup(child.pid, "SIGKILL");
    // A background process may still hold the pipes open; read on only briefly.
    // The grace timer is cleared once the pipes close, so it never keeps prj alive by itself.
    let grace: ReturnType<typeof setTimeout> | undefined;
    const drained = await Promise.race([
      output.then(() => true),
      new Promise<boolean>((resolve) => (grace = setTimeout(() => resolve(false), 300))),
    ]);
    clearTimeout(grace);
    if (!drained) {
      for (const reader of readers) await reader.cancel().catch((error: unknown) => log.debug(`step output not closed: ${String(error)}`));
    }
    if (stopped === "timeout") {
      throw new StepFailure(`step ${step.name} timed out${context.timeoutSeconds ? ` after ${formatSeconds(context.timeoutSeconds)}` : ""}`, "timeout");
    }
    if (stopped === "run-timeout") throw new StepFailure(`step ${step.name} was stopped: the run timed out`, "timeout");
    if (stopped === "cancelled") throw new StepFailure(`step ${step.name} was cancelled`, "cancelled");
    if (stopped === "log") throw new StepFailure(`step ${step.name} was stopped: ${file.failure}`, "failed");
    if (exitCode !== 0) throw new StepFailure(`step ${step.name} exited with status ${exitCode}`, "failed", exitCode);
  } finally {
    ticker.stop();
    cancelTimer?.();
    if (forceKill) clearTimeout(forceKill);
    context.signal.removeEventListener("abort", onAbort);
    file.close();
  }
}

/**
 * A step's log file, written synchronously so that a failed write (ENOSPC,
 * EROFS, EIO) is an error prj handles, never an unhandled stream event that
 * ends the process with a stack trace.
 */
class StepLog {
  failure: string | undefined;
  onFailure: (() => void) | undefined;

  private constructor(
    private fd: number | undefined,
    private readonly path: string,
  ) {}

  /** Opens the log (its directory appears with the run's first step); failing to is the step's failure. */
  static open(stepName: string, path: string): StepLog {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      return new StepLog(openSync(path, "w", 0o600), path);
    } catch (error) {
      throw new StepFailure(`step ${stepName} cannot start: cannot write its log ${path}: ${describeIoError(error)}`, "failed");
    }
  }

  write(text: string): void {
    if (this.fd === undefined) return;
    const bytes = Buffer.from(text);
    try {
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(this.fd, bytes, offset);
    } catch (error) {
      this.failure = `cannot write its log ${this.path}: ${describeIoError(error)}`;
      this.close();
      this.onFailure?.();
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch (error) {
      log.debug(`step log ${this.path} not closed cleanly: ${describeIoError(error)}`);
    }
    this.fd = undefined;
  }
}

function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOSPC") return "no space left on the device";
  if (code === "EROFS") return "the file system is read-only";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return error instanceof Error ? error.message : String(error);
}

/** The step's environment: the context's, plus the values an inline `run:` refers to. */
export function stepEnv(step: StepSpec, env: Record<string, string>): Record<string, string> {
  return step.kind === "inline" && step.shellValues ? { ...env, ...step.shellValues } : env;
}

function spawnStep(step: StepSpec, context: StepContext) {
  return Bun.spawn(stepArgv(step), {
    cwd: context.cwd,
    env: stepEnv(step, context.env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    // Its own process group, so stopping the step stops everything it started.
    detached: true,
  });
}

function formatSeconds(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    log.debug(`process group ${pid} already gone (${String(error)})`);
  }
}

async function pump(
  reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> },
  name: string,
  file: StepLog,
  redactor: StreamRedactor,
  ticker: QuietTicker,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  const emit = (text: string) => {
    if (text === "") return;
    file.write(text);
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    // Not process.stderr: building that stream costs ~10 ms (see ui/log.ts).
    if (lines.length > 0) {
      ticker.beforeOutput();
      writeStderr(lines.map((line) => `[${name}] ${line}\n`).join(""));
    }
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done || value === undefined) break;
    emit(redactor.push(decoder.decode(value, { stream: true })));
  }
  emit(redactor.end(decoder.decode()));
  if (pending) {
    ticker.beforeOutput();
    writeStderr(`[${name}] ${pending}\n`);
  }
}
