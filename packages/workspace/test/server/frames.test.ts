import { describe, expect, it, vi } from 'vitest';
import { encodeFrame, parseFrame, type Packet } from '@connector-kit/sdk/protocol';
import { MAX_FRAME_CHARS, MAX_PACKETS_PER_FRAME, splitIntoFrames, startHeartbeat, type HeartbeatTimers } from '../../src/index.js';
import type { Connection } from '../../src/server/connection.js';

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

describe('startHeartbeat', () => {
  function fakeConnection(): Connection & { pings: number; terminated: boolean } {
    const c = {
      missedPings: 0,
      pings: 0,
      terminated: false,
      ping() {
        c.missedPings += 1;
        c.pings += 1;
      },
      terminate() {
        c.terminated = true;
      },
      markAlive() {
        c.missedPings = 0;
      },
    };
    return c as unknown as Connection & { pings: number; terminated: boolean };
  }

  it('terminates after two missed pings and spares a peer that answers', () => {
    let tick: () => void = () => {};
    const timers: HeartbeatTimers = { setInterval: (fn) => ((tick = fn), 1), clearInterval: vi.fn() };
    const silent = fakeConnection();
    const alive = fakeConnection();
    const heartbeat = startHeartbeat({ intervalMs: 10, connections: () => [silent, alive], timers });
    for (let i = 0; i < 5; i++) {
      tick();
      alive.markAlive();
    }
    expect(silent.terminated).toBe(true);
    expect(silent.pings).toBe(2);
    expect(alive.terminated).toBe(false);
    heartbeat.stop();
    expect(timers.clearInterval).toHaveBeenCalledWith(1);
  });
});
