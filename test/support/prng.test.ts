import { describe, expect, it } from 'vitest';
import { seedFrom, seededRandom } from './prng.mjs';

describe('seededRandom', () => {
  it('gives the same sequence for the same seed and another one for another seed', () => {
    const take = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
  });

  it('stays in [0, 1) and spreads over it', () => {
    const next = seededRandom(7);
    const values = Array.from({ length: 10_000 }, next);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    // Each tenth of the range gets roughly a tenth of the values.
    for (let bucket = 0; bucket < 10; bucket++) {
      const share = values.filter((v) => Math.floor(v * 10) === bucket).length / values.length;
      expect(share).toBeGreaterThan(0.08);
      expect(share).toBeLessThan(0.12);
    }
  });
});

describe('seedFrom', () => {
  it('reads the seed to replay from the variable, and makes a fresh one when it is unset', () => {
    process.env.PRNG_TEST_SEED = '123';
    expect(seedFrom('PRNG_TEST_SEED')).toBe(123);
    delete process.env.PRNG_TEST_SEED;
    const fresh = seedFrom('PRNG_TEST_SEED');
    expect(Number.isInteger(fresh) && fresh >= 0 && fresh < 2 ** 32).toBe(true);
  });

  it('rejects a value that is not a 32-bit unsigned integer, naming the variable', () => {
    for (const bad of ['x', '1.5', '-1', '4294967296']) {
      process.env.PRNG_TEST_SEED = bad;
      expect(() => seedFrom('PRNG_TEST_SEED')).toThrow(`PRNG_TEST_SEED=${bad} is not a seed`);
    }
    delete process.env.PRNG_TEST_SEED;
  });
});
