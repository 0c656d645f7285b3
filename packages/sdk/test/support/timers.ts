/**
 * A manual clock implementing the SDK's `Timers`: nothing fires until the test calls `advance`.
 */
import type { Timers } from '../../src/transport/timers.js';

interface Scheduled {
  at: number;
  fn: () => void;
  every?: number;
}

export interface ManualTimers extends Timers {
  /** Moves the clock forward, firing every timer that comes due, in order. */
  advance(ms: number): void;
  /** Timers still scheduled. */
  readonly scheduled: number;
}

export function manualTimers(): ManualTimers {
  let now = 0;
  const timers = new Map<number, Scheduled>();
  let nextHandle = 0;
  const add = (entry: Scheduled): number => {
    timers.set(++nextHandle, entry);
    return nextHandle;
  };
  return {
    setTimeout: (fn, ms) => add({ at: now + ms, fn }),
    clearTimeout: (handle) => void timers.delete(handle as number),
    setInterval: (fn, ms) => add({ at: now + ms, fn, every: ms }),
    clearInterval: (handle) => void timers.delete(handle as number),
    now: () => now,
    get scheduled() {
      return timers.size;
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        let due: [number, Scheduled] | undefined;
        for (const entry of timers) if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry;
        if (due === undefined) break;
        const [handle, entry] = due;
        now = entry.at;
        if (entry.every === undefined) timers.delete(handle);
        else entry.at += entry.every;
        entry.fn();
      }
      now = end;
    },
  };
}
