import { describe, expect, it } from 'vitest';
import { createIdGenerator, encodeFrame, isErrorAnswer, parseFrame, type Packet } from '../../src/protocol/index.js';

describe('parseFrame', () => {
  it('reports a frame that is not JSON at index -1 and never throws', () => {
    const parsed = parseFrame('{"p": [');
    expect(parsed.packets).toEqual([]);
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]?.index).toBe(-1);
    expect(parsed.problems[0]?.message).toMatch(/^frame is not JSON \(\d+ characters\)$/);
    expect(parsed.problems[0]?.c).toBeUndefined();
  });

  it.each([['null'], ['[]'], ['"p"'], ['42'], ['{}'], ['{"p": {}}'], ['{"p": "x"}'], ['{"packets": []}']])(
    'reports the wrong frame shape %s at index -1',
    (text) => {
      expect(parseFrame(text)).toMatchInlineSnapshot(`
        {
          "packets": [],
          "problems": [
            {
              "index": -1,
              "message": "frame is not of the form {"p": [packet, ...]}",
            },
          ],
        }
      `);
    },
  );

  it('accepts an empty frame', () => {
    expect(parseFrame('{"p": []}')).toEqual({ packets: [], problems: [] });
  });

  it('keeps the good packets of a frame and reports each bad one with its index and callback id', () => {
    const text = JSON.stringify({
      p: [
        { id: '1', m: 'connector.query', c: 'a', a: { query: 'x' } },
        { id: 2, m: 'connector.query', c: 'b' },
        { id: '3', c: 'c', m: 7 },
        { id: '4', c: 'd', m: 'connector.query', a: [1, 2] },
        { id: '5', c: 6 },
        { id: '6' },
        'not a packet',
        null,
        { id: '7', m: 'connector.health.check', a: null },
      ],
    });
    expect(parseFrame(text)).toMatchInlineSnapshot(`
      {
        "packets": [
          {
            "a": {
              "query": "x",
            },
            "c": "a",
            "id": "1",
            "m": "connector.query",
          },
          {
            "a": null,
            "id": "7",
            "m": "connector.health.check",
          },
        ],
        "problems": [
          {
            "c": "b",
            "index": 1,
            "message": ""id" must be a string",
          },
          {
            "c": "c",
            "index": 2,
            "message": ""m" must be a string",
          },
          {
            "c": "d",
            "index": 3,
            "message": ""a" of a request must be an object",
          },
          {
            "index": 4,
            "message": ""c" must be a string",
          },
          {
            "index": 5,
            "message": "packet has neither "m" nor "c"",
          },
          {
            "index": 6,
            "message": "packet is not an object",
          },
          {
            "index": 7,
            "message": "packet is not an object",
          },
        ],
      }
    `);
  });

  it('accepts a packet without an id: answers are routed by c alone', () => {
    expect(parseFrame('{"p":[{"c":"_req-1","a":{"id":"t1"}}]}')).toEqual({ packets: [{ c: '_req-1', a: { id: 't1' } }], problems: [] });
  });

  it('accepts any JSON value as the a of an answer (§3: v1 workspaces answer task.new with the bare id)', () => {
    const values = ['task-1', '', 0, 42, true, false, null, [1, 'x'], { id: 't1' }];
    const { packets, problems } = parseFrame(encodeFrame(values.map((a, i) => ({ id: `x${i}`, c: `_req-${i}`, a }))));
    expect(problems).toEqual([]);
    expect(packets.map((p) => p.a)).toEqual(values);
  });

  it('never gives a bad answer a callback id to answer: an answer is not answered (§3)', () => {
    const { packets, problems } = parseFrame(
      JSON.stringify({
        p: [
          { id: 1, c: '_req-1', a: 'task-1' },
          { id: '2', c: '_req-2', e: 5, m: 9 },
          { id: '3', c: '_req-3', m: 'x', a: 'no' },
        ],
      }),
    );
    expect(packets).toEqual([]);
    // The first is an answer (no m): reported without c. The others name a method: requests.
    expect(problems.map((p) => p.c)).toEqual([undefined, '_req-2', '_req-3']);
  });

  it('accepts answers and error answers', () => {
    const { packets, problems } = parseFrame(
      encodeFrame([
        { id: 'x1', c: '_req-1', a: { id: 'task-1' } },
        { id: 'x2', c: '_req-2', a: { error: 'nope', code: 'INPUT_INVALID' } },
      ]),
    );
    expect(problems).toEqual([]);
    expect(packets.map((p) => isErrorAnswer(p.a))).toEqual([false, true]);
  });

  it('keeps a "__proto__" key of a packet as data without touching Object.prototype', () => {
    const { packets } = parseFrame('{"p":[{"id":"1","m":"connector.query","c":"q","a":{"__proto__":{"polluted":true}}}]}');
    expect(packets).toHaveLength(1);
    expect(Object.hasOwn(packets[0]!.a!, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('isErrorAnswer', () => {
  it('is true only for an object with a non-null error member', () => {
    expect([{ error: 'x' }, { error: '' }, { error: null }, {}, null, 'error', ['error']].map(isErrorAnswer)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('encodeFrame', () => {
  it('writes {"p": [...]} that parseFrame reads back', () => {
    const packets: Packet[] = [{ id: '1', m: 'connector.task.new', c: '_req-1', a: { name: 'n', a: {} } }];
    expect(encodeFrame(packets)).toBe('{"p":[{"id":"1","m":"connector.task.new","c":"_req-1","a":{"name":"n","a":{}}}]}');
    expect(parseFrame(encodeFrame(packets)).packets).toEqual(packets);
  });
});

describe('createIdGenerator', () => {
  it('never repeats an id, and two generators never collide', () => {
    const a = createIdGenerator();
    const b = createIdGenerator();
    const ids = new Set<string>();
    for (let i = 0; i < 50_000; i += 1) {
      ids.add(a());
      ids.add(b());
    }
    expect(ids.size).toBe(100_000);
  });

  it('starts every id with the prefix', () => {
    const next = createIdGenerator('_req-');
    expect([next(), next(), next()].every((id) => id.startsWith('_req-'))).toBe(true);
  });
});
