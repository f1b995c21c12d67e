/**
 * The wait before retry `attempt` (1-based): uniformly random up to min(max, base·2^(attempt-1)).
 * Full jitter spreads the retries of many claims that failed together, so a recovering
 * delivery system is not hit by them all at once.
 */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random() * ceiling)
}
