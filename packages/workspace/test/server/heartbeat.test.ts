/**
 * The workspace's side of §3 liveness (server/heartbeat.ts) on a manual clock. The end-to-end
 * behaviour (a silent socket dropped under traffic, its calls failed at once) is in
 * transport.test.ts and the repository's test/liveness.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import type { HeartbeatClock } from '@connector-kit/sdk/protocol';
import { heartbeatParameters } from '../../src/server/heartbeat.js';
import { watchLiveness } from '../../src/server/heartbeat.js';

/** A clock whose timers fire only when `advance` moves it past them. */
function manualClock(): HeartbeatClock & { advance(ms: number): void; clearTimeout: ReturnType<typeof vi.fn> } {
  let now = 0;
  let next = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock = {
    now: () => now,
    setTimeout: (fn: () => void, ms: number) => (timers.set(++next, { at: now + ms, fn }), next),
    clearTimeout: vi.fn((handle: unknown) => void timers.delete(handle as number)),
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
  };
  return clock;
}

function fakeSocket() {
  return {
    pings: 0,
    dead: [] as number[],
    ping() {
      this.pings += 1;
    },
  };
}

describe('watchLiveness', () => {
  it('gives up a socket that answers two pings with silence, after interval + tolerance, and spares a peer that answers', () => {
    const clock = manualClock();
    const parameters = heartbeatParameters({ intervalMs: 10, toleranceMs: 15 });
    const silent = fakeSocket();
    const alive = fakeSocket();
    const silentWatch = watchLiveness(silent, parameters, clock, (ms) => silent.dead.push(ms));
    const aliveWatch = watchLiveness(alive, parameters, clock, (ms) => alive.dead.push(ms));
    for (let i = 0; i < 5; i++) {
      clock.advance(10);
      aliveWatch.heard();
    }
    expect(silent.dead).toEqual([25]);
    expect(silent.pings).toBe(2);
    expect(alive.dead).toEqual([]);
    expect(alive.pings).toBe(5);
    silentWatch.stop();
    aliveWatch.stop();
    expect(clock.clearTimeout).toHaveBeenCalled();
    clock.advance(1_000);
    expect(alive.pings).toBe(5);
  });
});

describe('heartbeatParameters', () => {
  it('defaults to 10 s + 15 s and derives the tolerance from a custom interval', () => {
    expect(heartbeatParameters()).toEqual({ intervalMs: 10_000, toleranceMs: 15_000 });
    expect(heartbeatParameters({ intervalMs: 100 })).toEqual({ intervalMs: 100, toleranceMs: 150 });
  });

  it('refuses a value that is not a positive number of milliseconds, naming the option', () => {
    expect(() => heartbeatParameters({ intervalMs: 0 })).toThrow(/heartbeatIntervalMs must be a positive number of milliseconds, got 0/);
    expect(() => heartbeatParameters({ toleranceMs: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringContaining('heartbeatToleranceMs') }),
    );
  });
});
