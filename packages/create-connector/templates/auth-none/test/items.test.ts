import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness } from '@connector-kit/sdk/testing';
import connector, { API_BASE_URL } from '../src/index.js';

// Offline: nock intercepts `ctx.http` (Node's fetch); anything not intercepted fails the test.
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('items.get', () => {
  it('fetches the item from the API', async () => {
    const api = nock(API_BASE_URL)
      .get('/items/42')
      .reply(200, { id: '42', name: 'Example item', extra: 'dropped by the output schema' });
    const harness = createTestHarness(connector);

    await expect(harness.call('items.get', { id: '42' })).resolves.toEqual({ id: '42', name: 'Example item' });
    api.done();
  });

  it('retries after a 503, as ctx.http does for GET', async () => {
    const api = nock(API_BASE_URL).get('/items/1').reply(503).get('/items/1').reply(200, { id: '1', name: 'One' });
    const harness = createTestHarness(connector);

    await expect(harness.call('items.get', { id: '1' })).resolves.toEqual({ id: '1', name: 'One' });
    api.done();
  });

  it('fails with HTTP_ERROR when the API answers an error', async () => {
    nock(API_BASE_URL).get('/items/7').reply(404, { message: 'not found' });
    const harness = createTestHarness(connector);

    await expect(harness.call('items.get', { id: '7' })).rejects.toMatchObject({ code: 'HTTP_ERROR' });
  });

  it('rejects an empty id with INPUT_INVALID', async () => {
    const harness = createTestHarness(connector);

    await expect(harness.call('items.get', { id: '' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});
