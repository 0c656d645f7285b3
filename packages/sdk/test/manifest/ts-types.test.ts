import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Connector } from '../../src/connector/define.js';
import { renderDeclarations, type MethodDoc, type MethodTypes } from '../../src/manifest/declarations.js';
import { extractMethodTypes } from '../../src/manifest/ts-types.js';
import { declarationErrors } from './compile.js';

// Inside the package, so that `zod` and `@connector-kit/sdk` (its built types in dist/)
// resolve through /work/main/node_modules like in a real connector project.
const projectDir = path.join(import.meta.dirname, `.tmp-${randomUUID()}`);

const FIXTURE = `
import { defineConnector, defineMethod } from '@connector-kit/sdk';
import { z } from 'zod';

export default defineConnector({
  name: 'Fixture',
  methods: {
    hello: defineMethod({
      description: 'Says hello.',
      input: z.object({ name: z.string().default('world').describe('Who to greet') }),
      output: z.object({ message: z.string() }),
      examples: [{ input: { name: 'Ada' }, output: { message: 'Hello, Ada!' } }],
      handler: ({ name }) => ({ message: \`Hello, \${name}!\` }),
    }),
    'tickets.create': defineMethod({
      description: 'Opens a ticket.',
      input: z.object({
        title: z.string().describe('Short summary'),
        priority: z.enum(['low', 'normal', 'high']).default('normal'),
        customer: z.object({ email: z.string(), name: z.string().optional() }).optional().describe('Who reported it'),
        tags: z.array(z.string()),
      }),
      output: z.object({ id: z.string(), status: z.enum(['open', 'closed']), closedAt: z.string().nullable() }),
      handler: () => ({ id: 't1', status: 'open' as const, closedAt: null }),
    }),
    ping: defineMethod({
      description: 'Checks the connection.',
      input: z.object({}),
      handler: () => 'pong',
    }),
  },
});
`;

/** A method whose result type is an interface of the project: not visible in the manifest. */
const WITH_PRIVATE_TYPE = `
import { defineConnector, defineMethod } from '@connector-kit/sdk';
import { z } from 'zod';

interface Ticket { id: string }

export default defineConnector({
  name: 'Private',
  methods: {
    get: defineMethod({ description: 'Gets one.', input: z.object({ id: z.string() }), output: z.custom<Ticket>(), handler: ({ id }) => ({ id }) }),
    count: defineMethod({ description: 'Counts.', input: z.object({}), output: z.number(), handler: () => 1 }),
  },
});
`;

function write(file: string, text: string): void {
  mkdirSync(path.dirname(path.join(projectDir, file)), { recursive: true });
  writeFileSync(path.join(projectDir, file), text);
}

/** What the runtime knows of each method, as the manifest builder describes it. */
function describeFixture(connector: Connector): MethodDoc[] {
  return [...connector.methods].map(([name, m]) => ({
    name,
    description: m.description,
    examples: m.examples ?? [],
    inputSchema: z.toJSONSchema(m.input, { io: 'input' }),
    ...(m.output === undefined ? {} : { outputSchema: z.toJSONSchema(m.output, { io: 'output' }) }),
  }));
}

describe('extractMethodTypes', () => {
  let types: Map<string, MethodTypes>;

  beforeAll(async () => {
    write('package.json', JSON.stringify({ name: 'fixture-connector', type: 'module', private: true }));
    write(
      'tsconfig.json',
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
    );
    write('src/index.ts', FIXTURE);
    write('src/private.ts', WITH_PRIVATE_TYPE);
    write('src/no-default.ts', 'export const connector = 1;\n');
    write('src/not-connector.ts', 'export default { name: "x", methods: {} };\n');
    types = await extractMethodTypes({ projectDir, entry: 'src/index.ts' });
  }, 60_000);

  afterAll(() => rmSync(projectDir, { recursive: true, force: true }));

  it('prints each input and output as an expanded structural type', () => {
    expect(Object.fromEntries(types)).toMatchInlineSnapshot(`
      {
        "hello": {
          "input": "{ name?: string; }",
          "output": "{ message: string; }",
        },
        "ping": {
          "input": "{ [x: string]: never; }",
          "output": "unknown",
        },
        "tickets.create": {
          "input": "{ title: string; priority?: "low" | "normal" | "high"; customer?: { email: string; name?: string; }; tags: string[]; }",
          "output": "{ id: string; status: "open" | "closed"; closedAt: string | null; }",
        },
      }
    `);
  });

  it('gives declarations that show the exact signatures and compile', async () => {
    const connector = ((await import(path.join(projectDir, 'src/index.ts'))) as { default: Connector }).default;
    const text = renderDeclarations(describeFixture(connector), types);
    expect(text).toMatchInlineSnapshot(`
      "/**
       * Says hello.
       * @param args
       * @param [args.name] - Who to greet (default: "world")
       * @example
       * hello({"name":"Ada"})
       * // → {"message":"Hello, Ada!"}
       */
      declare function hello(args: { name?: string; }): Promise<{ message: string; }>;

      declare namespace tickets {
        /**
         * Opens a ticket.
         * @param args
         * @param args.title - Short summary
         * @param [args.priority] - (default: "normal")
         * @param [args.customer] - Who reported it
         * @param args.tags
         */
        function create(args: { title: string; priority?: "low" | "normal" | "high"; customer?: { email: string; name?: string; }; tags: string[]; }): Promise<{ id: string; status: "open" | "closed"; closedAt: string | null; }>;
      }

      /**
       * Checks the connection.
       * @param args
       */
      declare function ping(args: { [x: string]: never; }): Promise<unknown>;
      "
    `);
    expect(declarationErrors(text)).toEqual([]);
  });

  it('leaves out a method whose type names something the reader cannot see', async () => {
    const found = await extractMethodTypes({ projectDir, entry: 'src/private.ts' });
    expect(Object.fromEntries(found)).toEqual({ count: { input: '{ [x: string]: never; }', output: 'number' } });
  }, 30_000);

  it('says what it found when the entry has no default export', async () => {
    await expect(extractMethodTypes({ projectDir, entry: 'src/no-default.ts' })).rejects.toThrowErrorMatchingInlineSnapshot(
      `[ConnectorError: src/no-default.ts has no default export: expected \`export default defineConnector({ ... })\`]`,
    );
  }, 30_000);

  it('says what it found when the default export is not a connector', async () => {
    await expect(extractMethodTypes({ projectDir, entry: 'src/not-connector.ts' })).rejects.toThrowErrorMatchingInlineSnapshot(
      `[ConnectorError: the default export of src/not-connector.ts is a value of type { name: string; methods: {}; }: expected the connector returned by defineConnector({ ... })]`,
    );
  }, 30_000);

  it('says when the entry does not exist', async () => {
    await expect(extractMethodTypes({ projectDir, entry: 'src/missing.ts' })).rejects.toThrow(/src\/missing\.ts does not exist/);
  });
});
