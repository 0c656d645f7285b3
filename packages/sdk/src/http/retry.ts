/**
 * When a request may be sent again, and how long to wait first: full-jitter exponential backoff
 * for network errors, 5xx and 429 on idempotent requests, with `Retry-After` honoured.
 */
import { fullJitterBackoff } from '../transport/backoff.js';

/** Options of the retry policy. */
export interface RetryOptions {
  /** Attempts after the first. @default 3 */
  retries?: number;
  /** Upper bound of the first backoff delay, in ms. @default 200 */
  baseMs?: number;
  /** Largest backoff delay, in ms. @default 10000 */
  capMs?: number;
  /** A `Retry-After` longer than this is not waited for: the request fails at once. @default 60000 */
  maxRetryAfterMs?: number;
  /**
   * Which requests a 429 (Too Many Requests) is retried for. A 429 means the API did not process
   * the request, so `'always'` also retries POST and PATCH after one; network errors and 5xx
   * stay retried for idempotent requests only, since those may come after the work was done.
   * @default 'idempotent'
   */
  rateLimited?: 'idempotent' | 'always';
}

/** The policy with every default applied. */
export type RetryPolicy = Required<RetryOptions>;

/** Fills in the defaults; `false` means no retries. */
export function retryPolicy(options: RetryOptions | false | undefined): RetryPolicy {
  const o = options === false ? { retries: 0 } : (options ?? {});
  return {
    retries: o.retries ?? 3,
    baseMs: o.baseMs ?? 200,
    capMs: o.capMs ?? 10_000,
    maxRetryAfterMs: o.maxRetryAfterMs ?? 60_000,
    rateLimited: o.rateLimited ?? 'idempotent',
  };
}

/** Methods that are safe to send twice (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * True when sending the request again cannot do the work twice: an idempotent method, an
 * `Idempotency-Key` header, or the caller said so.
 */
export function isIdempotent(method: string, headers: Headers, declared: boolean | undefined): boolean {
  if (declared !== undefined) return declared;
  return IDEMPOTENT_METHODS.has(method.toUpperCase()) || headers.has('idempotency-key');
}

/** True for answers worth trying again: 408, 429 and 5xx except 501 (Not Implemented) and 505. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * Milliseconds to wait from a `Retry-After` header (seconds or an HTTP date), or undefined when
 * absent or unreadable. Negative waits become 0.
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The delay before attempt `attempt + 1`: the API's `Retry-After` when given, else full jitter. */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfterMs: number | undefined, random: () => number): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  return fullJitterBackoff({ baseMs: policy.baseMs, capMs: policy.capMs, random })(attempt);
}
