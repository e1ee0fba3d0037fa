import { TmuxError } from "../errors.ts";

/**
 * Parses tab-separated `-F` output strictly: a row with the wrong number of
 * fields is an error, never a guess.
 */
export function parseRows<const F extends readonly string[]>(
  text: string,
  fields: F,
  subcommand: string,
): Record<F[number], string>[] {
  const rows: Record<F[number], string>[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const values = line.split("\t");
    if (values.length !== fields.length) {
      throw new TmuxError(subcommand, `unexpected output row (${values.length} fields, wanted ${fields.length}): ${JSON.stringify(line)}`);
    }
    const row = {} as Record<F[number], string>;
    fields.forEach((field, index) => {
      row[field as F[number]] = values[index]!;
    });
    rows.push(row);
  }
  return rows;
}

/** A `-F` format asking for `fields`, tab-separated, as {@link parseRows} reads them. */
export function formatOf(fields: readonly string[]): string {
  return fields.map((field) => `#{${field}}`).join("\t");
}

/** tmux's stderr when no server runs on the socket: not an error for a query, just nothing there. */
export function isNoServer(stderr: string): boolean {
  return /no server running|error connecting to|No such file or directory/.test(stderr);
}
