/**
 * Which driver serves calls, across config changes. `connector.set-config` runs `stop` then
 * `start` (protocol.md §4); calls in flight keep the driver they started with, and that
 * driver closes only when the last of them has finished. Calls that arrive while the next
 * config is starting wait for it instead of failing.
 */
import { ConnectorError } from '@connector-kit/sdk';
import type { Driver } from './driver.js';
import { toConnectorError } from './errors.js';

interface Entry {
  driver: Driver;
  leases: number;
  retired: boolean;
  closed?: Promise<void>;
}

/** Options of {@link DriverHolder}. */
export interface DriverHolderOptions {
  /** How long a call waits for a config to be started, in ms. @default 60000 */
  waitMs?: number;
  /** Called when closing a retired driver fails. @default ignore */
  onCloseError?: (error: unknown) => void;
}

/** Holds the current driver and drains retired ones. */
export class DriverHolder {
  #current: Entry | undefined;
  #failure: ConnectorError | undefined;
  #wake: Array<() => void> = [];
  readonly #draining = new Set<Entry>();
  readonly #options: DriverHolderOptions;

  constructor(options: DriverHolderOptions = {}) {
    this.#options = options;
  }

  /** Retired drivers still serving calls that started before the config changed. */
  get draining(): number {
    return this.#draining.size;
  }

  /** Makes `driver` serve new calls and wakes the calls waiting for it. */
  install(driver: Driver): void {
    this.#current = { driver, leases: 0, retired: false };
    this.#failure = undefined;
    this.#wakeAll();
  }

  /** The new config is unusable: calls fail with `error` until the next {@link install}. */
  fail(error: ConnectorError): void {
    this.#current = undefined;
    this.#failure = error;
    this.#wakeAll();
  }

  /**
   * Takes the current driver out of service. It closes once its calls have finished; when it
   * has none, the returned promise waits for the close (so shutdown ends with no open pool).
   */
  async retire(): Promise<void> {
    const entry = this.#current;
    this.#current = undefined;
    this.#failure = undefined;
    if (entry === undefined) return;
    entry.retired = true;
    this.#draining.add(entry);
    if (entry.leases === 0) await this.#close(entry);
  }

  /**
   * Runs `work` with the driver of the current config, keeping that driver open until `work`
   * settles. Database errors come out as `ConnectorError`s (errors.ts). `signal` is the call's
   * `ctx.signal`: once it aborted, the call fails with its reason (the `TIMEOUT` or `CANCELLED`
   * the caller was answered), not with the error of the statement it cancelled.
   * @throws ConnectorError `NOT_CONFIGURED` when no config starts within `waitMs`; the start failure when the config is invalid
   */
  async use<T>(work: (driver: Driver) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const entry = this.#current === undefined ? await this.#acquire(signal) : this.#lease(this.#current);
    try {
      signal?.throwIfAborted();
      return await work(entry.driver);
    } catch (error) {
      throw toConnectorError(signal?.aborted ? signal.reason : error, entry.driver.site);
    } finally {
      entry.leases -= 1;
      if (entry.retired && entry.leases === 0) void this.#close(entry);
    }
  }

  async #acquire(signal: AbortSignal | undefined): Promise<Entry> {
    const deadline = Date.now() + (this.#options.waitMs ?? 60_000);
    for (;;) {
      signal?.throwIfAborted();
      if (this.#failure !== undefined) throw this.#failure;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new ConnectorError(
          'NOT_CONFIGURED',
          "no database is configured yet: set the connector's config in the workspace (type, host, database, user, password)",
          {
            retryable: true,
          },
        );
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, left);
        signal?.addEventListener('abort', done, { once: true });
        this.#wake.push(done);
      });
      if (this.#current !== undefined) return this.#lease(this.#current);
    }
  }

  /** Leases are taken in the same tick as the lookup: a retire() in between would close the driver under the call. */
  #lease(entry: Entry): Entry {
    entry.leases += 1;
    return entry;
  }

  #wakeAll(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const fn of wake) fn();
  }

  #close(entry: Entry): Promise<void> {
    entry.closed ??= entry.driver
      .close()
      .catch((error: unknown) => this.#options.onCloseError?.(error))
      .finally(() => this.#draining.delete(entry));
    return entry.closed;
  }
}
