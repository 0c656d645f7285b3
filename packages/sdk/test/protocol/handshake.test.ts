import { describe, expect, it } from 'vitest';
import { negotiateFeatures } from '../../src/protocol/index.js';

describe('negotiateFeatures', () => {
  it('keeps the features both sides listed, in our order', () => {
    expect(negotiateFeatures(['a', 'b', 'c'], ['c', 'a', 'z'])).toEqual(['a', 'c']);
  });

  it('uses nothing when the peer announced nothing usable (plain v1)', () => {
    expect(negotiateFeatures(['a'], undefined)).toEqual([]);
    expect(negotiateFeatures(['a'], 'a')).toEqual([]);
    expect(negotiateFeatures(['a'], [1, null, { a: 1 }])).toEqual([]);
  });
});
