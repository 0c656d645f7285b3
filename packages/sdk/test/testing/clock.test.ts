/**
 * The harness clock: waits end at once and move time; deadlines fire only when the test
 * advances; timers fire in order, letting the promises they settle run in between.
 */
import { describe, expect, it } from 'vitest';
import { createTestClock } from '../../src/testing/index.js';
import { sleep } from '../../src/transport/timers.js';

describe('createTestClock', () => {
  it('starts at the given time', () => {
    expect(createTestClock({ now: 1_000 }).now()).toBe(1_000);
    expect(createTestClock({ now: new Date('2026-01-01T00:00:00Z') }).now()).toBe(Date.parse('2026-01-01T00:00:00Z'));
    const before = Date.now();
    expect(createTestClock().now()).toBeGreaterThanOrEqual(before);
  });

  it('ends a wait at once, moves the time by it and records it', async () => {
    const clock = createTestClock({ now: 0 });
    await sleep(clock, 30_000);
    await sleep(clock, 1_500);
    expect(clock.now()).toBe(31_500);
    expect(clock.waits).toEqual([30_000, 1_500]);
  });

  it('does not wait, nor record, once the signal aborted', async () => {
    const clock = createTestClock({ now: 0 });
    await sleep(clock, 10, AbortSignal.abort());
    expect(clock.waits).toEqual([]);
    expect(clock.now()).toBe(0);
  });

  it('fires a deadline only when the test advances past it, not when a wait moves the time', async () => {
    const clock = createTestClock({ now: 0 });
    let fired = 0;
    clock.setTimeout(() => (fired += 1), 1_000);
    await clock.sleep(5_000);
    expect(fired).toBe(0);
    await clock.advance(0);
    expect(fired).toBe(1);
    const handle = clock.setTimeout(() => (fired += 1), 10);
    clock.clearTimeout(handle);
    await clock.advance(100);
    expect(fired).toBe(1);
  });

  it('fires due timers in order and lets what they settle run before the next', async () => {
    const clock = createTestClock({ now: 0 });
    const seen: string[] = [];
    const later = new Promise<void>((resolve) => clock.setTimeout(resolve, 200));
    void later.then(() => seen.push(`resolved at ${clock.now()}`));
    clock.setTimeout(() => seen.push(`timer at ${clock.now()}`), 100);
    clock.setTimeout(() => seen.push(`timer at ${clock.now()}`), 300);
    const tick = clock.setInterval(() => seen.push(`interval at ${clock.now()}`), 250);
    await clock.advance(500);
    clock.clearInterval(tick);
    expect(seen).toEqual(['timer at 100', 'resolved at 200', 'interval at 250', 'timer at 300', 'interval at 500']);
    expect(clock.now()).toBe(500);
  });
});
