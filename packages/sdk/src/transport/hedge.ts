/**
 * Hedged tries of one idempotent request: when a try has not answered after `everyMs`, another
 * one starts beside it (the first keeps going); the first answer wins and the others are
 * aborted. A request sent on a path that died (a middlebox lost its state, a black hole) never
 * answers, however long it waits; its hedge goes out on a fresh connection, which works as soon
 * as the network does. Waiting for the first try too means a workspace that is merely slow is
 * never abandoned.
 */

/** Options of {@link hedged}. */
export interface HedgeOptions {
  /** Time without an answer after which another try starts, in ms; 0 sends only one. */
  everyMs: number;
  /** Most tries in all, the first included. @default 4 */
  maxTries?: number;
  /** Aborts every try (the request's time-out, shutdown). */
  signal: AbortSignal;
}

/**
 * Runs `run(signal)` and hedges it (see the module comment). Rejects once every try started so
 * far has failed (a refused connection fails at once: no point waiting for a hedge), with the
 * error of the last one to fail.
 */
export function hedged<T>(run: (signal: AbortSignal) => Promise<T>, options: HedgeOptions): Promise<T> {
  const maxTries = options.everyMs > 0 ? (options.maxTries ?? 4) : 1;
  return new Promise<T>((resolve, reject) => {
    const tries: AbortController[] = [];
    let failed = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      if (timer !== undefined) clearTimeout(timer);
    };
    const start = (): void => {
      const controller = new AbortController();
      tries.push(controller);
      run(AbortSignal.any([options.signal, controller.signal])).then(
        (value) => {
          if (done) return;
          finish();
          for (const other of tries) if (other !== controller) other.abort();
          resolve(value);
        },
        (error: unknown) => {
          failed += 1;
          if (done || failed < tries.length) return;
          finish();
          reject(error);
        },
      );
      if (tries.length < maxTries && !options.signal.aborted) {
        timer = setTimeout(() => !done && start(), options.everyMs);
        timer.unref();
      }
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    start();
  });
}
