/**
 * Coalesces one call's progress reports into `connector.progress` notices (protocol.md §8
 * `progress`), so a handler that reports in a tight loop cannot flood the socket: the first
 * report goes at once, later ones at most once per interval, each carrying the reports made
 * meanwhile merged (the latest value of each member wins).
 */
import type { ProgressNotice } from '../protocol/progress.js';
import type { Timers } from '../transport/timers.js';

/** Options of {@link ProgressReporter}. */
export interface ProgressReporterOptions {
  /** Puts one notice on the wire. */
  send: (notice: ProgressNotice) => void;
  /** The clock of the interval. */
  timers: Timers;
  /** Shortest time between two notices, in ms (see `progressIntervalMs`). */
  intervalMs: number;
}

/** The notices of one call in flight. */
export class ProgressReporter {
  readonly #o: ProgressReporterOptions;
  #lastSent = Number.NEGATIVE_INFINITY;
  #pending: ProgressNotice | undefined;
  #timer: unknown;
  #closed = false;

  constructor(options: ProgressReporterOptions) {
    this.#o = options;
  }

  /** Sends `notice` now, or keeps it (merged into what waits) for the end of the interval. */
  report(notice: ProgressNotice): void {
    if (this.#closed) return;
    const merged = this.#pending === undefined ? notice : { ...this.#pending, ...notice };
    const wait = this.#lastSent + this.#o.intervalMs - this.#o.timers.now();
    if (wait <= 0 && this.#timer === undefined) {
      this.#send(merged);
      return;
    }
    this.#pending = merged;
    this.#timer ??= this.#o.timers.setTimeout(
      () => {
        this.#timer = undefined;
        const pending = this.#pending;
        if (pending !== undefined && !this.#closed) this.#send(pending);
      },
      Math.max(wait, 0),
    );
  }

  /** The call ended: what still waits is dropped (the answer says more than it would). */
  close(): void {
    this.#closed = true;
    this.#pending = undefined;
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #send(notice: ProgressNotice): void {
    this.#pending = undefined;
    this.#lastSent = this.#o.timers.now();
    this.#o.send(notice);
  }
}
