import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/transport/outbox.js';
import { parseFrame, type Packet } from '../../src/protocol/index.js';

const packet = (n: number, size = 0): Packet => ({ id: `p${n}`, m: 'connector.health.check', a: { pad: 'x'.repeat(size) } });

function recorder() {
  const frames: string[] = [];
  return {
    frames,
    write: (frame: string) => void frames.push(frame),
    ids: () => frames.map((f) => parseFrame(f).packets.map((p) => p.id)),
  };
}

describe('Outbox', () => {
  it('sends the packets pushed in one microtask as one frame', async () => {
    const out = recorder();
    const outbox = new Outbox(out.write);
    outbox.push(packet(1));
    outbox.push(packet(2));
    outbox.push(packet(3));
    expect(out.frames).toEqual([]);
    await Promise.resolve();
    expect(out.ids()).toEqual([['p1', 'p2', 'p3']]);
    outbox.push(packet(4));
    await Promise.resolve();
    expect(out.ids()).toEqual([['p1', 'p2', 'p3'], ['p4']]);
  });

  it('splits frames at the packet cap, keeping order', async () => {
    const out = recorder();
    const outbox = new Outbox(out.write, { maxPackets: 2 });
    for (let i = 1; i <= 5; i += 1) outbox.push(packet(i));
    await Promise.resolve();
    expect(out.ids()).toEqual([['p1', 'p2'], ['p3', 'p4'], ['p5']]);
  });

  it('splits frames at the size cap, and sends a packet bigger than the cap alone', async () => {
    const out = recorder();
    const outbox = new Outbox(out.write, { maxChars: 400 });
    outbox.push(packet(1, 100));
    outbox.push(packet(2, 100));
    outbox.push(packet(3, 500));
    outbox.push(packet(4, 10));
    await Promise.resolve();
    expect(out.ids()).toEqual([['p1', 'p2'], ['p3'], ['p4']]);
    for (const frame of out.frames) expect(parseFrame(frame).problems).toEqual([]);
  });

  it('writes what is queued on flush() and drops it on clear()', async () => {
    const out = recorder();
    const outbox = new Outbox(out.write);
    outbox.push(packet(1));
    outbox.flush();
    expect(out.ids()).toEqual([['p1']]);
    outbox.push(packet(2));
    outbox.push(packet(3));
    expect(outbox.clear()).toBe(2);
    await Promise.resolve();
    expect(out.ids()).toEqual([['p1']]);
  });
});
