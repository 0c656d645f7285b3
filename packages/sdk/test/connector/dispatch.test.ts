import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ConnectorError, defineConnector, defineMethod } from '../../src/index.js';
import { Dispatcher, shapeResult, type CallEnvironment, type CallOutcome } from '../../src/connector/dispatch.js';
import type { TaskApi } from '../../src/connector/context.js';
import { silentLogger } from '../support/logs.js';
import { createBlobApi } from '../../src/runtime/blobs.js';

const noBlobs = createBlobApi({ request: () => Promise.reject(new Error('no blobs in this test')) });
const tasks: TaskApi = {
  create: () => Promise.reject(new Error('no tasks in this test')),
  update: () => Promise.reject(new Error('no tasks in this test')),
};

function resultOf(outcome: CallOutcome): Record<string, unknown> {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.error}`);
  return outcome.result;
}

function env(config: unknown = {}): CallEnvironment {
  return { config, logger: silentLogger, tasks, blobs: noBlobs, signal: new AbortController().signal };
}

const connector = defineConnector({
  name: 'Test',
  methods: {
    greet: defineMethod({
      description: 'greets',
      input: z.object({ name: z.string().min(1), times: z.number().int().default(1) }),
      output: z.object({ message: z.string() }),
      handler: ({ name, times }) => ({ message: `hi ${name}`.repeat(times) }),
    }),
    'crm.contacts.count': defineMethod({ description: 'a number', input: z.object({}), handler: () => 42 }),
    text: defineMethod({ description: 'a string', input: z.object({}), handler: () => 'plain' }),
    nothing: defineMethod({ description: 'undefined', input: z.object({}), handler: () => undefined }),
    list: defineMethod({ description: 'an array', input: z.object({}), handler: () => [1, 2] }),
    liar: defineMethod({
      description: 'breaks its output schema',
      input: z.object({}),
      output: z.object({ id: z.string() }),
      handler: () => ({ id: 7 }) as never,
    }),
    refuses: defineMethod({
      description: 'throws a ConnectorError',
      input: z.object({}),
      handler: () => {
        throw new ConnectorError('RATE_LIMITED', 'the CRM allows 10 calls a second; try again in 2 s', {
          retryable: true,
          details: { retryAfter: 2 },
        });
      },
    }),
    crashes: defineMethod({
      description: 'throws a plain Error',
      input: z.object({}),
      handler: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'id')");
      },
    }),
    throwsString: defineMethod({
      description: 'throws a non-Error',
      input: z.object({}),
      handler: () => {
        throw 'just a string';
      },
    }),
    loose: defineMethod({
      description: 'keeps unknown keys',
      input: z.looseObject({}),
      handler: (input) => ({ keys: Object.keys(input) }),
    }),
    record: defineMethod({
      description: 'a record',
      input: z.object({ data: z.record(z.string(), z.unknown()) }),
      handler: ({ data }) => ({ n: Object.keys(data).length }),
    }),
    _endpoint: defineMethod({ description: 'endpoint', input: z.looseObject({}), handler: (input) => ({ received: input }) }),
  },
});

const dispatcher = new Dispatcher(connector);

describe('Dispatcher', () => {
  it('runs a method with parsed input, defaults applied', async () => {
    expect(await dispatcher.call('greet', { name: 'Ada' }, env())).toEqual({
      ok: true,
      result: { message: 'hi Ada' },
      value: { message: 'hi Ada' },
    });
    expect(resultOf(await dispatcher.call(['greet'], { name: 'Ada', times: 2 }, env()))).toEqual({ message: 'hi Adahi Ada' });
  });

  it('answers INPUT_INVALID with the issues as details and a readable message, without the input values', async () => {
    const outcome = await dispatcher.call('greet', { name: '', times: 1.5, secret: 'hunter2' }, env());
    expect(outcome).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "INPUT_INVALID",
          "details": [
            {
              "code": "too_small",
              "message": "Too small: expected string to have >=1 characters",
              "path": [
                "name",
              ],
            },
            {
              "code": "invalid_type",
              "message": "Invalid input: expected int, received number",
              "path": [
                "times",
              ],
            },
          ],
          "error": "invalid input for greet: name: Too small: expected string to have >=1 characters; times: Invalid input: expected int, received number",
        },
        "ok": false,
      }
    `);
  });

  it('treats missing variables as an empty object', async () => {
    const outcome = await dispatcher.call('greet', undefined, env());
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.error).toBe('invalid input for greet: name: Invalid input: expected string, received undefined');
    expect(await dispatcher.call('text', null, env())).toEqual({ ok: true, result: { text: 'plain' }, value: 'plain' });
  });

  it('answers OUTPUT_INVALID when the handler breaks its own output schema, and logs it', async () => {
    const logger = { ...silentLogger, error: vi.fn(), warn: vi.fn() } as unknown as typeof silentLogger;
    const outcome = await dispatcher.call('liar', {}, { ...env(), logger });
    expect(outcome).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "OUTPUT_INVALID",
          "details": [
            {
              "code": "invalid_type",
              "message": "Invalid input: expected string, received number",
              "path": [
                "id",
              ],
            },
          ],
          "error": "liar returned a result that does not match its output schema (a bug in the connector; see its log)",
        },
        "ok": false,
      }
    `);
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('passes a ConnectorError on with its code, details and retryable', async () => {
    expect(await dispatcher.call('refuses', {}, env())).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "RATE_LIMITED",
          "details": {
            "retryAfter": 2,
          },
          "error": "the CRM allows 10 calls a second; try again in 2 s",
          "retryable": true,
        },
        "ok": false,
      }
    `);
  });

  it('turns any other throw into HANDLER_FAILED', async () => {
    expect(await dispatcher.call('crashes', {}, env())).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "HANDLER_FAILED",
          "error": "Cannot read properties of undefined (reading 'id')",
        },
        "ok": false,
      }
    `);
    expect(await dispatcher.call('throwsString', {}, env())).toEqual({
      ok: false,
      error: { error: 'just a string', code: 'HANDLER_FAILED' },
    });
  });

  it('answers METHOD_NOT_FOUND listing the methods there are', async () => {
    expect(await dispatcher.call('greeet', {}, env())).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "METHOD_NOT_FOUND",
          "error": "unknown method "greeet": this connector has greet, crm.contacts.count, text, nothing, list, liar, refuses, crashes, throwsString, loose, record, _endpoint",
        },
        "ok": false,
      }
    `);
    const none = new Dispatcher(defineConnector({ name: 'Empty', methods: {} }));
    const outcome = await none.call(42, {}, env());
    expect(!outcome.ok && outcome.error.error).toBe('unknown method "number": this connector has (none)');
  });

  it.each([
    ['__proto__'],
    ['constructor'],
    ['prototype'],
    ['toString'],
    ['hasOwnProperty'],
    ['valueOf'],
    ['greet.constructor'],
    [['greet', '__proto__']],
  ])('never resolves %j, not even to the fallback', async (query: unknown) => {
    const fallback = vi.fn(() => 'reached');
    const withFallback = new Dispatcher(defineConnector({ name: 'F', methods: {}, fallback }));
    expect(dispatcher.resolve(query)).toBeUndefined();
    const outcome = await withFallback.call(query, {}, env());
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.code).toBe('METHOD_NOT_FOUND');
    expect(fallback).not.toHaveBeenCalled();
  });

  it('leaves Object.prototype untouched by payloads with "__proto__" keys', async () => {
    const evil = JSON.parse(
      '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "data": {"__proto__": {"polluted": "yes"}}}',
    ) as unknown;
    for (const query of ['loose', 'record', 'greet', '_endpoint', '__endpoint']) await dispatcher.call(query, evil, env());
    const withFallback = new Dispatcher(defineConnector({ name: 'F', methods: {}, fallback: (_n, vars) => vars }));
    const outcome = await withFallback.call('anything', evil, env());
    expect(outcome.ok && Object.hasOwn(outcome.result, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('shapes non-object results as {"<query>": value} (§4)', async () => {
    const results = await Promise.all([
      dispatcher.call('crm.contacts.count', {}, env()),
      dispatcher.call(['crm', 'contacts', 'count'], {}, env()),
      dispatcher.call('text', {}, env()),
      dispatcher.call('nothing', {}, env()),
      dispatcher.call('list', {}, env()),
    ]);
    expect(results.map((r) => r.ok && r.result)).toEqual([
      { 'crm.contacts.count': 42 },
      { 'crm.contacts.count': 42 },
      { text: 'plain' },
      { nothing: null },
      { list: [1, 2] },
    ]);
  });

  it('gives the fallback handler the name, and the variables with __method', async () => {
    const fallback = vi.fn((name: string, variables: Record<string, unknown>, _ctx: unknown) => ({ name, variables }));
    const withFallback = new Dispatcher(defineConnector({ name: 'F', methods: {}, fallback }));
    expect(resultOf(await withFallback.call('crm.deals.search', { q: 'x' }, env()))).toEqual({
      name: 'crm.deals.search',
      variables: { q: 'x', __method: 'crm.deals.search' },
    });
    expect(fallback.mock.calls[0]?.[2]).toMatchObject({ method: 'crm.deals.search' });
  });

  it('turns a throwing fallback into an error answer', async () => {
    const withFallback = new Dispatcher(
      defineConnector({
        name: 'F',
        methods: {},
        fallback: () => {
          throw new ConnectorError('NOT_SUPPORTED', 'no such thing');
        },
      }),
    );
    expect(await withFallback.call('x', {}, env())).toEqual({
      ok: false,
      error: { error: 'no such thing', code: 'NOT_SUPPORTED', retryable: false },
    });
  });

  it('maps __endpoint (v1) to the _endpoint method (§7)', async () => {
    expect(dispatcher.resolve('__endpoint')?.name).toBe('_endpoint');
    expect(resultOf(await dispatcher.call('__endpoint', { body: 1 }, env()))).toEqual({ received: { body: 1 } });
  });

  it('hands the handler a context with config, method name and taskId', async () => {
    const seen = vi.fn();
    const d = new Dispatcher(
      defineConnector({
        name: 'C',
        methods: { a: defineMethod({ description: 'd', input: z.object({}), handler: (_i, ctx) => void seen(ctx) }) },
      }),
    );
    await d.call('a', {}, { ...env({ k: 'v' }), taskId: 'task-7' });
    expect(seen.mock.calls[0]?.[0]).toMatchObject({ config: { k: 'v' }, method: 'a', taskId: 'task-7' });
  });

  it("reads the call's logger, signal and http only when the handler uses them, and makes one http client per call", async () => {
    const reads: string[] = [];
    const signal = new AbortController().signal;
    const lazy: CallEnvironment = {
      config: {},
      tasks,
      blobs: noBlobs,
      get logger() {
        reads.push('logger');
        return silentLogger;
      },
      get signal() {
        reads.push('signal');
        return signal;
      },
    };
    const clients: unknown[] = [];
    const d = new Dispatcher(
      defineConnector({
        name: 'C',
        methods: {
          idle: defineMethod({ description: 'd', input: z.object({}), handler: () => ({}) }),
          busy: defineMethod({
            description: 'd',
            input: z.object({}),
            handler: (_i, ctx) => {
              clients.push(ctx.http, ctx.http);
              return { aborted: ctx.signal.aborted, hasTaskId: 'taskId' in ctx };
            },
          }),
        },
      }),
    );
    expect(resultOf(await d.call('idle', {}, lazy))).toEqual({});
    expect(reads).toEqual([]);
    expect(resultOf(await d.call('busy', {}, lazy))).toEqual({ aborted: false, hasTaskId: false });
    expect(clients[0]).toBe(clients[1]);
    expect(reads).toContain('signal');
  });
});

describe('Dispatcher with async refinements', () => {
  it('validates input and output whose schemas refine asynchronously, on the first call and later ones', async () => {
    const seen: string[] = [];
    const isKnown = async (name: string): Promise<boolean> => {
      seen.push(name);
      await new Promise((resolve) => setTimeout(resolve, 1));
      return name !== 'nobody';
    };
    const asyncConnector = defineConnector({
      id: 'async-refine',
      name: 'Async refine',
      methods: {
        greet: defineMethod({
          description: 'Greets a known person',
          input: z.object({ name: z.string().refine(isKnown, 'unknown person') }),
          output: z.object({ text: z.string().refine(async (text) => text.startsWith('Hello'), 'not a greeting') }),
          handler: ({ name }) => ({ text: name === 'rude' ? 'Go away' : `Hello ${name}` }),
        }),
      },
    });
    const async = new Dispatcher(asyncConnector);
    for (const name of ['Ada', 'Grace']) expect(resultOf(await async.call('greet', { name }, env()))).toEqual({ text: `Hello ${name}` });
    const unknown = await async.call('greet', { name: 'nobody' }, env());
    expect(unknown).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', error: expect.stringContaining('unknown person') } });
    const rude = await async.call('greet', { name: 'rude' }, env());
    expect(rude).toMatchObject({ ok: false, error: { code: 'OUTPUT_INVALID' } });
    // The refinement runs twice only on the schema's first use (the synchronous attempt), then once per call.
    expect(seen).toEqual(['Ada', 'Ada', 'Grace', 'nobody', 'rude']);
  });
});

describe('shapeResult', () => {
  it('makes a "__proto__" key an own property, never a prototype', () => {
    expect(Object.prototype).not.toHaveProperty('polluted');
    const shaped = shapeResult('__proto__', 5);
    expect(Object.getPrototypeOf(shaped)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(shaped, '__proto__')?.value).toBe(5);
    expect(JSON.stringify(shapeResult('__proto__', { polluted: true }))).toBe('{"polluted":true}');
  });
});
