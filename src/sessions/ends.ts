/**
 * Reads the end times tmux itself appends to `session-ends.tsv` (installed by
 * `endRecorderCommands` in src/tmux/script.ts), so a session that died behind
 * prj's back gets the time it really ended rather than the time prj noticed.
 */
import { readFileSync, renameSync, statSync } from "node:fs";
import { sessionEndsFile } from "../paths.ts";
import { log } from "../ui/log.ts";

export interface EndRecord {
  /** `closed`: one session closed; `server`: the whole server exited (kill-server, or its last session ended). */
  kind: "closed" | "server";
  socketPath: string;
  /** The session id (`$3`) for `closed`, the server pid for `server`. */
  id: string;
  at: Date;
}

/** How a recorded end time was found. */
export type EndTimeSource = "tmux-hook" | "server-exit" | "reconcile";

/** The file rotates past this size; the previous one is kept as `.1` and still read. */
const MAX_BYTES = 1024 * 1024;

/**
 * Parses the lines of the ends file; a malformed line (a torn write) is
 * skipped. With `only`, lines that cannot concern that session (another
 * session's `closed` record) are skipped unparsed: the file holds a line per
 * session ever closed, up to a megabyte, and one session needs a few of them.
 */
export function parseEndRecords(text: string, only?: { tmuxId: string | null }): EndRecord[] {
  const out: EndRecord[] = [];
  for (const line of only ? linesFor(text, only.tmuxId) : text.split("\n")) {
    const [kind, socketPath, id, epoch, ...rest] = line.split("\t");
    if ((kind !== "closed" && kind !== "server") || !socketPath || !id || rest.length > 0) continue;
    if (!/^\d+$/.test(epoch ?? "")) continue;
    out.push({ kind, socketPath, id, at: new Date(Number(epoch) * 1000) });
  }
  return out;
}

/**
 * The lines that may concern one session: those holding its id as a field,
 * and server exits. Found with indexOf rather than by splitting the whole file,
 * which costs a millisecond or more in a short-lived process.
 */
function linesFor(text: string, tmuxId: string | null): string[] {
  const lines: string[] = [];
  for (const needle of tmuxId ? [`\t${tmuxId}\t`, "server\t"] : ["server\t"]) {
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) {
      const start = text.lastIndexOf("\n", at) + 1;
      if (needle === "server\t" && start !== at) continue;
      const end = text.indexOf("\n", at);
      lines.push(text.slice(start, end === -1 ? text.length : end));
    }
  }
  return lines;
}

/** Every record in the ends file and its rotated predecessor (with `only`: those that may concern that session). */
export function readEndRecords(file: string = sessionEndsFile(), only?: { tmuxId: string | null }): EndRecord[] {
  const out: EndRecord[] = [];
  for (const path of [`${file}.1`, file]) {
    try {
      out.push(...parseEndRecords(readFileSync(path, "utf8"), only));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") log.debug(`cannot read ${path}: ${String(error)}`);
    }
  }
  return out;
}

/**
 * When the session with this tmux id on this socket ended: the earliest
 * `closed` record for it or `server` exit on its socket at or after it was
 * created. tmux reuses ids after a restart, and the creation bound keeps an
 * older server's records from matching.
 */
export function findEndTime(
  records: readonly EndRecord[],
  session: { socketPath: string; tmuxId: string | null; createdAt: string },
): { at: Date; source: EndTimeSource } | undefined {
  // Records have whole seconds; a session created at 12.7 s may close at "12".
  const notBefore = Math.floor(Date.parse(session.createdAt) / 1000) * 1000;
  let best: { at: Date; source: EndTimeSource } | undefined;
  for (const record of records) {
    if (record.socketPath !== session.socketPath || record.at.getTime() < notBefore) continue;
    if (record.kind === "closed" && record.id !== session.tmuxId) continue;
    if (!best || record.at < best.at) best = { at: record.at, source: record.kind === "closed" ? "tmux-hook" : "server-exit" };
  }
  return best;
}

/** Starts a new ends file once the current one is large; the hook simply creates the next one. */
export function rotateEndRecords(file: string = sessionEndsFile(), maxBytes = MAX_BYTES): void {
  try {
    if (statSync(file).size < maxBytes) return;
    renameSync(file, `${file}.1`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") log.debug(`cannot rotate ${file}: ${String(error)}`);
  }
}
