/**
 * createHttpClient against a real local HTTP server: JSON, base URL, errors, retries with
 * backoff, Retry-After, timeouts, aborts and redirects.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectorError, createHttpClient, HttpError } from '../../src/index.js';
import type { RequestAuthenticator } from '../../src/http/authenticator.js';
import { startApi, type TestApi } from '../support/api-server.js';
import { recordingTimers } from '../support/recording-timers.js';

const MARKER = 'MARKER-http-5b1e';
let apis: TestApi[] = [];
afterEach(async () => {
  await Promise.all(apis.map((a) => a.close()));
  apis = [];
});
async function api(handler: Parameters<typeof startApi>[0]): Promise<TestApi> {
  const started = await startApi(handler);
  apis.push(started);
  return started;
}

/** A fixed bearer credential that cannot be renewed. */
const fixedAuth = (token: string): RequestAuthenticator => ({
  credentials: async () => ({ headers: { Authorization: `Bearer ${token}` }, query: {} }),
  renew: async () => false,
  secrets: () => [token],
  rejectedHint: () => 'check the token',
});

const fast = { retry: { baseMs: 1, capMs: 5 } };

describe('createHttpClient', () => {
  it('joins paths to the base URL, adds the query, sends and reads JSON', async () => {
    const server = await api((req) => ({ body: { got: JSON.parse(req.body || 'null'), path: req.path, q: req.query.getAll('tag') } }));
    const http = createHttpClient({ baseUrl: `${server.url}/v2/` });
    const data = await http.post<{ got: unknown; path: string; q: string[] }>(
      '/contacts',
      { name: 'Ada' },
      { query: { tag: ['a', 'b'], skip: undefined } },
    );
    expect(data).toEqual({ got: { name: 'Ada' }, path: '/v2/contacts', q: ['a', 'b'] });
    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
    expect(await http.get('ping', { responseType: 'text' })).toContain('"path":"/v2/ping"');
  });

  it('rejects a relative path without a base URL with HTTP_URL_INVALID', async () => {
    await expect(createHttpClient().get('/x')).rejects.toMatchObject({ code: 'HTTP_URL_INVALID' });
  });

  it('throws HttpError with the status and a redacted body excerpt', async () => {
    const server = await api(() => ({
      status: 404,
      body: { error: 'no such contact', echo: `token ${MARKER}`, access_token: 'abcd1234' },
    }));
    const http = createHttpClient({ baseUrl: server.url }, { auth: fixedAuth(MARKER) });
    const error = (await http.get('/contacts/7').catch((e: unknown) => e)) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.status).toBe(404);
    expect(error.code).toBe('HTTP_ERROR');
    expect(error.retryable).toBe(false);
    expect(error.body).toBe('{"error":"no such contact","echo":"token [redacted]","access_token":"[redacted]"}');
    expect(error.message).toBe(`GET ${server.url}/contacts/7 answered 404 Not Found — body: ${error.body}`);
    expect(JSON.stringify(error)).not.toContain(MARKER);
  });

  it('retries GET after 5xx and network errors with backoff, then succeeds', async () => {
    let n = 0;
    const server = await api(() => {
      n += 1;
      if (n === 1) return { hangUp: true };
      if (n === 2) return { status: 503 };
      return { body: { ok: true } };
    });
    const http = createHttpClient({ baseUrl: server.url, ...fast });
    expect(await http.get('/x')).toEqual({ ok: true });
    expect(server.requests).toHaveLength(3);
  });

  it('gives up after the configured retries with the last error', async () => {
    const server = await api(() => ({ status: 502, body: 'bad gateway' }));
    const http = createHttpClient({ baseUrl: server.url, retry: { retries: 2, baseMs: 1 } });
    await expect(http.get('/x')).rejects.toMatchObject({ status: 502, retryable: true });
    expect(server.requests).toHaveLength(3);
  });

  it('never retries a POST unless it is marked idempotent or carries an Idempotency-Key', async () => {
    const server = await api(() => ({ status: 503 }));
    const http = createHttpClient({ baseUrl: server.url, ...fast });
    await expect(http.post('/orders', { a: 1 })).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);
    await expect(http.post('/orders', { a: 1 }, { idempotent: true })).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(5);
    await expect(http.post('/orders', { a: 1 }, { headers: { 'Idempotency-Key': 'k1' } })).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(9);
  });

  it("retries a POST after a 429, honouring Retry-After, only with retry.rateLimited 'always'", async () => {
    let n = 0;
    const server = await api(() => (++n % 2 === 1 ? { status: 429, headers: { 'retry-after': '0' } } : { status: 201, body: { id: n } }));
    const http = createHttpClient({ baseUrl: server.url, retry: { baseMs: 1 } });
    await expect(http.post('/orders', { a: 1 })).rejects.toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(server.requests).toHaveLength(1);
    n = 0;
    expect(await http.post('/orders', { a: 1 }, { retry: { rateLimited: 'always', baseMs: 1 } })).toEqual({ id: 2 });
    expect(server.requests).toHaveLength(3);
    // 5xx may come after the work was done: still not retried for a POST.
    server.handler = () => ({ status: 503 });
    await expect(http.post('/orders', {}, { retry: { rateLimited: 'always', baseMs: 1 } })).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(4);
  });

  it('does not retry a POST after a network error', async () => {
    const server = await api(() => ({ hangUp: true }));
    const http = createHttpClient({ baseUrl: server.url, ...fast });
    await expect(http.post('/orders', {})).rejects.toMatchObject({ code: 'NETWORK_ERROR', retryable: true });
    expect(server.requests).toHaveLength(1);
  });

  it('honours Retry-After on 429 (waits exactly that long on the injected clock)', async () => {
    let n = 0;
    const server = await api(() => (++n === 1 ? { status: 429, headers: { 'retry-after': '7' } } : { body: { ok: 1 } }));
    const timers = recordingTimers();
    const http = createHttpClient({ baseUrl: server.url, timers, timeoutMs: 30_000 });
    const result = http.get('/x');
    await vi.waitFor(() => expect(timers.delays).toContain(7000));
    expect(server.requests).toHaveLength(1);
    timers.advance(6999);
    await new Promise((r) => setTimeout(r, 20));
    expect(server.requests).toHaveLength(1);
    timers.advance(1);
    expect(await result).toEqual({ ok: 1 });
    expect(server.requests).toHaveLength(2);
  });

  it('fails at once with RATE_LIMITED when Retry-After is longer than maxRetryAfterMs', async () => {
    const server = await api(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
    const http = createHttpClient({ baseUrl: server.url, retry: { maxRetryAfterMs: 60_000 } });
    const error = (await http.get('/x').catch((e: unknown) => e)) as HttpError;
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterMs).toBe(3_600_000);
    expect(error.message).toContain('retry after 3600 s');
    expect(server.requests).toHaveLength(1);
  });

  it('times out an attempt with TIMEOUT', async () => {
    const server = await api(() => new Promise(() => undefined));
    const http = createHttpClient({ baseUrl: server.url, timeoutMs: 50, retry: false });
    await expect(http.get('/slow')).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: `GET ${server.url}/slow did not answer within 50 ms: raise timeoutMs or check the API's status`,
    });
  });

  it("stops when the call's signal aborts, without retrying", async () => {
    const server = await api(() => new Promise(() => undefined));
    const controller = new AbortController();
    const http = createHttpClient({ baseUrl: server.url }, { signal: controller.signal });
    const pending = http.get('/slow');
    await vi.waitFor(() => expect(server.requests).toHaveLength(1));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    expect(server.requests).toHaveLength(1);
  });

  it('follows redirects, keeping credentials on the same origin and dropping them across origins', async () => {
    const other = await api((req) => ({ body: { authorization: req.headers.authorization ?? null } }));
    const server = await api((req) => {
      if (req.path === '/same') return { status: 302, headers: { location: '/final' } };
      if (req.path === '/away') return { status: 307, headers: { location: `${other.url}/stolen` } };
      return { body: { authorization: req.headers.authorization ?? null } };
    });
    const http = createHttpClient({ baseUrl: server.url }, { auth: fixedAuth('tok-1234') });
    expect(await http.get('/same')).toEqual({ authorization: 'Bearer tok-1234' });
    expect(await http.get('/away')).toEqual({ authorization: null });
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('never sends credentials to an origin other than the base URL', async () => {
    const other = await api((req) => ({ body: { authorization: req.headers.authorization ?? null } }));
    const http = createHttpClient({ baseUrl: 'http://127.0.0.1:1' }, { auth: fixedAuth('tok-1234') });
    expect(await http.get(`${other.url}/x`)).toEqual({ authorization: null });
  });

  it('answers HTTP_BAD_RESPONSE for a JSON content type with a body that is not JSON', async () => {
    const server = await api(() => ({ headers: { 'content-type': 'application/json' }, body: '<html>' }));
    await expect(createHttpClient({ baseUrl: server.url }).get('/x')).rejects.toMatchObject({ code: 'HTTP_BAD_RESPONSE' });
  });

  it('turns a 401 into AUTH_FAILED after one renewal and one retry: at most 2 requests', async () => {
    const server = await api(() => ({ status: 401, body: { error: 'expired' } }));
    let renewals = 0;
    let version = 0;
    const auth: RequestAuthenticator = {
      credentials: async () => ({ headers: { Authorization: `Bearer t${version}` }, query: {} }),
      renew: async () => {
        renewals += 1;
        version += 1;
        return true;
      },
      secrets: () => [],
      rejectedHint: () => 'connect again',
    };
    const error = (await createHttpClient({ baseUrl: server.url }, { auth })
      .get('/me')
      .catch((e: unknown) => e)) as HttpError;
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.status).toBe(401);
    expect(error.message).toContain('also after renewing them; connect again');
    expect(renewals).toBe(1);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer t0', 'Bearer t1']);
  });
});
