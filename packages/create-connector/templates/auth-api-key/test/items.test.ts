import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness } from '@connector-kit/sdk/testing';
import connector, { API_BASE_URL } from '../src/index.js';

// Offline: nock intercepts `ctx.http` (Node's fetch); anything not intercepted fails the test.
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

// `apiKey` is the config field that `auth: apiKey(…)` adds.
const config = { apiKey: 'test-key' };

describe('items.get', () => {
  it('fetches the item, sending the API key', async () => {
    const api = nock(API_BASE_URL, { reqheaders: { 'x-api-key': 'test-key' } })
      .get('/items/42')
      .reply(200, { id: '42', name: 'Example item', extra: 'dropped by the output schema' });
    const harness = createTestHarness(connector, { config });

    await expect(harness.call('items.get', { id: '42' })).resolves.toEqual({ id: '42', name: 'Example item' });
    api.done();
  });

  it('fails with AUTH_FAILED when the API rejects the key, without retrying', async () => {
    const api = nock(API_BASE_URL).get('/items/7').once().reply(401, { message: 'invalid key' });
    const harness = createTestHarness(connector, { config });

    await expect(harness.call('items.get', { id: '7' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    api.done();
  });

  it('fails with CONFIG_MISSING before any request when no API key is set', async () => {
    const harness = createTestHarness(connector);

    await expect(harness.call('items.get', { id: '42' })).rejects.toMatchObject({ code: 'CONFIG_MISSING' });
  });

  it('rejects an empty id with INPUT_INVALID', async () => {
    const harness = createTestHarness(connector, { config });

    await expect(harness.call('items.get', { id: '' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});
