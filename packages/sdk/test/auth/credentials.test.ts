/**
 * apiKey, basic and session against a small local HTTP API, through a connector's ctx.http
 * (the test harness runs the auth exactly as the runtime does).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiKey, basic, buildManifest, defineConnector, defineMethod, session, type AuthSpec } from '../../src/index.js';
import { createTestHarness } from '../../src/testing/index.js';
import { startApi, type TestApi } from '../support/api-server.js';

const KEY = 'MARKER-key-9d2f';
const PASSWORD = 'MARKER-pw-71aa';
let api: TestApi;
/** Session tokens the API accepts; the test revokes them to play an expired session. */
const sessions = new Set<string>();
let logins = 0;

beforeAll(async () => {
  api = await startApi((req) => {
    if (req.path === '/login') {
      const { username, password } = JSON.parse(req.body) as { username: string; password: string };
      if (username !== 'ada' || password !== PASSWORD) return { status: 401, body: { error: 'bad credentials' } };
      const token = `sess-${++logins}`;
      sessions.add(token);
      return { body: { token } };
    }
    const h = req.headers;
    const basicOk = h.authorization === `Basic ${Buffer.from(`ada:${PASSWORD}`).toString('base64')}`;
    const ok =
      h['x-api-key'] === KEY ||
      req.query.get('key') === KEY ||
      h.authorization === `Bearer ${KEY}` ||
      basicOk ||
      (h.authorization?.startsWith('Bearer sess-') && sessions.has(h.authorization.slice(7)));
    return ok ? { body: { ok: true } } : { status: 401, body: { error: 'unauthorized', echo: req.query.get('key') } };
  });
});
afterAll(() => api.close());

function connectorWith(auth: AuthSpec) {
  return defineConnector({
    name: 'Creds',
    auth,
    http: { baseUrl: api.url, retry: false },
    methods: { me: defineMethod({ description: 'who am I', input: z.object({}), handler: (_i, ctx) => ctx.http.get('/me') }) },
  });
}

describe('apiKey', () => {
  it.each([
    ['header', apiKey({ in: 'header', name: 'X-API-Key' })],
    ['query', apiKey({ in: 'query', name: 'key' })],
    ['bearer', apiKey({ in: 'bearer' })],
  ] as const)('sends the key in the %s', async (_where, auth) => {
    const harness = createTestHarness(connectorWith(auth), { config: { apiKey: KEY } });
    expect(await harness.call('me', {})).toEqual({ ok: true });
  });

  it('fails a rejected key with AUTH_FAILED after one request, never echoing the key', async () => {
    const before = api.requests.length;
    const harness = createTestHarness(connectorWith(apiKey({ in: 'query', name: 'key' })), { config: { apiKey: 'MARKER-wrong-key' } });
    const error = await harness.call('me', {}).catch((e: unknown) => e as Error & { code: string });
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toContain('check the config field "apiKey"');
    expect(JSON.stringify({ message: error.message, error })).not.toContain('MARKER-wrong-key');
    expect(api.requests.length - before).toBe(1);
  });

  it('says which field to set when the key is missing', async () => {
    const harness = createTestHarness(connectorWith(apiKey({ in: 'header' })), { config: {} });
    await expect(harness.call('me', {})).rejects.toMatchObject({
      code: 'CONFIG_MISSING',
      message: expect.stringContaining('config field "apiKey"'),
    });
  });

  it('adds one secret field with a label a person understands', () => {
    expect(buildManifest(connectorWith(apiKey({ in: 'header' }))).configSchema.fields).toEqual({
      apiKey: { name: 'API key', type: 'line', description: 'The API key of the account to connect, from its API or developer settings.' },
    });
  });
});

describe('basic', () => {
  it('sends username and password as Basic auth', async () => {
    const harness = createTestHarness(connectorWith(basic()), { config: { username: 'ada', password: PASSWORD } });
    expect(await harness.call('me', {})).toEqual({ ok: true });
  });

  it('adds secret username and password fields', () => {
    const fields = buildManifest(connectorWith(basic({ username: { label: 'Email' } }))).configSchema.fields;
    expect(Object.keys(fields)).toEqual(['username', 'password']);
    expect(fields.username!.name).toBe('Email');
    expect(fields.password!.plain).toBeUndefined();
  });
});

describe('session', () => {
  const loginAuth = session({
    login: async ({ username, password }, http) => http.post<{ token: string }>('/login', { username, password }),
  });

  it('logs in once for many concurrent calls and reuses the session', async () => {
    const harness = createTestHarness(connectorWith(loginAuth), { config: { username: 'ada', password: PASSWORD } });
    const before = logins;
    await Promise.all(Array.from({ length: 20 }, () => harness.call('me', {})));
    expect(logins - before).toBe(1);
  });

  it('logs in again after a 401 and retries once', async () => {
    const harness = createTestHarness(connectorWith(loginAuth), { config: { username: 'ada', password: PASSWORD } });
    await harness.call('me', {});
    sessions.clear();
    const before = logins;
    expect(await harness.call('me', {})).toEqual({ ok: true });
    expect(logins - before).toBe(1);
  });

  it('logs in again when the session has expired', async () => {
    let n = 0;
    const expiring = session({
      login: async ({ username, password }, http) => ({
        ...(await http.post<{ token: string }>('/login', { username, password })),
        expiresAt: n++ === 0 ? Date.now() - 1 : Date.now() + 3_600_000,
      }),
    });
    const harness = createTestHarness(connectorWith(expiring), { config: { username: 'ada', password: PASSWORD } });
    const before = logins;
    await harness.call('me', {});
    await harness.call('me', {});
    expect(logins - before).toBe(2);
  });

  it('fails with AUTH_FAILED when the API rejects a fresh session too: at most 2 API requests', async () => {
    const never = session({
      login: async ({ username, password }, http) => http.post<{ token: string }>('/login', { username, password }),
      apply: () => ({ headers: { Authorization: 'Bearer revoked' } }),
    });
    const harness = createTestHarness(connectorWith(never), { config: { username: 'ada', password: PASSWORD } });
    const before = api.requests.filter((r) => r.path === '/me').length;
    await expect(harness.call('me', {})).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(api.requests.filter((r) => r.path === '/me').length - before).toBe(2);
  });

  it('reports a rejected login as AUTH_FAILED without the password', async () => {
    const harness = createTestHarness(connectorWith(loginAuth), { config: { username: 'ada', password: 'MARKER-bad-pw' } });
    const error = await harness.call('me', {}).catch((e: unknown) => e as Error & { code: string });
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toBe('the login was rejected (401): check the config fields "username" and "password"');
    expect(JSON.stringify(error)).not.toContain('MARKER-bad-pw');
  });
});

describe('defineConnector with auth', () => {
  it('refuses a config field that auth also adds', () => {
    expect(() => defineConnector({ name: 'X', auth: basic(), config: { password: { type: 'line', options: {} } }, methods: {} })).toThrow(
      'X: config field "password" is also added by auth (basic): rename your field',
    );
  });
});
