import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildManifest, defineConnector, field } from '../../src/index.js';

const connector = defineConnector({
  name: 'Hello',
  summary: 'Says hello',
  config: { greeting: field.line({ plain: true, optional: true }) },
  methods: (method) => ({
    hello: method({
      description: 'Say hello to someone',
      input: z.object({ name: z.string().min(1).default('world').describe('Who to greet') }),
      output: z.object({ message: z.string() }),
      handler: ({ name }) => ({ message: `Hello, ${name}` }),
    }),
    'crm.ping': method({ description: 'Ping', input: z.object({}), handler: () => 'pong' }),
  }),
});

describe('buildManifest', () => {
  const manifest = buildManifest(connector);

  it('carries the configSchema of §2', () => {
    expect(manifest.configSchema).toEqual({
      fields: { greeting: { name: 'greeting', type: 'line', optional: true, plain: true } },
      summary: 'Says hello',
    });
  });

  it('adds managed fields passed as extras', () => {
    const withExtra = buildManifest(connector, new Map(), { _endpointToken: { name: 'Endpoint token', type: 'managed', plain: true } });
    expect(withExtra.configSchema.fields._endpointToken).toEqual({ name: 'Endpoint token', type: 'managed', plain: true });
  });

  it('carries JSON Schema of each method: input as the caller sends it, output when declared', () => {
    expect(Object.keys(manifest.methods ?? {})).toEqual(['hello', 'crm.ping']);
    expect(manifest.methods?.hello).toMatchObject({
      description: 'Say hello to someone',
      input: {
        type: 'object',
        properties: { name: { type: 'string', minLength: 1, default: 'world', description: 'Who to greet' } },
      },
      output: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
    });
    // With a default, the caller may leave `name` out.
    expect((manifest.methods?.hello?.input as { required?: string[] }).required ?? []).not.toContain('name');
    expect(manifest.methods?.['crm.ping']).not.toHaveProperty('output');
  });

  it('carries introspect declarations naming every method', () => {
    expect(typeof manifest.introspect).toBe('string');
    expect(manifest.introspect).toContain('hello');
    expect(manifest.introspect).toContain('Say hello to someone');
    expect(manifest.introspect).toMatch(/declare function/);
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
  });
});
