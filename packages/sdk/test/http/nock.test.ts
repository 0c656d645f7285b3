/**
 * The recipe the SDK README documents: a connector's test intercepts ctx.http with nock.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiKey, defineConnector, defineMethod } from '../../src/index.js';
import { createTestHarness } from '../../src/testing/index.js';

const connector = defineConnector({
  name: 'CRM',
  auth: apiKey({ in: 'bearer' }),
  http: { baseUrl: 'https://api.crm.example/v1', retry: { baseMs: 1 } },
  methods: {
    'contacts.list': defineMethod({
      description: 'Lists every contact',
      input: z.object({}),
      handler: async (_input, ctx) => {
        const all = [];
        for await (const contact of ctx.http.paginate<{ id: number }>('/contacts', {
          pagination: { type: 'cursor', items: (p) => p.data, next: (p) => p.next },
        }))
          all.push(contact);
        return { contacts: all };
      },
    }),
  },
});

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('intercepting ctx.http with nock', () => {
  it('sees the declared auth and pages, with a retry after a 503', async () => {
    const scope = nock('https://api.crm.example/v1', { reqheaders: { authorization: 'Bearer test-key' } })
      .get('/contacts')
      .reply(503)
      .get('/contacts')
      .reply(200, { data: [{ id: 1 }], next: 'c2' })
      .get('/contacts')
      .query({ cursor: 'c2' })
      .reply(200, { data: [{ id: 2 }], next: null });
    const harness = createTestHarness(connector, { config: { apiKey: 'test-key' } });
    expect(await harness.call('contacts.list', {})).toEqual({ contacts: [{ id: 1 }, { id: 2 }] });
    expect(scope.isDone()).toBe(true);
  });
});
