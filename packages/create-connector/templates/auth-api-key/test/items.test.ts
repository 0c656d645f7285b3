import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness } from '@connector-kit/sdk/testing';
import connector from '../src/index.js';

// Offline: nock answers every HTTP request; anything not intercepted fails the test.
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('items.get', () => {
  it('fetches the item, sending the API key', async () => {
    const api = nock('https://api.example.com')
      .get('/items/42')
      .matchHeader('x-api-key', 'test-key')
      .reply(200, { id: '42', name: 'Example item', extra: 'dropped by the output schema' });
    const harness = createTestHarness(connector, { config: { apiKey: 'test-key' } });

    await expect(harness.call('items.get', { id: '42' })).resolves.toEqual({ id: '42', name: 'Example item' });
    api.done();
  });

  it('fails with UPSTREAM_ERROR when the API answers an error', async () => {
    nock('https://api.example.com').get('/items/7').reply(404, { message: 'not found' });
    const harness = createTestHarness(connector, { config: { apiKey: 'test-key' } });

    await expect(harness.call('items.get', { id: '7' })).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
  });

  it('fails with CONFIG_MISSING before any request when no API key is set', async () => {
    const harness = createTestHarness(connector);

    await expect(harness.call('items.get', { id: '42' })).rejects.toMatchObject({ code: 'CONFIG_MISSING' });
  });

  it('rejects an empty id with INPUT_INVALID', async () => {
    const harness = createTestHarness(connector, { config: { apiKey: 'test-key' } });

    await expect(harness.call('items.get', { id: '' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});
