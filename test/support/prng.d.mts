/** Types of prng.mjs (seeded pseudo-random numbers for tests that must replay their random choices). */

/** A generator of numbers in [0, 1), the same sequence for the same seed (only its low 32 bits count). */
export function seededRandom(seed: number): () => number;

/**
 * The seed of a run: the integer in `process.env[variable]`, else a fresh one.
 * @throws Error when the variable holds anything but an integer in [0, 2^32)
 */
export function seedFrom(variable: string): number;
