/**
 * Requests the connector sent and awaits answers for (§3: request/answer by callback id;
 * callbacks without an answer time out, 5 minutes in v1).
 */
import { ConnectorError, RemoteError } from '../errors.js';
import { AnswerFallbackCode, errorFromAnswer } from '../protocol/index.js';
import type { Timers } from './timers.js';

interface Entry {
  resolve: (a: unknown) => void;
  reject: (error: Error) => void;
  timer: unknown;
  method: string;
}

/** The request table. Every entry leaves it: answered, timed out, or failed on disconnect. */
export class PendingRequests {
  readonly #entries = new Map<string, Entry>();
  readonly #timers: Timers;

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  /** Number of requests waiting for an answer. */
  get size(): number {
    return this.#entries.size;
  }

  /** Whether `c` still waits for its answer (not settled, failed or timed out). */
  has(c: string): boolean {
    return this.#entries.has(c);
  }

  /** Registers callback id `c`; the promise settles on its answer, its time-out, or {@link failAll}. */
  add(c: string, method: string, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = this.#timers.setTimeout(() => {
        if (this.#entries.delete(c)) {
          reject(new ConnectorError('TIMEOUT', `no answer to ${method} within ${timeoutMs} ms`, { retryable: true }));
        }
      }, timeoutMs);
      this.#entries.set(c, { resolve, reject, timer, method });
    });
  }

  /**
   * Settles the request an answer belongs to with the answer's `a`, which may be any JSON value
   * (§3); a missing or null `a` resolves to `{}`. An error answer (errorFromAnswer: `a.error`, or
   * the packet's `e`) rejects with a RemoteError, `WORKSPACE_ERROR` when it carries no code.
   * Returns false for an unknown (late or foreign) callback id.
   */
  settle(c: string, a: unknown, e?: string): boolean {
    const entry = this.#entries.get(c);
    if (entry === undefined) return false;
    this.#entries.delete(c);
    this.#timers.clearTimeout(entry.timer);
    const error = errorFromAnswer(
      { a, e },
      AnswerFallbackCode.workspace,
      ({ code, message, details, retryable }) => new RemoteError(code, `${entry.method} failed: ${message}`, { details, retryable }),
    );
    if (error === undefined) entry.resolve(a ?? {});
    else entry.reject(error);
    return true;
  }

  /** Fails one request with a local error (e.g. it could not be queued). Returns false for an unknown callback id. */
  fail(c: string, error: Error): boolean {
    const entry = this.#entries.get(c);
    if (entry === undefined) return false;
    this.#entries.delete(c);
    this.#timers.clearTimeout(entry.timer);
    entry.reject(error);
    return true;
  }

  /** Fails every waiting request, e.g. with `CONNECTION_LOST` when the socket drops. */
  failAll(error: (method: string) => Error): void {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const entry of entries) {
      this.#timers.clearTimeout(entry.timer);
      entry.reject(error(entry.method));
    }
  }
}
