/**
 * Liveness of the transport's socket (protocol.md §3 "Liveness", reliability.md item 3), one
 * rule for both sides: ping every interval, and count the peer as gone once nothing at all has
 * been *received* from it (a pong, a ping, a frame) for interval + tolerance.
 *
 * What a side sends never counts. A write "succeeds" as soon as the local kernel takes the
 * bytes, which it keeps doing for a frozen peer (its kernel still acknowledges) and for a proxy
 * that stopped reading, until megabytes of buffers are full; health checks and calls sent by
 * this side are writes too. Only the peer's own traffic proves it runs.
 *
 * No I/O here: the caller hands in its clock and what a ping and a verdict do.
 */

/** Time between pings, in ms (both sides). */
export const HEARTBEAT_INTERVAL_MS = 10_000;

/** Silence allowed on top of one interval before the peer counts as gone, in ms: 10 s + 15 s. */
export const HEARTBEAT_TOLERANCE_MS = 15_000;

/** The default tolerance for an interval: 1.5 intervals, so 15 s at the default 10 s. */
export function defaultToleranceMs(intervalMs: number): number {
  return Math.round(intervalMs * 1.5);
}

/** The clock a {@link Liveness} runs on; the SDK's `Timers` and the workspace's clock both fit. */
export interface HeartbeatClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

/** Options of {@link Liveness}. */
export interface LivenessOptions {
  /** Time between pings, in ms. */
  intervalMs: number;
  /** Silence after which the peer is gone, in ms: interval + tolerance. */
  deadAfterMs: number;
  clock: HeartbeatClock;
  /** Sends one ping. */
  ping: () => void;
  /** The peer has been silent for `silentMs` (≥ `deadAfterMs`): drop its socket. Called once. */
  onDead: (silentMs: number) => void;
}

/**
 * Watches one socket. Call {@link heard} for everything received from the peer; the watch pings
 * on its own and calls `onDead` once the silence reaches `deadAfterMs`.
 *
 * One timer per socket, armed for the next ping or the deadline, whichever comes first: a
 * verdict lands `deadAfterMs` after the last sign of life (not up to one interval later, as a
 * check that runs only at ping time would), and {@link heard} costs one assignment per frame.
 *
 * A verdict is confirmed after one more turn of the event loop: when this process itself was
 * stalled (a long synchronous handler, a debugger, SIGSTOP), the timer fires before the frames
 * that arrived meanwhile have been read, and they must count.
 */
export class Liveness {
  readonly #o: LivenessOptions;
  #lastHeard: number;
  #nextPing: number;
  #timer: unknown;
  #confirming = false;
  #stopped = false;

  constructor(options: LivenessOptions) {
    this.#o = options;
    const now = options.clock.now();
    this.#lastHeard = now;
    this.#nextPing = now + options.intervalMs;
    this.#arm(now);
  }

  /** Something arrived from the peer. */
  heard(): void {
    this.#lastHeard = this.#o.clock.now();
  }

  /** How long the peer has been silent, in ms. */
  get silentMs(): number {
    return this.#o.clock.now() - this.#lastHeard;
  }

  /** Stops pinging and watching (the socket closed). Idempotent. */
  stop(): void {
    this.#stopped = true;
    this.#o.clock.clearTimeout(this.#timer);
  }

  #arm(now: number): void {
    const at = Math.min(this.#nextPing, this.#lastHeard + this.#o.deadAfterMs);
    this.#timer = this.#o.clock.setTimeout(this.#tick, Math.max(0, at - now));
  }

  readonly #tick = (): void => {
    if (this.#stopped) return;
    const now = this.#o.clock.now();
    const silent = now - this.#lastHeard;
    if (silent >= this.#o.deadAfterMs) {
      if (!this.#confirming) {
        // Let frames already waiting in the socket be read first (see the class comment).
        this.#confirming = true;
        this.#timer = this.#o.clock.setTimeout(this.#tick, 0);
        return;
      }
      this.#stopped = true;
      this.#o.onDead(silent);
      return;
    }
    this.#confirming = false;
    if (now >= this.#nextPing) {
      this.#nextPing = now + this.#o.intervalMs;
      this.#o.ping();
      if (this.#stopped) return; // the ping found the socket closed and stopped the watch
    }
    this.#arm(now);
  };
}
