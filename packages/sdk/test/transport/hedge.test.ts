/**
 * Hedged tries (transport/hedge.ts): a try that does not answer gets company, the first answer
 * wins, a fast failure is not waited out, and the caller's signal bounds all of them.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hedged } from '../../src/transport/hedge.js';

/** A try that settles only when told, and records whether it was aborted. */
function pendingTry() {
  let settle!: { resolve: (v: string) => void; reject: (e: Error) => void };
  let aborted = false;
  const run = (signal: AbortSignal): Promise<string> =>
    new Promise((resolve, reject) => {
      settle = { resolve, reject };
      signal.addEventListener('abort', () => {
        aborted = true;
        reject(signal.reason as Error);
      });
    });
  return { run, settle: () => settle, aborted: () => aborted };
}

describe('hedged', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('starts another try beside one that does not answer, takes the first answer and aborts the rest', async () => {
    const tries = [pendingTry(), pendingTry(), pendingTry()];
    let started = 0;
    const result = hedged((signal) => tries[started++]!.run(signal), { everyMs: 200, maxTries: 3, signal: new AbortController().signal });
    expect(started).toBe(1);
    await vi.advanceTimersByTimeAsync(199);
    expect(started).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toBe(2);
    tries[1]!.settle().resolve('second');
    await expect(result).resolves.toBe('second');
    expect(tries[0]!.aborted()).toBe(true);
    expect(tries[1]!.aborted()).toBe(false);
    // No third try once one answered.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(started).toBe(2);
  });

  it('keeps the first try: a slow answer still wins over its hedges', async () => {
    const tries = [pendingTry(), pendingTry(), pendingTry()];
    let started = 0;
    const result = hedged((signal) => tries[started++]!.run(signal), { everyMs: 5, maxTries: 3, signal: new AbortController().signal });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toBe(3); // at most maxTries
    tries[0]!.settle().resolve('first, slowly');
    await expect(result).resolves.toBe('first, slowly');
    expect([tries[1]!.aborted(), tries[2]!.aborted()]).toEqual([true, true]);
  });

  it('fails at once when the only try fails fast, without waiting for a hedge', async () => {
    let started = 0;
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(
      hedged(
        () => {
          started++;
          return Promise.reject(refused);
        },
        { everyMs: 1_000, signal: new AbortController().signal },
      ),
    ).rejects.toBe(refused);
    expect(started).toBe(1);
  });

  it('waits for the tries still running when one fails, and fails with the last error once all have', async () => {
    const tries = [pendingTry(), pendingTry()];
    let started = 0;
    const result = hedged((signal) => tries[started++]!.run(signal), { everyMs: 5, maxTries: 2, signal: new AbortController().signal });
    await vi.advanceTimersByTimeAsync(5);
    expect(started).toBe(2);
    tries[0]!.settle().reject(new Error('reset'));
    tries[1]!.settle().reject(new Error('reset again'));
    await expect(result).rejects.toThrow('reset again');
  });

  it('sends a single try with everyMs 0, and ends every try when the signal aborts', async () => {
    const tries = [pendingTry(), pendingTry()];
    let started = 0;
    const controller = new AbortController();
    const result = hedged((signal) => tries[started++]!.run(signal), { everyMs: 0, signal: controller.signal });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started).toBe(1);
    controller.abort(new Error('time-out'));
    await expect(result).rejects.toThrow('time-out');
    expect(tries[0]!.aborted()).toBe(true);
  });
});
