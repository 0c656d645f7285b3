import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness } from '@connector-kit/sdk/testing';
import connector, { API_BASE_URL } from '../src/index.js';

// Offline: nock intercepts `ctx.http` (Node's fetch); anything not intercepted fails the test.
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const client = { clientId: 'client-1', clientSecret: 'test-secret' };
/** The token set the workspace stores as `oauthResult` once a person has connected the account. */
const connected = (accessToken: string, expiresInMs = 3_600_000) => ({
  oauthResult: { access_token: accessToken, refresh_token: 'refresh-1', expires_at: Date.now() + expiresInMs, obtained_at: Date.now() },
});
const refreshRequest = (body: Record<string, string>) =>
  body.grant_type === 'refresh_token' && body.refresh_token === 'refresh-1' && body.client_id === 'client-1' && body.client_secret === 'test-secret';

describe('items.get', () => {
  it('fetches the item with the stored access token', async () => {
    const api = nock(API_BASE_URL, { reqheaders: { authorization: 'Bearer token-1' } })
      .get('/items/42')
      .reply(200, { id: '42', name: 'Example item', extra: 'dropped by the output schema' });
    const harness = createTestHarness(connector, { config: { ...client, ...connected('token-1') } });

    await expect(harness.call('items.get', { id: '42' })).resolves.toEqual({ id: '42', name: 'Example item' });
    api.done();
  });

  it('refreshes the token once when the API answers 401, and retries', async () => {
    const api = nock(API_BASE_URL)
      .get('/items/2')
      .matchHeader('authorization', 'Bearer token-1')
      .reply(401)
      .post('/oauth/token', refreshRequest)
      .reply(200, { access_token: 'token-2', token_type: 'Bearer', expires_in: 3600 })
      .get('/items/2')
      .matchHeader('authorization', 'Bearer token-2')
      .reply(200, { id: '2', name: 'Two' });
    const harness = createTestHarness(connector, { config: { ...client, ...connected('token-1') } });

    await expect(harness.call('items.get', { id: '2' })).resolves.toEqual({ id: '2', name: 'Two' });
    api.done();
  });

  it('refreshes an expired token before sending a request', async () => {
    const api = nock(API_BASE_URL)
      .post('/oauth/token', refreshRequest)
      .reply(200, { access_token: 'token-2', token_type: 'Bearer', expires_in: 3600 })
      .get('/items/3')
      .matchHeader('authorization', 'Bearer token-2')
      .reply(200, { id: '3', name: 'Three' });
    const harness = createTestHarness(connector, { config: { ...client, ...connected('token-1', -1000) } });

    await expect(harness.call('items.get', { id: '3' })).resolves.toEqual({ id: '3', name: 'Three' });
    api.done();
  });

  it('fails with REAUTHORIZATION_REQUIRED before any request when no account is connected', async () => {
    const harness = createTestHarness(connector, { config: client });

    await expect(harness.call('items.get', { id: '42' })).rejects.toMatchObject({ code: 'REAUTHORIZATION_REQUIRED' });
  });
});
