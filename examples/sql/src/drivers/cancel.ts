/**
 * A call's `ctx.signal` (its deadline passed, the workspace cancelled it, the link dropped, the
 * connector is shutting down; protocol.md §8 `deadlines`, `cancellation`) stops its statement in
 * the database, not only the wait for it: the server drivers ask the server to cancel the
 * statement running on the call's connection, from another connection (PostgreSQL
 * `pg_cancel_backend`, MySQL/MariaDB `KILL QUERY`). The call's connection stays checked out until
 * that request has been answered, so a late cancel can never hit the next call's statements; then
 * it is reset as after any call and serves again.
 */
import type { Logger } from '../logger.js';

/** Watches one call's signal while it holds a connection. */
export interface CancelWatch {
  /**
   * Stops watching; resolves once a cancel request that started has been answered (or failed),
   * so the connection can be reset and reused. Never rejects.
   */
  end(): Promise<void>;
}

/**
 * Runs `cancel` once when `signal` aborts before {@link CancelWatch.end}; a failed cancel is
 * logged with `what` (the statement then runs to its end, or to `statementTimeout`).
 */
export function watchCancel(signal: AbortSignal | undefined, cancel: () => Promise<void>, logger: Logger, what: string): CancelWatch {
  if (signal === undefined) return { end: () => Promise.resolve() };
  let request: Promise<void> | undefined;
  const onAbort = (): void => {
    request = cancel().catch((error: unknown) => {
      logger.warn(`could not cancel ${what} in the database after its call was aborted: ${(error as Error).message}`);
    });
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    end: () => {
      signal.removeEventListener('abort', onAbort);
      return request ?? Promise.resolve();
    },
  };
}

/**
 * Waits for `pending` (a connection from the pool) unless `signal` aborts first; then rejects with
 * the signal's reason and hands the connection, once it comes, to `giveBack`.
 */
export function unlessAborted<T>(pending: Promise<T>, signal: AbortSignal | undefined, giveBack: (value: T) => void): Promise<T> {
  if (signal === undefined) return pending;
  if (signal.aborted) {
    pending.then(giveBack, () => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (aborted) giveBack(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
