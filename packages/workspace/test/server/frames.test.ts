import { describe, expect, it } from 'vitest';
import { encodeFrame, parseFrame, type Packet } from '@connector-kit/sdk/protocol';
import { MAX_FRAME_CHARS, MAX_PACKETS_PER_FRAME, splitIntoFrames } from '../../src/server/connection.js';

describe('splitIntoFrames', () => {
  it('produces the same text as encodeFrame', () => {
    const packets: Packet[] = [
      { id: '1', c: 'x', m: 'connector.query', a: { query: 'q', variables: { s: 'é"\\n' } } },
      { id: '2', c: 'y', a: {} },
    ];
    expect(splitIntoFrames(packets.map((p) => JSON.stringify(p)))).toEqual([encodeFrame(packets)]);
  });

  it('caps a frame at 256 packets', () => {
    const encoded = Array.from({ length: 600 }, (_, i) => JSON.stringify({ id: String(i), c: 'c' }));
    const frames = splitIntoFrames(encoded).map((f) => parseFrame(f).packets.length);
    expect(frames).toEqual([MAX_PACKETS_PER_FRAME, MAX_PACKETS_PER_FRAME, 600 - 2 * MAX_PACKETS_PER_FRAME]);
  });

  it('caps a frame at about 1 MiB of text, and sends a bigger packet alone', () => {
    const big = JSON.stringify({ id: 'big', c: 'c', a: { s: 'x'.repeat(MAX_FRAME_CHARS) } });
    const quarter = JSON.stringify({ id: 'q', c: 'c', a: { s: 'x'.repeat(MAX_FRAME_CHARS / 4 - 200) } });
    const frames = splitIntoFrames([quarter, quarter, quarter, quarter, quarter, big, quarter]);
    expect(frames.map((f) => parseFrame(f).packets.map((p) => p.id))).toEqual([['q', 'q', 'q', 'q'], ['q'], ['big'], ['q']]);
    for (const frame of frames) if (!frame.includes('"big"')) expect(frame.length).toBeLessThanOrEqual(MAX_FRAME_CHARS + 16);
  });
});
