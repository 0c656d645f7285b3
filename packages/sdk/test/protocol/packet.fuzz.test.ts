/**
 * Fuzz of parseFrame (reliability.md item 11): 100,000 generated frames.
 * The oracle is independent of parseFrame's code: it re-reads each frame with JSON.parse and
 * checks that every packet is accounted for exactly once, that accepted packets have the §3
 * shape, and that each rejected request (a packet with `m`) with a string `c` is reported with
 * that `c`, while a rejected answer (no `m`) never is: an answer is never answered.
 */
import { describe, expect, it } from 'vitest';
import { isRecord, parseFrame } from '../../src/protocol/index.js';

/** mulberry32: a small seeded PRNG so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 0xc0ffee;
const FRAMES = 100_000;

function generator(random: () => number) {
  const int = (n: number): number => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const strings = ['', 'x', 'connector.query', '_req-1', '__proto__', 'constructor', '\u0000', '\ud800', 'é', '💥', ' '.repeat(40)];
  const scalars: unknown[] = [null, true, false, 0, -1, 1e308, -0, 123456789012345678901234567890, Number.MAX_SAFE_INTEGER + 2];

  const value = (depth: number): unknown => {
    const r = int(depth > 3 ? 3 : 6);
    if (r === 0) return pick(scalars);
    if (r === 1) return pick(strings);
    if (r === 2)
      return random()
        .toString(36)
        .slice(2, 2 + int(12));
    if (r === 3) return Array.from({ length: int(4) }, () => value(depth + 1));
    const out: Record<string, unknown> = {};
    for (let i = int(4); i > 0; i -= 1) out[pick([...strings, 'id', 'c', 'm', 'a', 'e', 'p'])] = value(depth + 1);
    return out;
  };

  /** A packet-ish value: each member present, absent, well typed or of a wrong type. */
  const packet = (): unknown => {
    if (random() < 0.05) return value(2);
    const out: Record<string, unknown> = {};
    const member = (name: string, good: () => unknown): void => {
      const r = random();
      if (r < 0.35) return;
      out[name] = r < 0.85 ? good() : value(2);
    };
    member('id', () => `p${int(1000)}`);
    member('c', () => `c${int(1000)}`);
    member('m', () => pick(['connector.query', 'connector.introspect', 'connector.task.new']));
    member('a', () => (random() < 0.1 ? null : { query: pick(strings), variables: value(1) }));
    member('e', () => pick(strings));
    return out;
  };

  const deep = (levels: number, open: string, close: string, inner = '1'): string => open.repeat(levels) + inner + close.repeat(levels);

  /** One frame's text. */
  return (): string => {
    // 10,000-deep nesting is slow to parse, so it is rare (about 250 frames): bare, inside a packet's `a`, and as `p`.
    if (random() < 0.0025) {
      const which = int(3);
      if (which === 0) return deep(10_000, '[', ']');
      if (which === 1) return `{"p":[{"id":"d","c":"deep","m":"connector.query","a":${deep(10_000, '{"x":', '}')}}]}`;
      return `{"p":${deep(10_000, '[', ']')}}`;
    }
    const kind = int(95);
    if (kind < 55) return JSON.stringify({ p: Array.from({ length: int(6) }, packet) });
    if (kind < 70) return JSON.stringify(value(0));
    if (kind < 78) {
      // Invalid UTF-8 (lone continuation bytes, overlongs, surrogates) inside and around JSON, decoded as text.
      const bad = Buffer.from(
        Array.from({ length: 1 + int(16) }, () => pick([0x80, 0xbf, 0xc0, 0xc1, 0xed, 0xa0, 0xf5, 0xff, 0xfe, int(256)])),
      );
      const where = int(3);
      const bytes =
        where === 0
          ? bad
          : where === 1
            ? Buffer.concat([Buffer.from('{"p":[{"id":"'), bad, Buffer.from(`","c":"c${int(9)}","m":"connector.query"}]}`)])
            : Buffer.concat([Buffer.from('{"p":[{"c":"k","a":'), bad, Buffer.from('}]}')]);
      return bytes.toString('utf8');
    }
    if (kind < 86) {
      // Truncated or spliced JSON.
      const text = JSON.stringify({ p: [packet(), packet()] });
      return text.slice(0, int(text.length));
    }
    if (kind < 94) {
      // Huge numbers and wrong types where strings belong.
      const n = pick(['1e400', '-1e400', '123456789012345678901234567890123', '0.' + '1'.repeat(400), '-0']);
      return `{"p":[{"id":${n},"c":${pick([n, '"hc"'])},"m":${pick([n, '"connector.query"'])},"a":{"v":${n}}}]}`;
    }
    return pick(['', ' ', 'null', '{"p":null}', '{"p":[]}', '{"p":[[]]}', '{"p":[{}]}', '\ufeff{"p":[]}', '{"p":[{"c":"only-c"}]}']);
  };
}

/**
 * Checks one frame's result against an independent reading of the same text; returns what is
 * wrong, or undefined. Plain checks rather than `expect` per frame: 100,000 frames stay fast.
 */
function oracle(text: string, result: ReturnType<typeof parseFrame>): string | undefined {
  let raw: unknown;
  let parses = true;
  try {
    raw = JSON.parse(text);
  } catch {
    parses = false; // includes a RangeError for nesting the engine refuses
  }
  if (!parses || !isRecord(raw) || !Array.isArray(raw.p)) {
    const ok = result.packets.length === 0 && result.problems.length === 1 && result.problems[0]!.index === -1;
    return ok ? undefined : 'a bad frame must give exactly one problem at index -1';
  }
  const items = raw.p as unknown[];
  const indices = new Set(result.problems.map((p) => p.index));
  if (indices.size !== result.problems.length) return 'two problems for one packet';
  if (result.packets.length + result.problems.length !== items.length) return 'a packet was neither accepted nor reported';
  for (const packet of result.packets) {
    if (!isRecord(packet)) return 'accepted a packet that is not an object';
    for (const key of ['id', 'c', 'm'] as const) {
      if (packet[key] !== undefined && typeof packet[key] !== 'string') return `accepted a packet whose ${key} is not a string`;
    }
    // §3: a request's `a` is an object; an answer's may be any JSON value.
    if (packet.m !== undefined && packet.a !== undefined && packet.a !== null && !isRecord(packet.a)) {
      return 'accepted a request whose a is not an object';
    }
    if (packet.m === undefined && packet.c === undefined) return 'accepted a packet with neither m nor c';
  }
  for (const problem of result.problems) {
    if (!(problem.index >= 0 && problem.index < items.length)) return `problem index ${problem.index} out of range`;
    if (typeof problem.message !== 'string' || problem.message === '') return 'problem without a message';
    const item = items[problem.index];
    const c = isRecord(item) && item.m !== undefined && typeof item.c === 'string' ? item.c : undefined;
    if (problem.c !== c) return `problem at ${problem.index} carries c ${String(problem.c)}, the packet had ${String(c)}`;
  }
  return undefined;
}

describe('parseFrame (fuzz)', () => {
  it('never throws on 100,000 generated frames and reports every bad request that had a string c with that c', () => {
    const next = generator(prng(SEED));
    let badWithC = 0;
    let deep = 0;
    for (let i = 0; i < FRAMES; i += 1) {
      const text = next();
      if (text.length > 15_000) deep += 1;
      let result: ReturnType<typeof parseFrame>;
      try {
        result = parseFrame(text);
      } catch (error) {
        throw new Error(`parseFrame threw on frame #${i} (seed ${SEED}): ${String(error)}\n${text.slice(0, 200)}`);
      }
      const wrong = oracle(text, result);
      if (wrong !== undefined) throw new Error(`frame #${i} (seed ${SEED}): ${wrong}\n${text.slice(0, 200)}`);
      badWithC += result.problems.filter((p) => p.c !== undefined).length;
    }
    // The generator really produced the cases the test is about.
    expect(badWithC).toBeGreaterThan(10_000);
    expect(deep).toBeGreaterThan(100);
  }, 120_000);
});
