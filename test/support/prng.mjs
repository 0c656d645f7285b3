// @ts-check
/**
 * Seeded pseudo-random numbers, for tests whose random choices must replay: the same seed gives
 * the same sequence. JavaScript, so that the connector fixtures Node runs directly (test/fixtures)
 * share it with the TypeScript tests; the types are in prng.d.mts.
 */

/**
 * Returns a generator of numbers in [0, 1), the same sequence for the same seed. The algorithm is
 * mulberry32 (32 bits of state): uniform enough to pick delays and orders, not for secrets.
 * @param {number} seed an integer; only its low 32 bits count
 * @returns {() => number}
 */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed of a run: the integer in `process.env[variable]` to replay an earlier run, else a fresh
 * one (print it, so a failure can be replayed).
 * @param {string} variable e.g. 'CHAOS_SEED'
 * @returns {number} an integer in [0, 2^32)
 * @throws {Error} when the variable is set to something other than such an integer
 */
export function seedFrom(variable) {
  const text = process.env[variable];
  if (text === undefined || text === '') return Math.floor(Math.random() * 2 ** 32);
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new Error(`${variable}=${text} is not a seed: use the integer a run printed (0 to 4294967295)`);
  }
  return seed;
}
