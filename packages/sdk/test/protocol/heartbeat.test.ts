/**
 * The liveness rule both sides follow (protocol/heartbeat.ts), on a manual clock: pings every
 * interval, a verdict once nothing has been received for interval + tolerance, never earlier.
 */
import { describe, expect, it } from 'vitest';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TOLERANCE_MS, Liveness, defaultToleranceMs } from '../../src/protocol/index.js';
import { manualTimers } from '../support/timers.js';

function watch(intervalMs = 10_000, deadAfterMs = 25_000) {
  const clock = manualTimers();
  const pings: number[] = [];
  const verdicts: Array<{ at: number; silent: number }> = [];
  const liveness = new Liveness({
    intervalMs,
    deadAfterMs,
    clock,
    ping: () => pings.push(clock.now()),
    onDead: (silent) => verdicts.push({ at: clock.now(), silent }),
  });
  return { clock, pings, verdicts, liveness };
}

describe('Liveness', () => {
  it('defaults to 10 s pings and 15 s of tolerance (25 s of silence), and derives the tolerance from a custom interval', () => {
    expect([HEARTBEAT_INTERVAL_MS, HEARTBEAT_TOLERANCE_MS]).toEqual([10_000, 15_000]);
    expect(defaultToleranceMs(HEARTBEAT_INTERVAL_MS)).toBe(HEARTBEAT_TOLERANCE_MS);
    expect(defaultToleranceMs(200)).toBe(300);
  });

  it('pings a silent peer every interval and gives it up exactly when the silence reaches interval + tolerance', () => {
    const { clock, pings, verdicts } = watch();
    clock.advance(24_999);
    expect(pings).toEqual([10_000, 20_000]);
    expect(verdicts).toEqual([]);
    clock.advance(1);
    expect(verdicts).toEqual([{ at: 25_000, silent: 25_000 }]);
    // Once given up, nothing more happens.
    clock.advance(100_000);
    expect(pings).toHaveLength(2);
    expect(verdicts).toHaveLength(1);
    expect(clock.scheduled).toBe(0);
  });

  it('keeps a peer that answers, and counts the silence from the last thing it heard', () => {
    const { clock, verdicts, liveness } = watch();
    for (let i = 0; i < 100; i++) {
      clock.advance(10_000);
      clock.advance(5); // the pong arrives 5 ms after the ping
      liveness.heard();
    }
    expect(verdicts).toEqual([]);
    const last = clock.now();
    clock.advance(30_000);
    expect(verdicts).toEqual([{ at: last + 25_000, silent: 25_000 }]);
  });

  it('confirms a verdict after one more turn, so what arrived while this process stalled still counts', () => {
    const { clock, verdicts, liveness } = watch(10_000, 25_000);
    // The deadline timer comes due; before its confirmation runs, a frame that waited in the
    // socket is read (as after a long synchronous handler): the peer is alive.
    const realSetTimeout = clock.setTimeout;
    let confirmations = 0;
    clock.setTimeout = (fn, ms) => {
      if (ms === 0) {
        confirmations += 1;
        liveness.heard();
      }
      return realSetTimeout(fn, ms);
    };
    clock.advance(25_000);
    expect(confirmations).toBe(1);
    expect(verdicts).toEqual([]);
    clock.setTimeout = realSetTimeout;
    clock.advance(25_000);
    expect(verdicts).toEqual([{ at: 50_000, silent: 25_000 }]);
  });

  it('stops pinging and judging once stopped', () => {
    const { clock, pings, verdicts, liveness } = watch();
    clock.advance(10_000);
    liveness.stop();
    liveness.stop();
    clock.advance(100_000);
    expect(pings).toEqual([10_000]);
    expect(verdicts).toEqual([]);
    expect(clock.scheduled).toBe(0);
  });
});
