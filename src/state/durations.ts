/**
 * Whole seconds from `start` to `end`, never negative: tmux reports times in
 * whole seconds, so an end read from tmux may fall just before a start prj recorded.
 */
export function secondsBetween(start: string | Date, end: string | Date): number {
  const from = typeof start === "string" ? Date.parse(start) : start.getTime();
  const to = typeof end === "string" ? Date.parse(end) : end.getTime();
  return Math.max(0, Math.round((to - from) / 1000));
}
