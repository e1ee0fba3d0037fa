import { createWriteStream } from "node:fs";
import { PrjError } from "../errors.ts";
import type { StepSpec } from "../plan/types.ts";
import { log } from "../ui/log.ts";

export interface StepContext {
  cwd: string;
  env: Record<string, string>;
  /** Where the step's combined output is saved. */
  logFile: string;
  /** Absolute deadline (ms since epoch) from the run's and the step's timeouts. */
  deadline?: number;
  /** Aborted when the run is cancelled (Ctrl-C). */
  signal: AbortSignal;
  /** Scrubs secrets from streamed output. */
  redact(text: string): string;
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

/** The argv of a non-built-in step; an inline `run:` is already shell-quoted where values were substituted. */
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
  const file = createWriteStream(context.logFile, { mode: 0o600 });
  const child = Bun.spawn(stepArgv(step), {
    cwd: context.cwd,
    env: context.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: true,
  });
  let stopped: "timeout" | "cancelled" | undefined;
  const stop = (why: "timeout" | "cancelled") => {
    if (stopped) return;
    stopped = why;
    killGroup(child.pid, "SIGTERM");
    // A step that ignores SIGTERM is not allowed to hold the run hostage.
    setTimeout(() => killGroup(child.pid, "SIGKILL"), 2000).unref();
  };
  const onAbort = () => stop("cancelled");
  context.signal.addEventListener("abort", onAbort);
  if (context.signal.aborted) stop("cancelled");
  const timer = context.deadline === undefined ? undefined : setTimeout(() => stop("timeout"), Math.max(0, context.deadline - Date.now()));
  try {
    const [, , exitCode] = await Promise.all([
      pump(child.stdout, step.name, file, context.redact),
      pump(child.stderr, step.name, file, context.redact),
      child.exited,
    ]);
    if (stopped === "timeout") throw new StepFailure(`step ${step.name} timed out`, "timeout");
    if (stopped === "cancelled") throw new StepFailure(`step ${step.name} was cancelled`, "cancelled");
    if (exitCode !== 0) throw new StepFailure(`step ${step.name} exited with status ${exitCode}`, "failed", exitCode);
  } finally {
    if (timer) clearTimeout(timer);
    context.signal.removeEventListener("abort", onAbort);
    await new Promise<void>((resolve) => file.end(resolve));
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    log.debug(`process group ${pid} already gone (${String(error)})`);
  }
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  name: string,
  file: NodeJS.WritableStream,
  redact: (text: string) => string,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of stream) {
    const text = redact(decoder.decode(chunk, { stream: true }));
    file.write(text);
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) process.stderr.write(`[${name}] ${line}\n`);
  }
  if (pending) process.stderr.write(`[${name}] ${pending}\n`);
}
