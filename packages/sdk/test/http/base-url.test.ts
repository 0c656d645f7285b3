/**
 * `http.baseUrl` as a function of the config and the current token set, against real local
 * servers: a tenant host from the config, an `instance_url` from the token set that moves after a
 * renewal, credentials only to the computed origin, and clear errors for bad results.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError, createHttpClient } from '../../src/index.js';
import type { RequestAuthenticator } from '../../src/http/authenticator.js';
import { startApi, type TestApi } from '../support/api-server.js';

let apis: TestApi[] = [];
afterEach(async () => {
  await Promise.all(apis.map((a) => a.close()));
  apis = [];
});
async function api(name: string): Promise<TestApi> {
  const started = await startApi((req) => ({ body: { server: name, path: req.path, authorization: req.headers.authorization ?? null } }));
  apis.push(started);
  return started;
}

/** An OAuth-like authenticator whose token set names the account's instance; a renewal moves it. */
function movingAuth(instances: string[]): RequestAuthenticator & { renewals: number } {
  let at = 0;
  const auth = {
    renewals: 0,
    credentials: async () => ({ headers: { Authorization: `Bearer token-${at}` }, query: {} }),
    renew: async () => {
      at += 1;
      auth.renewals += 1;
      return true;
    },
    secrets: () => [`token-${at}`],
    rejectedHint: () => 'connect again',
    tokens: () => ({ access_token: `token-${at}`, instance_url: instances[Math.min(at, instances.length - 1)] }),
  };
  return auth;
}

describe('http.baseUrl as a function', () => {
  it('builds the host from the config of this client', async () => {
    const tenant = await api('tenant');
    const http = createHttpClient<{ host: string }>({ baseUrl: ({ config }) => `${config.host}/api/v2` }, { config: { host: tenant.url } });
    expect(await http.get('/contacts')).toMatchObject({ server: 'tenant', path: '/api/v2/contacts' });
    expect(await http.url('contacts', { limit: 5 })).toBe(`${tenant.url}/api/v2/contacts?limit=5`);
  });

  it('follows instance_url of the token set, also when a renewal moves it, with credentials to that origin only', async () => {
    const first = await api('first');
    const second = await api('second');
    const auth = movingAuth([first.url, second.url]);
    const http = createHttpClient({ baseUrl: ({ tokens }) => `${String(tokens?.instance_url)}/services/data` }, { auth, config: {} });
    expect(await http.get('/sobjects')).toEqual({ server: 'first', path: '/services/data/sobjects', authorization: 'Bearer token-0' });
    await auth.renew({ headers: {}, query: {} });
    expect(await http.get('/sobjects')).toEqual({ server: 'second', path: '/services/data/sobjects', authorization: 'Bearer token-1' });
    // An absolute URL elsewhere gets no credentials, wherever the computed base points.
    expect(await http.get(`${first.url}/elsewhere`)).toMatchObject({ server: 'first', authorization: null });
  });

  it('renews after a 401 and sends the retry to the host of the new token set', async () => {
    const old = await startApi(() => ({ status: 401, body: { error: 'moved' } }));
    apis.push(old);
    const moved = await api('moved');
    const auth = movingAuth([old.url, moved.url]);
    const http = createHttpClient({ baseUrl: ({ tokens }) => String(tokens?.instance_url) }, { auth });
    expect(await http.get('/me')).toEqual({ server: 'moved', path: '/me', authorization: 'Bearer token-1' });
    expect(old.requests).toHaveLength(1);
    expect(auth.renewals).toBe(1);
  });

  it('fails with HTTP_URL_INVALID when the function returns something that is not an http(s) URL, never echoing it', async () => {
    const secretish = 'tenant-MARKER-a81f';
    const http = createHttpClient<{ subdomain: string }>(
      { baseUrl: ({ config }) => config.subdomain },
      { config: { subdomain: secretish } },
    );
    const error = (await http.get('/x').catch((e: unknown) => e)) as ConnectorError;
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.code).toBe('HTTP_URL_INVALID');
    expect(error.message).toBe(
      'http.baseUrl() returned a string of 18 characters that is not an http(s) URL: check the config fields or token members it is built from (e.g. a tenant subdomain, instance_url)',
    );
    await expect(createHttpClient({ baseUrl: () => 'file:///etc/passwd' }).get('/x')).rejects.toMatchObject({ code: 'HTTP_URL_INVALID' });
  });

  it("passes the function's own ConnectorError through and wraps anything else", async () => {
    const missing = new ConnectorError('CONFIG_MISSING', 'config field "subdomain" is not set');
    await expect(
      createHttpClient({
        baseUrl: () => {
          throw missing;
        },
      }).get('/x'),
    ).rejects.toBe(missing);
    await expect(
      createHttpClient({
        baseUrl: () => {
          throw new TypeError('boom');
        },
      }).get('/x'),
    ).rejects.toMatchObject({ code: 'HTTP_URL_INVALID', message: 'http.baseUrl() threw: boom' });
  });

  it('still refuses a fixed base URL that is not a URL when the client is made', () => {
    expect(() => createHttpClient({ baseUrl: 'api.example.com' })).toThrow(
      expect.objectContaining({ code: 'DEFINITION_INVALID', message: expect.stringContaining('is not a URL') }),
    );
  });
});
