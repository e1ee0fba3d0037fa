/** Text rendering of `prj history`, `prj stats sessions` and `prj analyze session-usage`. */
import type { HistoryEntry, SessionStats, SessionUsage } from "../state/reports.ts";
import { barChart } from "./chart.ts";
import { formatDuration, table } from "./output.ts";
import { localTime, timeZoneLabel, withZone } from "./time.ts";

/** An ISO time as `2026-11-23 18:45:00` in local time, for tables (see ui/time.ts). */
export const formatTime = localTime;

function oneLine(text: string | null, max = 60): string {
  if (!text) return "";
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function renderHistory(entries: HistoryEntry[], filtered: boolean): string {
  if (entries.length === 0) {
    return filtered ? "No events match.\n" : "No events recorded yet. Run a command with `prj run NAME`.\n";
  }
  const rows = entries.map((entry) => [
    `#${entry.id}`,
    entry.kind,
    entry.status,
    entry.command ?? "-",
    entry.session ?? "-",
    formatTime(entry.started_at),
    formatDuration(entry.duration_seconds),
    oneLine(entry.error),
  ]);
  return `${table(rows, ["ID", "KIND", "STATUS", "COMMAND", "SESSION", withZone("STARTED"), "TOOK", "ERROR"]).replace(/ +$/gm, "")}\n`;
}

export function renderStats(stats: SessionStats): string {
  if (stats.created === 0 && stats.runs.total === 0) {
    return "No sessions recorded yet. Start one with `prj run start-dev`.\n";
  }
  const lines = [
    `Sessions: ${stats.created} created, ${stats.active} active, ${stats.ended} ended`,
    `Duration (ended sessions): average ${formatDuration(stats.average_duration_seconds)}, median ${formatDuration(stats.median_duration_seconds)}, total ${formatDuration(stats.total_duration_seconds)}`,
    `Runs: ${stats.runs.total} total, ${stats.runs.succeeded} succeeded, ${stats.failed_runs} failed, ${stats.runs.cancelled} cancelled, ${stats.runs.interrupted} interrupted${stats.runs.running ? `, ${stats.runs.running} running` : ""}`,
  ];
  const header = ["SESSIONS", "ACTIVE", "TOTAL", "AVERAGE", "MEDIAN"];
  const cells = (group: SessionStats["by_task"][number] | SessionStats["by_worktree"][number]) => [
    String(group.sessions),
    String(group.active),
    formatDuration(group.total_seconds),
    formatDuration(group.average_seconds),
    formatDuration(group.median_seconds),
  ];
  if (stats.by_task.length) {
    lines.push("", "By task:", indent(table(stats.by_task.map((group) => [group.task || "-", ...cells(group)]), ["TASK", ...header])));
  }
  if (stats.by_worktree.length) {
    lines.push("", "By worktree:", indent(table(stats.by_worktree.map((group) => [group.worktree || "-", ...cells(group)]), ["WORKTREE", ...header])));
  }
  return `${lines.join("\n")}\n`;
}

export function renderUsage(usage: SessionUsage, options: { unicode: boolean; color: boolean; columns: number }): string {
  if (usage.empty) {
    return `No sessions or runs in the last ${usage.timeframe} (since ${formatTime(usage.from)} ${timeZoneLabel()}). Start one with \`prj run start-dev\`.\n`;
  }
  const weekday = (date: string) => new Date(`${date}T12:00:00`).toLocaleDateString("en-US", { weekday: "short" });
  const chartWidth = Math.max(10, Math.min(50, options.columns - 34));
  const chart = barChart(
    usage.days.map((day) => ({ label: `${day.date} ${weekday(day.date)}`, value: day.session_hours, text: `${day.session_hours.toFixed(1)}h` })),
    { width: chartWidth, unicode: options.unicode, color: options.color },
  );
  const lines = [
    `Session usage, last ${usage.timeframe} (${formatTime(usage.from)} → ${formatTime(usage.to)} ${timeZoneLabel()})`,
    "",
    "Session-hours per day:",
    indent(chart),
    "",
    `Total: ${usage.total_session_hours.toFixed(1)} session-hours in ${usage.sessions} session(s), ${usage.sessions_started} started in this timeframe`,
    `Median duration (sessions that ended): ${formatDuration(usage.median_duration_seconds)}`,
    `Runs: ${usage.runs.total}, failed ${usage.failed_runs}, cancelled ${usage.runs.cancelled}, interrupted ${usage.runs.interrupted}`,
  ];
  const groups = (rows: { name: string; session_hours: number; sessions: number }[]) =>
    indent(table(rows.map((row) => [row.name || "-", `${row.session_hours.toFixed(1)}h`, `${row.sessions} session(s)`])));
  if (usage.top_tasks.length) lines.push("", "Top tasks:", groups(usage.top_tasks.map((row) => ({ ...row, name: row.task }))));
  if (usage.top_worktrees.length) lines.push("", "Top worktrees:", groups(usage.top_worktrees.map((row) => ({ ...row, name: row.worktree }))));
  if (usage.failures.length) {
    lines.push("", "Recent failures:");
    lines.push(indent(table(usage.failures.map((row) => [`#${row.id}`, row.command ?? "-", row.status, formatTime(row.started_at), oneLine(row.error)]))));
  }
  return `${lines.join("\n")}\n`;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}
