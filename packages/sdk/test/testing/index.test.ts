import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { ConnectorError, defineConnector, field } from '../../src/index.js';
import { createTestHarness } from '../../src/testing/index.js';

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
