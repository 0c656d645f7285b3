import { describe, expect, it } from 'vitest';
import { buildManifest, defineConnector, defineMethod, z } from '@connector-kit/sdk';
import { methodsOfManifest } from '../src/manifest.js';

const method = (description: string) =>
  defineMethod({
    description,
    input: z.object({ id: z.string().describe('Id') }),
    output: z.object({ ok: z.boolean() }),
    handler: async () => ({ ok: true }),
  });

describe('methodsOfManifest', () => {
  it('gives every method of the SDK’s introspect text its dotted name, signature and description', () => {
    // The real SDK output: nested namespaces for dotted names, an object type below a reserved
    // segment (`crm.new`), and a renamed top-level reserved word (`default`).
    const connector = defineConnector({
      name: 'Dotted',
      methods: {
        hello: method('Say hello'),
        'tickets.create': method('Create a ticket'),
        'tickets.comments.add': method('Comment on a ticket'),
        'crm.new.lead': method('Make a lead'),
        'default.list': method('List the defaults'),
      },
    });
    const manifest = buildManifest(connector);
    const methods = methodsOfManifest({ ...manifest, methods: undefined });

    expect(methods.map((m) => m.name).sort()).toEqual(['crm.new.lead', 'default.list', 'hello', 'tickets.comments.add', 'tickets.create']);
    const byName = new Map(methods.map((m) => [m.name, m]));
    expect(byName.get('tickets.create')).toEqual({
      name: 'tickets.create',
      signature: 'tickets.create(args: { id: string; }): Promise<{ ok: boolean; }>',
      description: 'Create a ticket',
    });
    expect(byName.get('tickets.comments.add')?.signature).toBe('tickets.comments.add(args: { id: string; }): Promise<{ ok: boolean; }>');
    expect(byName.get('crm.new.lead')).toMatchObject({
      signature: expect.stringMatching(/^crm\.new\.lead\(args/),
      description: 'Make a lead',
    });
    expect(byName.get('default.list')?.description).toBe('List the defaults');
    expect(byName.get('hello')?.signature).toBe('hello(args: { id: string; }): Promise<{ ok: boolean; }>');
  });

  it('reads the flat declarations of v1 connectors, dots in the name included', () => {
    const introspect = [
      '/** Lists contacts */',
      'declare function list(args: { limit?: number }): Promise<string[]>;',
      'declare function crm.contacts.get(args: { id: string }): Promise<{ name: string }>;',
    ].join('\n');
    expect(methodsOfManifest({ configSchema: { fields: {} }, introspect })).toEqual([
      { name: 'list', signature: 'list(args: { limit?: number }): Promise<string[]>', description: 'Lists contacts' },
      { name: 'crm.contacts.get', signature: 'crm.contacts.get(args: { id: string }): Promise<{ name: string }>' },
    ]);
  });

  it('is not misled by braces and keywords inside strings and types', () => {
    const introspect =
      'declare function odd(args: { s: "}function x(" }): Promise<{ a: { b: 1 } }>;\ndeclare namespace n {\n  function m(args: {}): Promise<void>;\n}\n';
    expect(methodsOfManifest({ configSchema: { fields: {} }, introspect }).map((m) => m.name)).toEqual(['odd', 'n.m']);
  });
});
