/**
 * ProgressReporter: one call's reports coalesced into notices (protocol.md §8 `progress`), on
 * the test clock.
 */
import { describe, expect, it } from 'vitest';
import { ProgressReporter } from '../../src/runtime/progress.js';
import { createTestClock } from '../../src/testing/clock.js';
import type { ProgressNotice } from '../../src/protocol/index.js';

function reporter(intervalMs = 250) {
  const clock = createTestClock({ now: 0 });
  const sent: Array<ProgressNotice & { at: number }> = [];
  const progress = new ProgressReporter({ timers: clock, intervalMs, send: (n) => sent.push({ ...n, at: clock.now() }) });
  return { clock, sent, progress };
}

describe('ProgressReporter', () => {
  it('sends the first report at once', () => {
    const { sent, progress } = reporter();
    progress.report({ done: 1 });
    expect(sent).toEqual([{ done: 1, at: 0 }]);
  });

  it('turns a tight loop of reports into one notice per interval, carrying the latest values merged', async () => {
    const { clock, sent, progress } = reporter();
    progress.report({ message: 'start', total: 1000 });
    for (let done = 1; done <= 1000; done++) progress.report({ done });
    expect(sent).toEqual([{ message: 'start', total: 1000, at: 0 }]);
    await clock.advance(249);
    expect(sent).toHaveLength(1);
    await clock.advance(1);
    // The members reported meanwhile, merged: the last `done` wins, nothing is lost of the others.
    expect(sent).toEqual([
      { message: 'start', total: 1000, at: 0 },
      { done: 1000, at: 250 },
    ]);
    // Nothing waits any more: no timer sends an empty notice.
    await clock.advance(1_000);
    expect(sent).toHaveLength(2);
    // A report long after the last notice goes at once again.
    progress.report({ done: 1001 });
    expect(sent.at(-1)).toEqual({ done: 1001, at: 1_250 });
  });

  it('merges reports that wait: a member left out keeps the value reported before it', async () => {
    const { clock, sent, progress } = reporter(100);
    progress.report({});
    progress.report({ message: 'page 1', done: 1 });
    progress.report({ done: 2 });
    await clock.advance(100);
    expect(sent).toEqual([{ at: 0 }, { message: 'page 1', done: 2, at: 100 }]);
  });

  it('sends nothing more once closed, not even what waited', async () => {
    const { clock, sent, progress } = reporter();
    progress.report({ done: 1 });
    progress.report({ done: 2 });
    progress.close();
    progress.report({ done: 3 });
    await clock.advance(1_000);
    expect(sent).toEqual([{ done: 1, at: 0 }]);
  });
});
