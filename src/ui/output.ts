import { log } from "./log.ts";

/**
 * Writes text to stdout as is. `console.write` is Bun's native writer; the
 * first touch of `process.stdout` instead builds Node's stream stack, which
 * costs ~10 ms of start-up in the compiled binary. Bun buffers what a slow or
 * non-blocking pipe cannot take yet and flushes it before the process exits.
 * A reader that went away (`prj list-sessions | head -1`) is not an error.
 */
export function writeOut(text: string): void {
  const closed = (error: unknown) => {
    const code = (error as { code?: unknown } | null)?.code;
    // A hung-up terminal (the session prj ran in was just killed) is as gone as a closed pipe.
    if (code !== "EPIPE" && code !== "EIO" && code !== "ENXIO") throw error;
    log.debug(`stdout was closed before all output was written: ${String(error)}`);
  };
  let written: number | Promise<number>;
  try {
    written = console.write(text);
  } catch (error) {
    return closed(error);
  }
  if (typeof written !== "number") written.catch(closed);
}

/** Data goes to stdout: `--json` prints exactly one document. */
export function printJson(value: unknown): void {
  writeOut(`${JSON.stringify(value, null, 2)}\n`);
}

/** Colour only on a terminal, and never when NO_COLOR or --no-color says no. */
export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && !process.argv.includes("--no-color");
}

/** Left-aligned columns for plain-text tables. */
export function table(rows: string[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths: number[] = [];
  for (const row of all) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return all
    .map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!))).join("  "))
    .join("\n");
}

/** `42s`, `3m 05s`, `2h 07m`, `3d 4h`; a dash for no value. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "-";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}
