import { describe, expect, it } from 'vitest';
import { buildManifest, ConnectorError, defineConnector, defineMethod, field, z } from '../../src/index.js';
import { lintConnector } from '../../src/cli/validate.js';
import { createTestHarness } from '../../src/testing/index.js';

const Order = z.object({ orderId: z.string(), total: z.number() });

const shop = defineConnector({
  name: 'Shop',
  config: { store: field.line({ label: 'Store', plain: true, description: 'The store' }) },
  methods: { ping: defineMethod({ description: 'pong', input: z.object({}), handler: () => 'pong' }) },
  endpoint: async (data, ctx) => {
    const parsed = Order.safeParse(data);
    if (!parsed.success) throw new ConnectorError('INPUT_INVALID', `not an order: ${parsed.error.issues[0]?.message}`);
    const task = await ctx.tasks.create(`Order ${parsed.data.orderId} in ${ctx.config.store}`, parsed.data);
    return { task };
  },
});

describe('the endpoint option (§7 _endpoint)', () => {
  it('hands posted data to the handler, which creates a task; __endpoint (v1) reaches it too', async () => {
    const harness = createTestHarness(shop, { config: { store: 'berlin' } });
    expect(await harness.endpoint({ orderId: 'o-1', total: 5 })).toEqual({ task: 'task-1' });
    expect(harness.tasks[0]).toMatchObject({ name: 'Order o-1 in berlin', data: { orderId: 'o-1', total: 5 } });
    expect(await harness.query('__endpoint', { orderId: 'o-2', total: 1 })).toMatchObject({ ok: true, result: { task: 'task-2' } });
    await expect(harness.endpoint({ orderId: 3 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });

  it('adds the managed, plain _endpointToken field to the manifest, and nothing to the declarations', () => {
    const manifest = buildManifest(shop);
    expect(manifest.configSchema.fields._endpointToken).toMatchObject({ type: 'managed', plain: true, name: 'Endpoint Token' });
    expect(manifest.introspect).not.toContain('endpoint');
    expect(buildManifest(defineConnector({ name: 'N', methods: {} })).configSchema.fields).not.toHaveProperty('_endpointToken');
  });

  it('gives a v1-style `_endpoint` method the token field too, and validate accepts §7 names with a warning', () => {
    const v1 = defineConnector({
      name: 'V1',
      summary: 's',
      description: 'd',
      methods: {
        _endpoint: defineMethod({ description: 'takes posted data', input: z.object({}).passthrough(), handler: (d) => d }),
        __default: defineMethod({
          description: 'any other name',
          input: z.object({ __method: z.string() }).passthrough(),
          handler: (d) => d,
        }),
      },
    });
    expect(buildManifest(v1).configSchema.fields._endpointToken).toMatchObject({ type: 'managed' });
    const issues = lintConnector(v1);
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(issues).toContainEqual(
      expect.objectContaining({ severity: 'warning', where: 'method _endpoint', message: expect.stringContaining('`endpoint` option') }),
    );
    const other = defineConnector({
      name: 'O',
      methods: { _private: defineMethod({ description: 'd', input: z.object({}), handler: () => 1 }) },
    });
    expect(lintConnector(other)).toContainEqual(expect.objectContaining({ severity: 'error', where: 'method _private' }));
  });

  it('routes unknown names to a v1-style `__default` method with __method, when there is no fallback hook', async () => {
    const v1 = defineConnector({
      name: 'V1',
      methods: {
        __default: defineMethod({ description: 'd', input: z.object({ __method: z.string() }).passthrough(), handler: (d) => d }),
      },
    });
    expect(await createTestHarness(v1).query('crm.anything', { a: 1 })).toMatchObject({
      ok: true,
      value: { a: 1, __method: 'crm.anything' },
    });
  });

  it('refuses a definition with the option and an _endpoint method, or a declared _endpointToken field', () => {
    const method = defineMethod({ description: 'd', input: z.object({}), handler: () => 1 });
    expect(() => defineConnector({ name: 'X', methods: { __endpoint: method }, endpoint: () => 1 })).toThrow(
      expect.objectContaining({ code: 'DEFINITION_INVALID', message: expect.stringContaining('keep the option') }),
    );
    expect(() => defineConnector({ name: 'Y', config: { _endpointToken: field.line({ label: 't' }) }, methods: {} })).toThrow(
      expect.objectContaining({ code: 'DEFINITION_INVALID', message: expect.stringContaining('managed by the workspace') }),
    );
    expect(() => defineConnector({ name: 'Z', methods: {}, endpoint: {} as never })).toThrow(
      expect.objectContaining({ code: 'DEFINITION_INVALID' }),
    );
  });

  it('fails _endpoint with METHOD_NOT_FOUND on a connector without an endpoint', async () => {
    await expect(createTestHarness(defineConnector({ name: 'N', methods: {} })).endpoint({})).rejects.toMatchObject({
      code: 'METHOD_NOT_FOUND',
    });
  });
});
