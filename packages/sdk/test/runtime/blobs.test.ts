import { describe, expect, it } from 'vitest';
import { ConnectorError, defineConnector, defineMethod, z } from '../../src/index.js';
import { decodeBase64, maxBlobBytes } from '../../src/protocol/index.js';
import { createBlobApi } from '../../src/runtime/blobs.js';
import { createTestHarness } from '../../src/testing/index.js';

/** A scripted link: answers each request with the next outcome and keeps what was sent. */
function link(outcomes: unknown[]) {
  const sent: Array<{ m: string; a: Record<string, unknown> }> = [];
  return {
    sent,
    request: (m: string, a: Record<string, unknown>) => {
      sent.push({ m, a });
      return Promise.resolve(outcomes.shift());
    },
  };
}

describe('decodeBase64', () => {
  it('accepts standard, URL-safe and unpadded base64 and refuses anything else', () => {
    expect(decodeBase64('aGk/Pz8=')?.toString()).toBe('hi???');
    expect(decodeBase64('aGk_Pz8')?.toString()).toBe('hi???');
    expect(decodeBase64('')?.length).toBe(0);
    for (const bad of ['not base64!', 'aGk=aGk=', 'a', 'aGk==x', 'QR==']) expect(decodeBase64(bad), bad).toBeUndefined();
  });
});

describe('maxBlobBytes', () => {
  it('is the content that fits in one frame as base64, after the envelope and the other fields', () => {
    expect(maxBlobBytes()).toBe(6_290_688);
    expect(maxBlobBytes(8 * 1024 * 1024, 400)).toBe(6_290_388);
    expect(Math.ceil(maxBlobBytes(4096) / 3) * 4 + 1024).toBeLessThanOrEqual(4096);
    expect(maxBlobBytes(100)).toBe(0);
  });
});

describe('createBlobApi', () => {
  it('sends base64 content with its size and metadata, and resolves to the id', async () => {
    const l = link([{ id: 'b1' }]);
    const blobs = createBlobApi(l);
    await expect(blobs.create('héllo', { name: 'a.txt', mimetype: 'text/plain', meta: { n: 1 }, taskId: 't1' })).resolves.toBe('b1');
    expect(l.sent).toEqual([
      {
        m: 'connector.blob.create',
        a: {
          content: Buffer.from('héllo').toString('base64'),
          size: 6,
          name: 'a.txt',
          mimetype: 'text/plain',
          meta: { n: 1 },
          taskId: 't1',
        },
      },
    ]);
  });

  it('accepts a bare id string as the answer of blob.create (§3: any JSON value)', async () => {
    await expect(createBlobApi(link(['b2'])).create(new Uint8Array([1, 2, 3]))).resolves.toBe('b2');
  });

  it('sends the bytes of a Uint8Array view, not its whole buffer', async () => {
    const l = link([{ id: 'b3' }]);
    const whole = new Uint8Array([9, 1, 2, 9]);
    await createBlobApi(l).create(whole.subarray(1, 3));
    expect(l.sent[0]?.a).toMatchObject({ content: Buffer.from([1, 2]).toString('base64'), size: 2 });
  });

  it('refuses content over one frame with BLOB_TOO_LARGE naming the limit, and sends nothing', async () => {
    const l = link([]);
    const blobs = createBlobApi(l, { frameBytes: 4096 });
    const limit = maxBlobBytes(4096, Buffer.byteLength(JSON.stringify({ name: 'big.bin' })));
    const error = await blobs.create(Buffer.alloc(limit + 1), { name: 'big.bin' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code: 'BLOB_TOO_LARGE', details: { size: limit + 1, limit } });
    expect((error as Error).message).toContain(`more than the ${limit} bytes`);
    expect((error as Error).message).toContain('"big.bin"');
    expect(l.sent).toEqual([]);
    // Exactly at the limit it goes.
    const ok = link([{ id: 'b4' }]);
    await expect(createBlobApi(ok, { frameBytes: 4096 }).create(Buffer.alloc(limit), { name: 'big.bin' })).resolves.toBe('b4');
  });

  it('reads metadata and content, and fails with BAD_ANSWER on content that is not base64', async () => {
    const blobs = createBlobApi(
      link([
        { id: 'b1', name: null, size: 2, mimetype: 'x/y', meta: null, taskId: null, created: '2026-01-01T00:00:00.000Z' },
        { content: 'AQI=' },
        { content: '%%' },
      ]),
    );
    expect(await blobs.get('b1')).toEqual({
      id: 'b1',
      name: null,
      size: 2,
      mimetype: 'x/y',
      meta: null,
      taskId: null,
      created: '2026-01-01T00:00:00.000Z',
    });
    expect([...(await blobs.content('b1'))]).toEqual([1, 2]);
    await expect(blobs.content('b1')).rejects.toMatchObject({ code: 'BAD_ANSWER' });
  });

  it('fails with BLOB_INVALID on content that is neither bytes nor a string', async () => {
    await expect(createBlobApi(link([])).create(42 as never)).rejects.toMatchObject({ code: 'BLOB_INVALID' });
  });
});

describe('ctx.blobs in the test harness', () => {
  const connector = defineConnector({
    name: 'Files',
    methods: {
      save: defineMethod({
        description: 'stores text and reads it back',
        input: z.object({ text: z.string() }),
        handler: async ({ text }, ctx) => {
          const id = await ctx.blobs.create(text, { name: 'note.txt' });
          const info = await ctx.blobs.get(id);
          return { id, size: info.size, back: (await ctx.blobs.content(id)).toString() };
        },
      }),
    },
  });

  it('keeps created blobs and applies the same frame limit as the runtime', async () => {
    const harness = createTestHarness(connector, { frameBytes: 2048 });
    expect(await harness.call('save', { text: 'hi' })).toEqual({ id: 'blob-1', size: 2, back: 'hi' });
    expect(harness.blobs[0]).toMatchObject({ name: 'note.txt', content: Buffer.from('hi') });
    await expect(harness.call('save', { text: 'x'.repeat(2048) })).rejects.toMatchObject({ code: 'BLOB_TOO_LARGE' });
  });
});
