/**
 * A clock for connector tests: the harness's `clock` option. Token expiry, `Retry-After` and
 * backoff all read it, so a test can let an hour pass in a line and a `Retry-After: 30` costs
 * no real time, without `vi.useFakeTimers` (which would also stop the sockets of a fake API).
 *
 * Two kinds of timer meet here. Waits (`Retry-After`, backoff) end at once and move the clock
 * forward by their length; every wait is recorded in {@link TestClock.waits}. Timers that guard a
 * deadline (an attempt's `timeoutMs`) fire only when the test moves time with
 * {@link TestClock.advance}: a wait of one request never times out another that is still talking
 * to a real server.
 */
import type { Timers } from '../transport/timers.js';

/** Options of {@link createTestClock}. */
export interface TestClockOptions {
  /** The time the clock starts at. @default the real time when the clock is made */
  now?: number | Date;
}

/** The harness's clock (see the module comment for what moves it). */
export interface TestClock extends Timers {
  /** The clock's time, epoch ms. */
  now(): number;
  /**
   * Moves the clock forward by `ms`, firing each timer that comes due in order and letting the
   * promises it settles run before the next: e.g. to make tokens expire or a deadline pass.
   */
  advance(ms: number): Promise<void>;
  /** Every wait the connector took (ms, in order): the `Retry-After` or backoff delays. */
  readonly waits: readonly number[];
  /** Ends a wait at once: the clock moves forward by `ms` and the wait is recorded. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

interface Scheduled {
  at: number;
  fn: () => void;
  every?: number;
}

/** Lets promise callbacks and I/O callbacks that are already due run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Creates a {@link TestClock}. */
export function createTestClock(options: TestClockOptions = {}): TestClock {
  const start = options.now ?? Date.now();
  let now = start instanceof Date ? start.getTime() : start;
  const timers = new Map<number, Scheduled>();
  const waits: number[] = [];
  let nextHandle = 0;
  const add = (entry: Scheduled): number => {
    timers.set(++nextHandle, entry);
    return nextHandle;
  };

  const nextDue = (end: number): [number, Scheduled] | undefined => {
    let due: [number, Scheduled] | undefined;
    for (const entry of timers) if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry;
    return due;
  };

  return {
    setTimeout: (fn, ms) => add({ at: now + Math.max(0, ms), fn }),
    clearTimeout: (handle) => void timers.delete(handle as number),
    setInterval: (fn, ms) => add({ at: now + Math.max(1, ms), fn, every: Math.max(1, ms) }),
    clearInterval: (handle) => void timers.delete(handle as number),
    now: () => now,
    waits,
    async sleep(ms, signal) {
      if (signal?.aborted) return;
      const wait = Math.max(0, ms);
      waits.push(wait);
      // Time moves; deadlines of other requests do not fire (see the module comment).
      now += wait;
      // Still asynchronous, as a real wait is: whoever awaits it resumes after the current tick.
      await settle();
    },
    async advance(ms) {
      const end = now + Math.max(0, ms);
      for (let due = nextDue(end); due !== undefined; due = nextDue(end)) {
        const [handle, entry] = due;
        now = Math.max(now, entry.at);
        if (entry.every === undefined) timers.delete(handle);
        else entry.at += entry.every;
        entry.fn();
        await settle();
      }
      now = Math.max(now, end);
      await settle();
    },
  };
}
