import { describe, expect, it } from 'vitest';
import { shortId } from '../../src/store/sql-store.js';

describe('shortId', () => {
  it('is 15 lowercase base32 characters, never starting with "-" (a command line would read an option)', () => {
    const ids = Array.from({ length: 5000 }, shortId);
    for (const id of ids) expect(id).toMatch(/^[a-z2-7]{15}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every character of the alphabet shows up: the bits are spread over all 32.
    expect(new Set(ids.join('')).size).toBe(32);
  });
});
