/**
 * Reconnect delays (reliability.md item 1): full-jitter exponential backoff.
 */

/** Options of {@link fullJitterBackoff}. */
export interface BackoffOptions {
  /** Upper bound of the first delay, in ms. @default 250 */
  baseMs?: number;
  /** Largest delay, in ms. @default 30000 */
  capMs?: number;
  /** Source of randomness in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * Returns `delay(attempt)`: a random delay in [0, min(cap, base·2^attempt)]. Exported so tests
 * can check the shape without waiting.
 */
export function fullJitterBackoff(options: BackoffOptions = {}): (attempt: number) => number {
  const base = options.baseMs ?? 250;
  const cap = options.capMs ?? 30_000;
  const random = options.random ?? Math.random;
  return (attempt) => {
    // 2^attempt overflows to Infinity for large attempts; min() keeps it at the cap.
    const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt));
    return Math.floor(random() * (ceiling + 1));
  };
}
