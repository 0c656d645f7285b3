import { describe, expect, it } from 'vitest';
import { describeDuration } from '../../src/transport/timers.js';

describe('describeDuration', () => {
  it('reads as a person says it, never as "60 s" or "1 min 60 s"', () => {
    expect([0, 350, 999.6, 1000, 4240, 59_940, 59_960, 60_000, 119_700, 125_000, 600_000].map(describeDuration)).toEqual([
      '0 ms',
      '350 ms',
      '1 s',
      '1 s',
      '4.2 s',
      '59.9 s',
      '1 min',
      '1 min',
      '2 min',
      '2 min 5 s',
      '10 min',
    ]);
  });
});
