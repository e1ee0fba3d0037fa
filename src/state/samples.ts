// The resource_samples table: what `prj monitor` measured of each session.
import type { Database, SQLQueryBindings } from "bun:sqlite";
import type { InsertSampleInput } from "./rows.ts";
import { guard, nowIso } from "./sqlite.ts";

/** Records one resource sample of a session and returns its id. */
export function insertSample(db: Database, input: InsertSampleInput): number {
  return guard(`record a sample of session "${input.sessionName}"`, () =>
    Number(
      db
        .query<never, SQLQueryBindings>(
          `INSERT INTO resource_samples (session_name, taken_at, processes, cpu_percent, rss_bytes)
           VALUES ($sessionName, $takenAt, $processes, $cpuPercent, $rssBytes)`,
        )
        .run({
          sessionName: input.sessionName,
          takenAt: input.takenAt ?? nowIso(),
          processes: input.processes,
          cpuPercent: input.cpuPercent,
          rssBytes: input.rssBytes,
        }).lastInsertRowid,
    ),
  );
}
