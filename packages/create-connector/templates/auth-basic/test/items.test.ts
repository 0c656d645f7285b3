import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness } from '@connector-kit/sdk/testing';
import connector, { API_BASE_URL } from '../src/index.js';

// Offline: nock intercepts `ctx.http` (Node's fetch); anything not intercepted fails the test.
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

// `username` and `password` are the config fields that `auth: basic()` adds.
const config = { username: 'ada', password: 'test-password' };

describe('items.get', () => {
  it('fetches the item, signing in with HTTP Basic', async () => {
    const api = nock(API_BASE_URL)
      .get('/items/42')
      .basicAuth({ user: 'ada', pass: 'test-password' })
      .reply(200, { id: '42', name: 'Example item', extra: 'dropped by the output schema' });
    const harness = createTestHarness(connector, { config });

    await expect(harness.call('items.get', { id: '42' })).resolves.toEqual({ id: '42', name: 'Example item' });
    api.done();
  });

  it('fails with AUTH_FAILED when the API rejects the credentials', async () => {
    nock(API_BASE_URL).get('/items/7').reply(401, { message: 'bad credentials' });
    const harness = createTestHarness(connector, { config });

    await expect(harness.call('items.get', { id: '7' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });

  it('fails with CONFIG_MISSING before any request when the password is not set', async () => {
    const harness = createTestHarness(connector, { config: { username: 'ada' } });

    await expect(harness.call('items.get', { id: '42' })).rejects.toMatchObject({ code: 'CONFIG_MISSING' });
  });

  it('rejects an empty id with INPUT_INVALID', async () => {
    const harness = createTestHarness(connector, { config });

    await expect(harness.call('items.get', { id: '' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});
