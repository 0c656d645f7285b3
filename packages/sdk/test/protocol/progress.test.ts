/**
 * Progress notices (protocol.md §8 `progress`): the check both sides apply, the coalescing
 * interval and the deadline rule.
 */
import { describe, expect, it } from 'vitest';
import {
  checkProgressNotice,
  extendedDeadline,
  MAX_PROGRESS_MESSAGE_BYTES,
  PROGRESS_INTERVAL_MS,
  progressIntervalMs,
} from '../../src/protocol/index.js';

describe('checkProgressNotice', () => {
  it('keeps message, done and total, and takes nothing at all as a heartbeat', () => {
    expect(checkProgressNotice({ message: 'page 3', done: 3, total: 12 })).toEqual({ notice: { message: 'page 3', done: 3, total: 12 } });
    expect(checkProgressNotice({ done: 0 })).toEqual({ notice: { done: 0 } });
    expect(checkProgressNotice(undefined)).toEqual({ notice: {} });
    expect(checkProgressNotice({})).toEqual({ notice: {} });
    // An estimate may be passed: done over total is not refused.
    expect(checkProgressNotice({ done: 11, total: 10 })).toEqual({ notice: { done: 11, total: 10 } });
  });

  it('takes `c` beside the notice only as it arrives on the wire, and never returns it', () => {
    expect(checkProgressNotice({ c: 'call-1', done: 1 }, true)).toEqual({ notice: { done: 1 } });
    expect(checkProgressNotice({ c: 'call-1', done: 1 })).toEqual({ problem: expect.stringContaining('"c"') });
    expect(checkProgressNotice(undefined, true)).toEqual({ problem: expect.stringContaining('must be an object') });
  });

  it('says what is wrong with a bad notice, without quoting the message', () => {
    expect(checkProgressNotice('half')).toEqual({
      problem: 'a progress notice must be an object such as {"done": 3, "total": 10}, got string',
    });
    expect(checkProgressNotice({ percent: 50 })).toEqual({
      problem: 'a progress notice has "message", "done" and "total" only, got "percent"',
    });
    expect(checkProgressNotice({ message: 42 })).toEqual({ problem: '"message" must be a string, got number' });
    expect(checkProgressNotice({ done: -1 })).toEqual({ problem: '"done" must be a finite number ≥ 0, got -1' });
    expect(checkProgressNotice({ total: Number.POSITIVE_INFINITY })).toEqual({
      problem: '"total" must be a finite number ≥ 0, got Infinity',
    });
    expect(checkProgressNotice({ done: '3' })).toEqual({ problem: '"done" must be a finite number ≥ 0, got string' });
    const long = 'é'.repeat(MAX_PROGRESS_MESSAGE_BYTES / 2 + 1);
    const checked = checkProgressNotice({ message: long });
    expect(checked).toEqual({ problem: `"message" is 1026 bytes, over the limit of 1024: report a shorter message` });
    expect(JSON.stringify(checked)).not.toContain('é');
    expect(checkProgressNotice({ message: 'é'.repeat(MAX_PROGRESS_MESSAGE_BYTES / 2) })).toHaveProperty('notice');
  });
});

describe('progressIntervalMs', () => {
  it('is 250 ms, a third of a shorter timeout, and never under 20 ms', () => {
    expect(progressIntervalMs(undefined)).toBe(PROGRESS_INTERVAL_MS);
    expect(progressIntervalMs(60_000)).toBe(250);
    expect(progressIntervalMs(600)).toBe(200);
    expect(progressIntervalMs(30)).toBe(20);
  });
});

describe('extendedDeadline', () => {
  it('moves the deadline to now + the timeout, never past the limit', () => {
    expect(extendedDeadline(1_000, 500, 10_000)).toBe(1_500);
    expect(extendedDeadline(9_800, 500, 10_000)).toBe(10_000);
  });
});
