import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { buildManifest, defineConnector, field, z, type AutocompleteSuggestion } from '../../src/index.js';
import { createTestHarness } from '../../src/testing/index.js';

const ATTRIBUTES: Record<string, AutocompleteSuggestion[]> = {
  deal: [
    { value: 'amount', type: 'number' },
    { value: 'stage', label: 'Stage', description: 'Where the deal stands' },
  ],
};

const crm = defineConnector({
  name: 'CRM',
  config: { region: field.line({ label: 'Region', plain: true, optional: true }) },
  methods: (method) => ({
    ping: method({ description: 'pong', input: z.object({}), handler: () => 'pong' }),
  }),
  autocomplete: async (entity, ctx) => {
    expectTypeOf(ctx.config.region).toEqualTypeOf<string | undefined>();
    if (entity === 'boom') throw new Error('the CRM is down');
    return [...(ATTRIBUTES[entity] ?? []), ...(ctx.variables.withRegion === true ? [`region:${ctx.config.region}`] : [])];
  },
});

describe('the autocomplete hook (§7 __autocomplete)', () => {
  it('answers __autocomplete with the suggestions for the entity, shaped as §4 says', async () => {
    const harness = createTestHarness(crm, { config: { region: 'eu' } });
    expect(await harness.autocomplete('deal')).toEqual(ATTRIBUTES.deal);
    expect(await harness.autocomplete('deal', { withRegion: true })).toContainEqual('region:eu');
    // On the wire an array becomes {"__autocomplete": [...]}; the array form of the query works too.
    expect(await harness.query(['__autocomplete'], { entity: 'deal' })).toMatchObject({
      ok: true,
      result: { __autocomplete: ATTRIBUTES.deal },
    });
  });

  it('refuses a query without an entity with INPUT_INVALID, and reports the hook’s own failure', async () => {
    const harness = createTestHarness(crm);
    for (const variables of [{}, { entity: '' }, { entity: 42 }, null]) {
      const outcome = await harness.query('__autocomplete', variables);
      expect(outcome, JSON.stringify(variables)).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
      expect(outcome.ok || outcome.error.error).toContain('"entity" must be a non-empty string');
    }
    await expect(harness.autocomplete('boom')).rejects.toMatchObject({ code: 'HANDLER_FAILED', message: 'the CRM is down' });
  });

  it('wins over the fallback; without a hook __autocomplete still reaches the fallback', async () => {
    const fallback = vi.fn(() => ({ from: 'fallback' }));
    const both = defineConnector({ name: 'B', methods: {}, autocomplete: () => ['x'], fallback });
    expect(await createTestHarness(both).autocomplete('deal')).toEqual(['x']);
    expect(fallback).not.toHaveBeenCalled();
    const onlyFallback = defineConnector({ name: 'F', methods: {}, fallback });
    expect(await createTestHarness(onlyFallback).autocomplete('deal')).toEqual({ from: 'fallback' });
    const neither = defineConnector({ name: 'N', methods: {} });
    await expect(createTestHarness(neither).autocomplete('deal')).rejects.toMatchObject({ code: 'METHOD_NOT_FOUND' });
  });

  it('is shown in the manifest as a declared __autocomplete with its JSON Schemas', () => {
    const manifest = buildManifest(crm);
    expect(manifest.introspect).toContain('declare function __autocomplete(args: { entity: string; }): Promise<');
    expect(manifest.introspect).toContain('Suggestions for the fields of an entity');
    expect(manifest.methods?.__autocomplete?.input).toMatchObject({ required: ['entity'] });
    expect(buildManifest(defineConnector({ name: 'N', methods: {} })).introspect).not.toContain('__autocomplete');
  });

  it('refuses a definition with both the hook and a method named __autocomplete, or a hook that is no function', () => {
    const method = { description: 'd', input: z.object({}), handler: () => [] };
    expect(() => defineConnector({ name: 'X', methods: { __autocomplete: method }, autocomplete: () => [] })).toThrow(
      expect.objectContaining({ code: 'DEFINITION_INVALID', message: expect.stringContaining('keep the hook') }),
    );
    expect(() => defineConnector({ name: 'Y', methods: {}, autocomplete: 'no' as never })).toThrow(
      expect.objectContaining({ code: 'DEFINITION_INVALID' }),
    );
  });
});
