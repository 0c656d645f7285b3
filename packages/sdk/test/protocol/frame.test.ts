import { describe, expect, it } from 'vitest';
import { MAX_FRAME_CHARS, MAX_PACKETS_PER_FRAME, frameIsFull } from '../../src/protocol/index.js';
import { Outbox } from '../../src/transport/outbox.js';

describe('frameIsFull (§3 batching, one rule for both sides)', () => {
  it('never calls an empty frame full, so an oversized packet travels alone', () => {
    expect(frameIsFull(0, 0, MAX_FRAME_CHARS * 4)).toBe(false);
  });

  it('counts the commas between packets', () => {
    // Two packets of 10 characters take 21 with their comma.
    expect(frameIsFull(1, 10, 10, 256, 21)).toBe(false);
    expect(frameIsFull(1, 10, 10, 256, 20)).toBe(true);
  });

  it('is full at the packet limit', () => {
    expect(frameIsFull(MAX_PACKETS_PER_FRAME - 1, 0, 1)).toBe(false);
    expect(frameIsFull(MAX_PACKETS_PER_FRAME, 0, 1)).toBe(true);
  });

  it('makes the outbox write frames whose packet text, commas included, fits the limit', () => {
    const packet = { id: '12345', m: 'x' }; // 22 characters of JSON
    const written = (maxChars: number): string[] => {
      const frames: string[] = [];
      const outbox = new Outbox((f) => frames.push(f), { maxChars });
      for (let i = 0; i < 3; i++) outbox.push(packet);
      outbox.flush();
      return frames;
    };
    // Two packets take 22 + 1 + 22 = 45 characters with their comma.
    expect(written(44)).toHaveLength(3);
    expect(written(45)).toHaveLength(2);
  });
});
