/** setTimeout's delay is a signed 32-bit number of milliseconds; longer delays fire at once. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * Calls `fn` once at `deadline` (ms since the epoch), however far away it is:
 * a deadline past ~24.8 days is reached in hops. Returns a function that
 * cancels the call.
 */
export function atDeadline(deadline: number, fn: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let cancelled = false;
  const arm = () => {
    if (cancelled) return;
    const remaining = deadline - Date.now();
    if (remaining > MAX_TIMER_DELAY_MS) timer = setTimeout(arm, MAX_TIMER_DELAY_MS);
    else timer = setTimeout(fn, Math.max(0, remaining));
  };
  arm();
  return () => {
    cancelled = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}

/** The earliest of some optional deadlines. */
export function earliest(...deadlines: (number | undefined)[]): number | undefined {
  const set = deadlines.filter((value): value is number => value !== undefined);
  return set.length ? Math.min(...set) : undefined;
}
