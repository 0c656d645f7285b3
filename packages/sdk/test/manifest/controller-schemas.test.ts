import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { extractControllerSchemas, type ControllerExtraction } from '../../src/manifest/controller-schemas.js';
import { buildManifest } from '../../src/connector/manifest.js';
import { lintConnector } from '../../src/cli/validate.js';
import { createTestHarness } from '../../src/testing/index.js';
import type { ControllerConnector } from '../../src/controller/index.js';
import { declarationErrors } from './compile.js';

// Inside the package, so that `@connector-kit/sdk/controller` (its built types in dist/) resolves
// through node_modules as in a real connector project.
const projectDir = path.join(import.meta.dirname, `.tmp-${randomUUID()}`);

const FIXTURE = `
import { Controller, defineController } from '@connector-kit/sdk/controller';

/** JSON of any depth. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

interface Customer {
  /** Their address. */
  email: string;
  name?: string | null;
}

enum Priority { Low = 'low', High = 'high' }

class Base extends Controller {
  /** Checks the connection. */
  async ping(): Promise<string> {
    return 'pong';
  }

  /** Overridden below: the subclass's comes first. */
  async hello(): Promise<void> {}
}

class Crm extends Base {
  /**
   * Opens a ticket.
   * @param args - What the ticket is about
   * @param args.title - Short summary
   */
  async open(args: {
    title: string;
    /** How urgent. */
    priority?: Priority;
    kind: 'bug' | 'question';
    customer?: Customer;
    tags: readonly string[];
    pair?: [number, string];
    labels?: Record<string, number>;
    flag: boolean;
    extra?: Json;
  }): Promise<{ id: string; at: Date; closedAt: string | null }> {
    return { id: args.title, at: new Date(0), closedAt: null };
  }

  /**
   * Says hello.
   * @param name - Who to greet
   */
  override async hello({ name = 'world', times = 1 }: { name?: string; times?: number }): Promise<void> {
    void name;
    void times;
  }

  /** Not a method: helpers keep out with _ or #. */
  _helper() {}
  #secret() {}

  protected autocomplete() {
    return [];
  }
}

export default defineController(Crm, { name: 'CRM' });
`;

const BROKEN = `
import { Controller, defineController } from '@connector-kit/sdk/controller';

class Broken extends Controller {
  protected hidden() {}
  async twoArgs(a: { x: string }, b: { y: string }) {}
  async untyped(args: any) {}
  async when({ at }: { at: Date }) {}
  async bytes(): Promise<{ data: Uint8Array; index: Map<string, number> }> {
    return { data: new Uint8Array(), index: new Map() };
  }
  async callback(args: { done: () => void; big: bigint }) {}
  async text(args: string) {}
  async fine({ id }: { id: string }) {}
}

export default defineController(Broken, { name: 'Broken' });
`;

function write(file: string, text: string): void {
  mkdirSync(path.dirname(path.join(projectDir, file)), { recursive: true });
  writeFileSync(path.join(projectDir, file), text);
}

describe('extractControllerSchemas', () => {
  let crm: ControllerExtraction;
  let broken: ControllerExtraction;

  beforeAll(() => {
    write('package.json', JSON.stringify({ name: 'fixture-controller', type: 'module', private: true }));
    write(
      'tsconfig.json',
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
    );
    write('src/index.ts', FIXTURE);
    write('src/broken.ts', BROKEN);
    write('src/plain.ts', 'export default { kind: "connector", methods: new Map() };\n');
    crm = extractControllerSchemas({ projectDir, entry: 'src/index.ts' });
    broken = extractControllerSchemas({ projectDir, entry: 'src/broken.ts' });
  }, 120_000);

  afterAll(() => rmSync(projectDir, { recursive: true, force: true }));

  it('takes the public methods of the class, then of its parents, with their JSDoc', () => {
    expect(crm.problems).toEqual([]);
    expect(Object.keys(crm.methods)).toEqual(['open', 'hello', 'ping']);
    expect(crm.methods.open?.description).toBe('Opens a ticket.');
    expect(crm.methods.hello?.description).toBe('Says hello.');
    expect(crm.methods.ping).toEqual({
      description: 'Checks the connection.',
      input: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: {} },
      output: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'string' },
    });
  });

  it('writes argument and answer types as JSON Schemas, with docs, @param texts and defaults', () => {
    const { input, output } = crm.methods.open!;
    expect(input).toMatchObject({
      type: 'object',
      description: 'What the ticket is about',
      required: ['title', 'kind', 'tags', 'flag'],
      properties: {
        title: { type: 'string', description: 'Short summary' },
        priority: { type: 'string', enum: ['low', 'high'], description: 'How urgent.' },
        kind: { type: 'string', enum: ['bug', 'question'] },
        customer: {
          type: 'object',
          required: ['email'],
          properties: { email: { type: 'string', description: 'Their address.' }, name: { anyOf: [{ type: 'string' }, { type: 'null' }] } },
        },
        tags: { type: 'array', items: { type: 'string' } },
        pair: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'string' }], minItems: 2, maxItems: 2 },
        labels: { type: 'object', properties: {}, additionalProperties: { type: 'number' } },
        flag: { type: 'boolean' },
        extra: { $ref: '#/$defs/Json' },
      },
    });
    expect(Object.keys(input.$defs as object)).toEqual(['Json']);
    expect(output).toMatchObject({
      required: ['id', 'at', 'closedAt'],
      properties: { at: { type: 'string', format: 'date-time' }, closedAt: { anyOf: [{ type: 'string' }, { type: 'null' }] } },
    });
    expect(crm.methods.hello?.input.properties).toEqual({
      name: { type: 'string', description: 'Who to greet', default: 'world' },
      times: { type: 'number', default: 1 },
    });
    expect(crm.methods.hello).not.toHaveProperty('output');
  });

  it('gives schemas zod turns into checks that accept what the type does and refuse the rest', () => {
    const check = z.fromJSONSchema(crm.methods.open!.input as never);
    const good = { title: 't', kind: 'bug', tags: ['a'], flag: true, extra: { deep: [1, { x: null }] }, customer: { email: 'a@b.c' } };
    expect(check.safeParse(good).success).toBe(true);
    expect(check.safeParse({ ...good, kind: 'other' }).success).toBe(false);
    expect(check.safeParse({ ...good, extra: { deep: [() => 1] } }).success).toBe(false);
    expect(check.safeParse({ ...good, pair: [1] }).success).toBe(false);
  });

  it('names each thing a manifest cannot express, with what to do', () => {
    const byWhere = Object.fromEntries(broken.problems.map((p) => [p.where, p.message]));
    expect(byWhere).toEqual({
      'method hidden': expect.stringContaining('is protected, but JavaScript keeps no visibility'),
      'method twoArgs': expect.stringContaining('takes 2 parameters: a connector method takes one argument object'),
      'method untyped: args': expect.stringContaining('has no type: annotate it'),
      'method when: args.at': expect.stringContaining('is a Date, which arrives as text in JSON: take an ISO 8601 string'),
      'method bytes: answer.data': expect.stringContaining('is a Uint8Array, which JSON cannot carry: send base64 text'),
      'method bytes: answer.index': expect.stringContaining('is a Map, which JSON cannot carry'),
      'method callback: args.done': expect.stringContaining('is a method'),
      'method callback: args.big': expect.stringContaining('is a bigint'),
      'method text: args': expect.stringContaining('is string: the workspace always sends an object of named arguments'),
    });
    // What can be expressed still is.
    expect(Object.keys(broken.methods)).toEqual(['fine']);
  });

  it('refuses a default export that defineController did not make', () => {
    expect(() => extractControllerSchemas({ projectDir, entry: 'src/plain.ts' })).toThrow(
      expect.objectContaining({ code: 'DEFINITION_INVALID', message: expect.stringContaining('not a connector made by defineController') }),
    );
    expect(() => extractControllerSchemas({ projectDir, entry: 'src/missing.ts' })).toThrow(/does not exist/);
  });

  it('makes the connector check calls, and its manifest and lint use the JSDoc', async () => {
    const connector = ((await import(path.join(projectDir, 'src/index.ts'))) as { default: ControllerConnector }).default;
    const typed = connector.controller.withSchemas(crm.methods);
    const manifest = buildManifest(typed);
    expect(manifest.methods?.open?.input).toEqual(crm.methods.open!.input);
    expect(manifest.introspect).toContain('declare function hello(args: { name?: string; times?: number; }): Promise<unknown>;');
    expect(manifest.introspect).toContain('@param [args.name] - Who to greet (default: "world")');
    expect(declarationErrors(manifest.introspect)).toEqual([]);
    await expect(createTestHarness(typed).call('open', { title: 1 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    // Without a build, any argument object passes, as in ALOMA's SDK.
    await expect(createTestHarness(connector).call('open', { title: 1 })).resolves.toMatchObject({ id: 1 });
    const lint = lintConnector(typed);
    expect(lint).toContainEqual({
      severity: 'warning',
      where: 'method open: kind',
      message: 'argument has no description: add a JSDoc comment to the member, or @param args.kind',
    });
    expect(() => connector.controller.withSchemas({})).toThrow(/method "open" of Crm has no schema from `connector build`/);
  });
});
