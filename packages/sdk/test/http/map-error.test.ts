/**
 * `http.mapError` (one place to map a connector's error answers), the whole answer on
 * `HttpError.response`, `throwHttpErrors: false`, and the field-error convention (issue 19 item 2).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ConnectorError, createHttpClient, defineConnector, defineMethod, HttpError, validationFailed, z } from '../../src/index.js';
import { createTestHarness } from '../../src/testing/index.js';
import type { RequestAuthenticator } from '../../src/http/authenticator.js';
import type { HttpErrorResponse } from '../../src/http/errors.js';
import { startApi, type TestApi } from '../support/api-server.js';

const TOKEN = 'tok-MARKER-9f3a';
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
const fixedAuth: RequestAuthenticator = {
  credentials: async () => ({ headers: { Authorization: `Bearer ${TOKEN}` }, query: {} }),
  renew: async () => false,
  secrets: () => [TOKEN],
  rejectedHint: () => 'check the token',
};

/** Eight field errors, with a long message each: far past the 500 characters of `HttpError.body`. */
const FIELDS = Array.from({ length: 8 }, (_, i) => ({ field: `field${i}`, message: `${'is not acceptable, '.repeat(5)}#${i}` }));

describe('HttpError.response', () => {
  it('holds the whole answer, unredacted, and stays out of messages, details, JSON and logs', async () => {
    const server = await api(() => ({
      status: 422,
      headers: { 'x-request-id': 'req-42' },
      body: { errors: FIELDS, echo: `you sent ${TOKEN}` },
    }));
    const http = createHttpClient({ baseUrl: server.url }, { auth: fixedAuth });
    const error = (await http.post('/contacts', { email: 'x' }).catch((e: unknown) => e)) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    expect(error.body.length).toBeLessThanOrEqual(501);
    expect(error.response).toMatchObject({ status: 422, method: 'POST', url: `${server.url}/contacts`, data: { errors: FIELDS } });
    expect(error.response!.headers.get('x-request-id')).toBe('req-42');
    expect(error.response!.text).toContain(TOKEN);
    // What leaves: the excerpt is redacted, and the response is in none of these.
    for (const shown of [error.message, JSON.stringify(error), JSON.stringify(error.details), JSON.stringify({ ...error })]) {
      expect(shown).not.toContain(TOKEN);
      expect(shown).not.toContain('#7');
    }
    let logged = '';
    const logger = pino({}, { write: (line: string) => void (logged += line) });
    logger.error({ err: error }, 'failed');
    expect(logged).toContain('422');
    expect(logged).not.toContain(TOKEN);
  });

  it('has the text of a body that is not JSON, and undefined data for an empty one', async () => {
    const server = await api((req) => (req.path === '/empty' ? { status: 500 } : { status: 503, body: 'down for maintenance' }));
    const http = createHttpClient({ baseUrl: server.url, retry: false });
    const text = (await http.get('/x').catch((e: unknown) => e)) as HttpError;
    expect(text.response).toMatchObject({ status: 503, data: 'down for maintenance', text: 'down for maintenance' });
    const empty = (await http.get('/empty').catch((e: unknown) => e)) as HttpError;
    expect(empty.response).toMatchObject({ status: 500, data: undefined, text: '' });
  });
});

describe('http.mapError', () => {
  it('maps every error answer of every request in one place, after retries', async () => {
    const server = await api((req) => {
      if (req.path === '/flaky') return { status: server.requests.length < 2 ? 503 : 404, body: { error: 'gone' } };
      if (req.path === '/contacts') return { status: 422, body: { errors: FIELDS } };
      return { status: 404, body: { error: 'not_found' } };
    });
    const seen: HttpErrorResponse[] = [];
    const http = createHttpClient({
      baseUrl: server.url,
      retry: { baseMs: 1, capMs: 2 },
      mapError: (response, error) => {
        seen.push(response);
        expect(error).toBeInstanceOf(HttpError);
        if (response.status === 404) return new ConnectorError('NOT_FOUND', `nothing at ${new URL(response.url).pathname}`);
        if (response.status === 422) return validationFailed((response.data as { errors: typeof FIELDS }).errors);
        return undefined;
      },
    });
    await expect(http.get('/contacts/7')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'nothing at /contacts/7' });
    const refused = (await http.post('/contacts', {}).catch((e: unknown) => e)) as ConnectorError;
    expect(refused.code).toBe('VALIDATION_FAILED');
    expect(refused.details).toEqual({ fields: FIELDS });
    // The 503 was retried; only the final 404 was mapped.
    await expect(http.get('/flaky')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(seen.map((r) => r.status)).toEqual([404, 422, 404]);
    // paginate and page go through it too.
    await expect(
      http.page('/contacts/7', { pagination: { type: 'cursor', items: (p: { data: unknown[] }) => p.data, next: () => null } }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('keeps the HttpError when it returns nothing', async () => {
    const server = await api(() => ({ status: 409, body: { error: 'conflict' } }));
    const http = createHttpClient({ baseUrl: server.url, mapError: () => undefined });
    await expect(http.put('/x', {})).rejects.toMatchObject({ name: 'HttpError', code: 'HTTP_ERROR', status: 409 });
  });

  it("replaces the connector's secrets in what the mapped error says, not in what mapError sees", async () => {
    const server = await api(() => ({
      status: 400,
      body: { error: `bad token ${TOKEN}`, fields: [{ field: 'x', message: `x=${TOKEN}` }] },
    }));
    let sawSecret = false;
    const http = createHttpClient(
      {
        baseUrl: server.url,
        mapError: (response) => {
          sawSecret = response.text.includes(TOKEN);
          const data = response.data as { error: string; fields: Array<{ field: string; message: string }> };
          return new ConnectorError('BAD_REQUEST', data.error, { details: { fields: data.fields, [TOKEN]: 1 } });
        },
      },
      { auth: fixedAuth },
    );
    const error = (await http.get('/x').catch((e: unknown) => e)) as ConnectorError;
    expect(sawSecret).toBe(true);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toBe('bad token [redacted]');
    expect(error.details).toEqual({ fields: [{ field: 'x', message: 'x=[redacted]' }], '[redacted]': 1 });
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it('reports a mapError that throws, or returns something other than an Error', async () => {
    const server = await api(() => ({ status: 404 }));
    const throwing = createHttpClient({
      baseUrl: server.url,
      mapError: () => {
        throw new ConnectorError('MAPPED', 'thrown from mapError');
      },
    });
    await expect(throwing.get('/x')).rejects.toMatchObject({ code: 'MAPPED' });
    const wrong = createHttpClient({ baseUrl: server.url, mapError: () => 'NOT_FOUND' as unknown as Error });
    await expect(wrong.get('/x')).rejects.toMatchObject({ code: 'DEFINITION_INVALID', message: expect.stringContaining('string') });
  });
});

describe('throwHttpErrors: false', () => {
  it('resolves with any answer, after retries, without calling mapError', async () => {
    let busy = 0;
    const server = await api((req) => {
      if (req.path === '/busy' && busy++ === 0) return { status: 503 };
      return { status: req.path === '/ok' ? 200 : 422, body: { errors: FIELDS } };
    });
    let mapped = 0;
    const http = createHttpClient({ baseUrl: server.url, retry: { baseMs: 1, capMs: 2 }, mapError: () => void (mapped += 1) });
    const refused = await http.request<{ errors: typeof FIELDS }>('/contacts', { method: 'POST', json: {}, throwHttpErrors: false });
    expect(refused).toMatchObject({ status: 422, ok: false, data: { errors: FIELDS } });
    const retried = await http.request('/busy', { throwHttpErrors: false });
    expect(retried).toMatchObject({ status: 422, ok: false });
    expect(server.requests.filter((r) => r.path === '/busy')).toHaveLength(2);
    expect(await http.request('/ok', { throwHttpErrors: false })).toMatchObject({ status: 200, ok: true });
    expect(mapped).toBe(0);
  });
});

describe('mapError in a connector', () => {
  it('applies to ctx.http of every method, and the field errors reach the caller as details.fields', async () => {
    const server = await api((req) => (req.path === '/contacts' ? { status: 422, body: { errors: FIELDS } } : { status: 404 }));
    const connector = defineConnector({
      name: 'Mapped',
      http: {
        baseUrl: server.url,
        mapError: (response) => {
          if (response.status === 404) return new ConnectorError('NOT_FOUND', 'no such contact');
          if (response.status === 422)
            return validationFailed((response.data as { errors: typeof FIELDS }).errors, 'the CRM refused the contact');
          return undefined;
        },
      },
      methods: {
        get: defineMethod({ description: 'One contact', input: z.object({}), handler: (_i, ctx) => ctx.http.get('/contacts/1') }),
        create: defineMethod({ description: 'A new contact', input: z.object({}), handler: (_i, ctx) => ctx.http.post('/contacts', {}) }),
      },
    });
    const harness = createTestHarness(connector);
    await harness.start();
    expect(await harness.query('get', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', error: 'no such contact' } });
    expect(await harness.query('create', {})).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', error: 'the CRM refused the contact', details: { fields: FIELDS } },
    });
    await harness.stop();
  });
});

describe('validationFailed', () => {
  it('builds VALIDATION_FAILED with details.fields and a message naming each field', () => {
    const error = validationFailed([
      { field: 'email', message: 'is invalid', code: 'format' },
      { field: 'name', message: 'is required' },
    ]);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('the input was refused: email: is invalid; name: is required');
    expect(error.details).toEqual({
      fields: [
        { field: 'email', message: 'is invalid', code: 'format' },
        { field: 'name', message: 'is required' },
      ],
    });
  });
});
