import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness } from '@connector-kit/sdk/testing';
import connector from '../src/index.js';

// Offline: nock answers every HTTP request; anything not intercepted fails the test.
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('items.get', () => {
  it('fetches the item from the API', async () => {
    const api = nock('https://api.example.com')
      .get('/items/42')
      .reply(200, { id: '42', name: 'Example item', extra: 'dropped by the output schema' });
    const harness = createTestHarness(connector);

    await expect(harness.call('items.get', { id: '42' })).resolves.toEqual({ id: '42', name: 'Example item' });
    api.done();
  });

  it('uses the configured API URL', async () => {
    const api = nock('https://other.example.com').get('/v2/items/1').reply(200, { id: '1', name: 'Other' });
    const harness = createTestHarness(connector, { config: { baseUrl: 'https://other.example.com/v2' } });

    await expect(harness.call('items.get', { id: '1' })).resolves.toEqual({ id: '1', name: 'Other' });
    api.done();
  });

  it('fails with UPSTREAM_ERROR when the API answers an error', async () => {
    nock('https://api.example.com').get('/items/7').reply(404, { message: 'not found' });
    const harness = createTestHarness(connector);

    await expect(harness.call('items.get', { id: '7' })).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
  });

  it('rejects an empty id with INPUT_INVALID', async () => {
    const harness = createTestHarness(connector);

    await expect(harness.call('items.get', { id: '' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});
