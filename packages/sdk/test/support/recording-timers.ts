/**
 * Manual timers that also record every delay asked for, so a test can check a wait (e.g. the
 * `Retry-After` of an answer) without sleeping.
 */
import { manualTimers, type ManualTimers } from './timers.js';

export interface RecordingTimers extends ManualTimers {
  /** Every `setTimeout` delay, in order. */
  readonly delays: number[];
}

export function recordingTimers(): RecordingTimers {
  const inner = manualTimers();
  const delays: number[] = [];
  return Object.assign(Object.create(inner) as ManualTimers, {
    delays,
    setTimeout: (fn: () => void, ms: number) => {
      delays.push(ms);
      return inner.setTimeout(fn, ms);
    },
  }) as RecordingTimers;
}
