/**
 * The one clock of human-readable output: every time a person reads is local
 * time, `2026-11-23 19:55:21`, and each screen names the zone once (a column
 * header, a heading or the first time shown), as `timeZoneLabel()` gives it.
 * JSON keeps ISO 8601 UTC. `TZ` is honoured, so `TZ=Asia/Tokyo prj status`
 * and `TZ=Asia/Tokyo prj history` show one event at one time.
 */

/** An ISO time (or a Date) as local `YYYY-MM-DD HH:MM:SS`; a dash for none. */
export function localTime(value: string | Date | null | undefined): string {
  if (value === null || value === undefined || value === "") return "-";
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return String(value);
  const pad = (number: number) => String(number).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/**
 * The zone local times are in: its IANA name (`Europe/Berlin`, which stays right
 * across daylight saving), `UTC`, or the current offset (`UTC+05:30`) when the
 * runtime knows no name.
 */
export function timeZoneLabel(now: Date = new Date()): string {
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (name === "UTC" || name === "Etc/UTC" || name === "Etc/GMT" || name === "GMT") return "UTC";
  if (name) return name;
  const offset = -now.getTimezoneOffset();
  if (offset === 0) return "UTC";
  const abs = Math.abs(offset);
  return `UTC${offset > 0 ? "+" : "-"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** A column header or heading with the zone: `STARTED (Asia/Tokyo)`. */
export function withZone(label: string): string {
  return `${label} (${timeZoneLabel()})`;
}
