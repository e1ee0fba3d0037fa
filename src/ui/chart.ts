/**
 * Horizontal bar charts for the terminal. With unicode, a bar is drawn in
 * eighths of a cell (█▉▊▋▌▍▎▏), so small differences still show; plain mode
 * (NO_COLOR, or not a terminal) uses `#` and whole cells only.
 */
const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

export interface BarOptions {
  /** Cells for the longest bar. */
  width: number;
  unicode: boolean;
  color: boolean;
}

/** One bar of `value` on a scale where `max` fills `width` cells. */
export function bar(value: number, max: number, options: BarOptions): string {
  if (max <= 0 || value <= 0) return "";
  const cells = (Math.min(value, max) / max) * options.width;
  if (!options.unicode) return "#".repeat(Math.max(1, Math.round(cells)));
  const whole = Math.floor(cells);
  const eighths = Math.round((cells - whole) * 8);
  let text = "█".repeat(whole) + (eighths === 8 ? "█" : EIGHTHS[eighths]!);
  if (text === "") text = "▏"; // anything above zero stays visible
  return options.color ? `\x1b[36m${text}\x1b[0m` : text;
}

/** Labelled rows `label │bar value`; labels and values are aligned. */
export function barChart(rows: { label: string; value: number; text: string }[], options: BarOptions): string {
  const max = Math.max(0, ...rows.map((row) => row.value));
  const labelWidth = Math.max(0, ...rows.map((row) => row.label.length));
  const separator = options.unicode ? "│" : "|";
  return rows
    .map((row) => {
      const drawn = bar(row.value, max, options);
      const visible = drawn.replace(/\x1b\[[0-9;]*m/g, "").length;
      return `${row.label.padEnd(labelWidth)} ${separator}${drawn}${" ".repeat(Math.max(0, options.width - visible))} ${row.text}`;
    })
    .join("\n");
}
