/**
 * Progress notices of a call in flight (protocol.md §8 `progress`): their shape, their limits
 * and the rule by which they extend the call's deadline. Both sides check notices with
 * {@link checkProgressNotice}, so the connector refuses what the workspace would refuse.
 */
import { isRecord } from './json.js';

/** What a handler reports of a call in flight (`ctx.progress`). Every member is optional. */
export interface ProgressNotice {
  /** What the call is doing now, e.g. `"page 3 of 12"`; at most {@link MAX_PROGRESS_MESSAGE_BYTES} bytes of UTF-8. */
  message?: string;
  /** Units of work done so far: a finite number ≥ 0. */
  done?: number;
  /** Units of work in all, when known: a finite number ≥ 0 (`done` may pass it: an estimate may be wrong). */
  total?: number;
}

/** Longest `message` of a notice, in bytes of UTF-8. */
export const MAX_PROGRESS_MESSAGE_BYTES = 1024;

/**
 * Shortest time between two notices of one call on the wire, in ms: the connector keeps the
 * latest of the notices reported meanwhile and sends it when the interval ends (a tight loop
 * sends at most 4 notices a second per call). Shorter for a call whose timeout is short, see
 * {@link progressIntervalMs}.
 */
export const PROGRESS_INTERVAL_MS = 250;

/** The coalescing interval never goes below this, whatever the call's timeout. */
export const MIN_PROGRESS_INTERVAL_MS = 20;

/**
 * The coalescing interval for a call with `timeoutMs` (undefined: no deadline known): a third of
 * the timeout when that is shorter than {@link PROGRESS_INTERVAL_MS}, so the notices of a handler
 * that reports often always reach the workspace before its extended deadline passes.
 */
export function progressIntervalMs(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined) return PROGRESS_INTERVAL_MS;
  return Math.max(MIN_PROGRESS_INTERVAL_MS, Math.min(PROGRESS_INTERVAL_MS, Math.floor(timeoutMs / 3)));
}

/**
 * The deadline rule of §8 `progress` (a heartbeat, as in job queues): each notice the workspace
 * receives moves the call's deadline to `now + timeoutMs`, never past `limit` (the call's start
 * plus its longest total time). Both sides apply it: the workspace to its request table, the
 * connector (with `deadlines`) to the timer that aborts `ctx.signal`.
 */
export function extendedDeadline(now: number, timeoutMs: number, limit: number): number {
  return Math.min(now + timeoutMs, limit);
}

const NOTICE_MEMBERS = new Set(['message', 'done', 'total']);

/**
 * Checks a notice as a handler gives it (`wire` false) or as it arrives in `connector.progress`
 * (`wire` true: `c` is allowed beside it) and returns it with only its known members, or the
 * problem in words (which never quotes `message`: it may hold anything).
 */
export function checkProgressNotice(value: unknown, wire = false): { notice: ProgressNotice } | { problem: string } {
  if (value === undefined && !wire) return { notice: {} };
  if (!isRecord(value)) return { problem: `a progress notice must be an object such as {"done": 3, "total": 10}, got ${typeOf(value)}` };
  const notice: ProgressNotice = {};
  for (const key of Object.keys(value)) {
    if (wire && key === 'c') continue;
    if (!NOTICE_MEMBERS.has(key)) {
      return { problem: `a progress notice has "message", "done" and "total" only, got ${JSON.stringify(key.slice(0, 64))}` };
    }
  }
  const { message, done, total } = value;
  if (message !== undefined) {
    if (typeof message !== 'string') return { problem: `"message" must be a string, got ${typeOf(message)}` };
    const bytes = Buffer.byteLength(message, 'utf8');
    if (bytes > MAX_PROGRESS_MESSAGE_BYTES) {
      return { problem: `"message" is ${bytes} bytes, over the limit of ${MAX_PROGRESS_MESSAGE_BYTES}: report a shorter message` };
    }
    notice.message = message;
  }
  for (const [name, count] of [
    ['done', done],
    ['total', total],
  ] as const) {
    if (count === undefined) continue;
    if (typeof count !== 'number' || !Number.isFinite(count) || count < 0) {
      return { problem: `"${name}" must be a finite number ≥ 0, got ${typeof count === 'number' ? String(count) : typeOf(count)}` };
    }
    notice[name] = count;
  }
  return { notice };
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
