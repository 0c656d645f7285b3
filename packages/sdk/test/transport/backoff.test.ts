import { describe, expect, it } from 'vitest';
import { fullJitterBackoff } from '../../src/internal/index.js';

describe('fullJitterBackoff', () => {
  it('keeps every delay in [0, min(cap, base·2ⁿ)]', () => {
    const delay = fullJitterBackoff({ baseMs: 100, capMs: 5_000 });
    for (let attempt = 0; attempt < 60; attempt += 1) {
      const ceiling = Math.min(5_000, 100 * 2 ** attempt);
      for (let i = 0; i < 200; i += 1) {
        const d = delay(attempt);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('gives 0 when the random source gives 0', () => {
    const delay = fullJitterBackoff({ baseMs: 100, capMs: 5_000, random: () => 0 });
    expect([0, 1, 5, 100].map(delay)).toEqual([0, 0, 0, 0]);
  });

  it('reaches the ceiling, doubling up to the cap, when the random source gives almost 1', () => {
    const delay = fullJitterBackoff({ baseMs: 100, capMs: 5_000, random: () => 1 - Number.EPSILON });
    expect([0, 1, 2, 3, 4, 5, 6, 7, 1_000, 1_000_000].map(delay)).toEqual([100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000, 5_000]);
  });

  it('defaults to a base ≤ 1 s and a cap ≤ 30 s (reliability.md item 1)', () => {
    const delay = fullJitterBackoff({ random: () => 1 - Number.EPSILON });
    expect(delay(0)).toBeLessThanOrEqual(1_000);
    expect(delay(100)).toBeLessThanOrEqual(30_000);
    expect(delay(100)).toBeGreaterThan(delay(0));
  });

  it('treats a negative attempt like the first', () => {
    const delay = fullJitterBackoff({ baseMs: 100, random: () => 1 - Number.EPSILON });
    expect(delay(-3)).toBe(100);
  });
});
