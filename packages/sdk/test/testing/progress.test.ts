/** The harness records `ctx.progress` reports (protocol.md §8 `progress`) for tests to check. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConnectorError, defineConnector } from '../../src/index.js';
import { createTestHarness } from '../../src/testing/index.js';

const connector = defineConnector({
  name: 'Progress test',
  methods: (method) => ({
    'contacts.import': method({
      description: 'imports contacts page by page',
      input: z.object({ pages: z.number().int() }),
      handler: ({ pages }, ctx) => {
        ctx.progress({ message: 'importing', total: pages });
        for (let done = 1; done <= pages; done++) ctx.progress({ done });
        ctx.progress();
        return { imported: pages };
      },
    }),
    tooLong: method({
      description: 'reports a message over the limit',
      input: z.object({}),
      handler: (_input, ctx) => {
        ctx.progress({ message: 'x'.repeat(2_000) });
        return {};
      },
    }),
  }),
});

describe('createTestHarness progress', () => {
  it('records every report of every call, oldest first, with the method that made it', async () => {
    const harness = createTestHarness(connector);
    expect(harness.progress).toEqual([]);
    await expect(harness.call('contacts.import', { pages: 2 })).resolves.toEqual({ imported: 2 });
    expect(harness.progress).toEqual([
      { method: 'contacts.import', message: 'importing', total: 2 },
      { method: 'contacts.import', done: 1 },
      { method: 'contacts.import', done: 2 },
      { method: 'contacts.import' },
    ]);
    harness.progress.length = 0;
    await harness.call('contacts.import', { pages: 0 });
    expect(harness.progress).toHaveLength(2);
  });

  it('fails the call with PROGRESS_INVALID for a bad report, as the runtime does', async () => {
    const harness = createTestHarness(connector);
    const error = await harness.call('tooLong').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({
      code: 'PROGRESS_INVALID',
      message: 'ctx.progress() in tooLong: "message" is 2000 bytes, over the limit of 1024: report a shorter message',
    });
    expect(harness.progress).toEqual([]);
  });
});
