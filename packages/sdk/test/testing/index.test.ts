import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { apiKey, ConnectorError, defineConnector, field, oauth2 } from '../../src/index.js';
import { createTestClock, createTestHarness, type HarnessConfig } from '../../src/testing/index.js';
import { startApi, type TestApi } from '../support/api-server.js';

const events: string[] = [];

const connector = defineConnector({
  name: 'Harness test',
  config: { greeting: field.line({ plain: true, optional: true }) },
  methods: (method) => ({
    hello: method({
      description: 'greets',
      input: z.object({ name: z.string().min(1).default('world') }),
      output: z.object({ message: z.string() }),
      handler: ({ name }, ctx) => ({ message: `${ctx.config.greeting ?? 'Hello'}, ${name}` }),
    }),
    'tasks.remind': method({
      description: 'files a task, then updates it',
      input: z.object({ title: z.string() }),
      output: z.object({ taskId: z.string() }),
      handler: async ({ title }, ctx) => {
        const taskId = await ctx.tasks.create('reminder', { title });
        await ctx.tasks.update(taskId, { filed: true });
        return { taskId };
      },
    }),
    count: method({ description: 'a number', input: z.object({}), output: z.number(), handler: () => 3 }),
    word: method({ description: 'a string, no output schema', input: z.object({}), handler: () => 'hi' }),
    echo: method({ description: 'returns its input', input: z.looseObject({}), handler: (input) => input }),
  }),
  start: (ctx) => void events.push(`start ${String(ctx.config.greeting)}`),
  stop: () => void events.push('stop'),
});

describe('createTestHarness', () => {
  it('calls a method with typed input and output', async () => {
    const harness = createTestHarness(connector, { config: { greeting: 'Hi' } });
    const result = await harness.call('hello', { name: 'Ada' });
    expectTypeOf(result).toEqualTypeOf<{ message: string }>();
    expect(result).toEqual({ message: 'Hi, Ada' });
    await expect(harness.call('hello')).resolves.toEqual({ message: 'Hi, world' });
    expectTypeOf(harness.call).parameter(0).toEqualTypeOf<'hello' | 'tasks.remind' | 'count' | 'word' | 'echo'>();
    expectTypeOf(harness.call<'hello'>)
      .parameter(1)
      .toEqualTypeOf<{ name?: string | undefined } | undefined>();
    // @ts-expect-error: not a method of this connector
    await expect(harness.call('goodbye')).rejects.toMatchObject({ code: 'METHOD_NOT_FOUND' });
  });

  it('returns what the handler returned, also for results that are not objects', async () => {
    const harness = createTestHarness(connector);
    const count = await harness.call('count');
    expectTypeOf(count).toEqualTypeOf<number>();
    expect(count).toBe(3);
    expect(await harness.call('word')).toBe('hi');
    // An object result whose only key is the method's name is still the object.
    expect(await harness.call('echo', { echo: 1 })).toEqual({ echo: 1 });
  });

  it('records the tasks handlers create and update', async () => {
    const harness = createTestHarness(connector);
    await expect(harness.call('tasks.remind', { title: 'water plants' })).resolves.toEqual({ taskId: 'task-1' });
    await harness.call('tasks.remind', { title: 'feed cat' });
    expect(harness.tasks).toEqual([
      { id: 'task-1', name: 'reminder', data: { title: 'water plants', filed: true } },
      { id: 'task-2', name: 'reminder', data: { title: 'feed cat', filed: true } },
    ]);
  });

  it('throws the error answer as a ConnectorError with its code and details', async () => {
    const harness = createTestHarness(connector);
    const error = await harness.call('hello', { name: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).toJSON()).toMatchInlineSnapshot(`
      {
        "code": "INPUT_INVALID",
        "details": [
          {
            "code": "too_small",
            "message": "Too small: expected string to have >=1 characters",
            "path": [
              "name",
            ],
          },
        ],
        "message": "invalid input for hello: name: Too small: expected string to have >=1 characters",
        "name": "ConnectorError",
        "retryable": false,
      }
    `);
  });

  it('gives the raw outcome of any query, shaped as on the wire', async () => {
    const harness = createTestHarness(connector);
    expect(await harness.query('count')).toEqual({ ok: true, result: { count: 3 }, value: 3 });
    expect(await harness.query('__proto__')).toMatchObject({ ok: false, error: { code: 'METHOD_NOT_FOUND' } });
  });

  it('runs start and stop with the config, and setConfig replaces it', async () => {
    events.length = 0;
    const harness = createTestHarness(connector, { config: { greeting: 'Hey' } });
    await harness.start();
    harness.setConfig({ greeting: 'Yo' });
    await harness.start();
    await harness.stop();
    expect(events).toEqual(['start Hey', 'start Yo', 'stop']);
    await expect(harness.call('hello', { name: 'Bo' })).resolves.toEqual({ message: 'Yo, Bo' });
  });
});

describe('createTestHarness config', () => {
  it('is typed from the fields and the auth, so a misspelt field fails to compile', () => {
    const typed = defineConnector({
      name: 'Typed',
      config: { region: field.line({ plain: true }), limit: field.number({ plain: true, optional: true }) },
      auth: apiKey({ in: 'header' }),
      methods: { ping: { description: 'd', input: z.object({}), handler: () => 'pong' } },
    });
    const harness = createTestHarness(typed, { config: { region: 'eu', apiKey: 'k', _endpointToken: 'managed fields pass' } });
    expectTypeOf(harness.config).toEqualTypeOf<
      HarnessConfig<{ readonly region: string; readonly limit: number | undefined } & { readonly apiKey: string }>
    >();
    // @ts-expect-error: "regoin" is not a field of this connector
    createTestHarness(typed, { config: { regoin: 'eu' } });
    // @ts-expect-error: limit is a number
    createTestHarness(typed, { config: { limit: '10' } });
    expect(harness.config).toEqual({ region: 'eu', apiKey: 'k', _endpointToken: 'managed fields pass' });
    // @ts-expect-error: setConfig checks the same way
    harness.setConfig({ apikey: 'k' });
  });
});

describe('createTestHarness with OAuth and a clock', () => {
  let provider: TestApi;
  let issued = 0;
  /** Access tokens the API accepts right now. */
  let valid: Set<string>;
  beforeEach(async () => {
    issued = 0;
    valid = new Set(['at-0']);
    provider = await startApi((req) => {
      if (req.path === '/token') {
        const body = new URLSearchParams(req.body);
        if (body.get('refresh_token') !== `rt-${issued}`) return { status: 400, body: { error: 'invalid_grant' } };
        issued += 1;
        valid = new Set([`at-${issued}`]);
        // 60 s tokens and a new refresh token each time (rotation).
        return { body: { access_token: `at-${issued}`, refresh_token: `rt-${issued}`, expires_in: 60, token_type: 'Bearer' } };
      }
      if (req.path === '/busy') return req.query.get('again') ? { body: { ok: true } } : { status: 429, headers: { 'retry-after': '30' } };
      const token = req.headers.authorization?.replace('Bearer ', '') ?? '';
      return valid.has(token) ? { body: { token } } : { status: 401, body: { error: 'invalid_token' } };
    });
  });
  afterEach(() => provider.close());

  function oauthConnector() {
    return defineConnector({
      name: 'CRM',
      auth: oauth2({ authorizationUrl: `${provider.url}/authorize`, tokenUrl: `${provider.url}/token`, clientId: 'c', skewMs: 10_000 }),
      http: { baseUrl: provider.url },
      methods: (m) => ({
        me: m({ description: 'token in use', input: z.object({}), handler: (_i, ctx) => ctx.http.get('/me') }),
        busy: m({
          description: 'a POST the API rate-limits once',
          input: z.object({}),
          handler: async (_i, ctx) => {
            let again = false;
            const res = await ctx.http.request('/busy', {
              method: 'POST',
              retry: { rateLimited: 'always' },
              get query() {
                const q = again ? { again: 1 } : {};
                again = true;
                return q;
              },
            });
            return res.data as object;
          },
        }),
      }),
    });
  }

  it('lets 60 s tokens expire on the clock, refreshes with rotation, and shows the saved token sets', async () => {
    const clock = createTestClock({ now: 1_000_000 });
    const harness = createTestHarness(oauthConnector(), {
      clock,
      config: { oauthResult: { access_token: 'at-0', refresh_token: 'rt-0', expires_at: clock.now() + 60_000, obtained_at: clock.now() } },
    });
    expect(await harness.call('me')).toEqual({ token: 'at-0' });
    expect(harness.savedTokens).toEqual([]);
    await clock.advance(45_000);
    expect(await harness.call('me')).toEqual({ token: 'at-0' });
    await clock.advance(6_000); // within the 10 s skew of expiry
    expect(await harness.call('me')).toEqual({ token: 'at-1' });
    await clock.advance(61_000);
    expect(await harness.call('me')).toEqual({ token: 'at-2' });
    expect(harness.savedTokens.map((t) => [t.access_token, t.refresh_token, t.expires_at])).toEqual([
      ['at-1', 'rt-1', 1_051_000 + 60_000],
      ['at-2', 'rt-2', 1_112_000 + 60_000],
    ]);
    expect(harness.tokens).toMatchObject({ access_token: 'at-2', refresh_token: 'rt-2' });
    expect(harness.config.oauthResult).toMatchObject({ access_token: 'at-2' });
    expect(provider.requests.filter((r) => r.path === '/token')).toHaveLength(2);
  });

  it('waits out Retry-After on the clock, at once in real time', async () => {
    const clock = createTestClock({ now: 0 });
    const harness = createTestHarness(oauthConnector(), {
      clock,
      config: { oauthResult: { access_token: 'at-0', refresh_token: 'rt-0', expires_at: 3_600_000, obtained_at: 0 } },
    });
    expect(await harness.call('busy')).toEqual({ ok: true });
    expect(clock.waits).toEqual([30_000]);
    expect(clock.now()).toBe(30_000);
    expect(provider.requests.filter((r) => r.path === '/busy')).toHaveLength(2);
  });

  it('names the connector in REAUTHORIZATION_REQUIRED', async () => {
    const harness = createTestHarness(oauthConnector(), { name: 'crm-test' });
    await expect(harness.call('me')).rejects.toMatchObject({
      code: 'REAUTHORIZATION_REQUIRED',
      message: "not connected yet: connect the account with 'workspace oauth connect crm-test'",
    });
    expect(harness.tokens).toBeUndefined();
  });
});
