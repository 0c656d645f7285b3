import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness } from '@connector-kit/sdk/testing';
import connector from '../src/index.js';

// Offline: nock answers every HTTP request; anything not intercepted fails the test.
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const config = { clientId: 'client-1', clientSecret: 'test-secret' };
const tokenRequest = { grant_type: 'client_credentials', client_id: 'client-1', client_secret: 'test-secret' };

describe('items.get', () => {
  it('gets a token with the client credentials, then fetches the item with it', async () => {
    const api = nock('https://api.example.com')
      .post('/oauth/token', tokenRequest)
      .reply(200, { access_token: 'token-1', token_type: 'Bearer', expires_in: 3600 })
      .get('/items/42')
      .matchHeader('authorization', 'Bearer token-1')
      .reply(200, { id: '42', name: 'Example item', extra: 'dropped by the output schema' });
    const harness = createTestHarness(connector, { config });

    await expect(harness.call('items.get', { id: '42' })).resolves.toEqual({ id: '42', name: 'Example item' });
    api.done();
  });

  it('reuses the token, and gets a new one when the API answers 401', async () => {
    const api = nock('https://api.example.com')
      .post('/oauth/token', tokenRequest)
      .reply(200, { access_token: 'token-1', expires_in: 3600 })
      .get('/items/1')
      .matchHeader('authorization', 'Bearer token-1')
      .reply(200, { id: '1', name: 'One' })
      .get('/items/2')
      .matchHeader('authorization', 'Bearer token-1')
      .reply(401)
      .post('/oauth/token', tokenRequest)
      .reply(200, { access_token: 'token-2', expires_in: 3600 })
      .get('/items/2')
      .matchHeader('authorization', 'Bearer token-2')
      .reply(200, { id: '2', name: 'Two' });
    const harness = createTestHarness(connector, { config });

    await expect(harness.call('items.get', { id: '1' })).resolves.toEqual({ id: '1', name: 'One' });
    await expect(harness.call('items.get', { id: '2' })).resolves.toEqual({ id: '2', name: 'Two' });
    api.done();
  });

  it('fails with AUTH_FAILED when the token endpoint refuses the client', async () => {
    nock('https://api.example.com').post('/oauth/token').reply(401, { error: 'invalid_client' });
    const harness = createTestHarness(connector, { config });

    await expect(harness.call('items.get', { id: '42' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });

  it('fails with CONFIG_MISSING before any request when the client secret is not set', async () => {
    const harness = createTestHarness(connector, { config: { clientId: 'client-1' } });

    await expect(harness.call('items.get', { id: '42' })).rejects.toMatchObject({ code: 'CONFIG_MISSING' });
  });
});
