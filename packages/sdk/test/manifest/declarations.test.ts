import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { renderDeclarations, type MethodDoc, type MethodTypes } from '../../src/manifest/declarations.js';
import { declarationErrors } from './compile.js';

/** A method documented from zod schemas, as the runtime would describe it. */
function method(name: string, input: z.ZodType, extra: Partial<MethodDoc> & { output?: z.ZodType } = {}): MethodDoc {
  const { output, ...rest } = extra;
  return {
    name,
    description: `Does ${name}.`,
    examples: [],
    inputSchema: z.toJSONSchema(input, { io: 'input' }),
    ...(output === undefined ? {} : { outputSchema: z.toJSONSchema(output, { io: 'output' }) }),
    ...rest,
  };
}

const none = new Map<string, MethodTypes>();

describe('renderDeclarations', () => {
  it('documents each input field, its default and whether it is optional', () => {
    const hello = method(
      'hello',
      z.object({
        name: z.string().default('world').describe('Who to greet'),
        loud: z.boolean().optional(),
        times: z.number().describe('How often'),
      }),
      { output: z.object({ message: z.string() }).describe('The greeting') },
    );
    const text = renderDeclarations([hello], none);
    expect(text).toMatchInlineSnapshot(`
      "/**
       * Does hello.
       * @param args
       * @param [args.name] - Who to greet (default: "world")
       * @param [args.loud]
       * @param args.times - How often
       * @returns The greeting
       */
      declare function hello(args: { name?: string; loud?: boolean; times: number; }): Promise<{ message: string; }>;
      "
    `);
    expect(declarationErrors(text)).toEqual([]);
  });

  it('shows each example as a call, with its output and description', () => {
    const hello = method('hello', z.object({ name: z.string() }), {
      examples: [{ input: { name: 'Ada' }, output: { message: 'Hello, Ada!' }, description: 'Greets Ada.' }, { input: { name: 'Bob' } }],
    });
    expect(renderDeclarations([hello], none)).toMatchInlineSnapshot(`
      "/**
       * Does hello.
       * @param args
       * @param args.name
       * @example
       * // Greets Ada.
       * hello({"name":"Ada"})
       * // → {"message":"Hello, Ada!"}
       * @example
       * hello({"name":"Bob"})
       */
      declare function hello(args: { name: string; }): Promise<unknown>;
      "
    `);
  });

  it('keeps multi-line descriptions and escapes */ everywhere in the comment', () => {
    const tricky = method('tricky', z.object({ glob: z.string().describe('A pattern like src/**/*.ts */ done') }), {
      description: 'First line.\nSecond line with */ inside.\r\n\r\nLast paragraph.',
      examples: [{ input: { glob: '**/*.ts' }, output: '*/', description: 'Ends */ early?' }],
    });
    const text = renderDeclarations([tricky], none);
    expect(text).toMatchInlineSnapshot(`
      "/**
       * First line.
       * Second line with *\\/ inside.
       *
       * Last paragraph.
       * @param args
       * @param args.glob - A pattern like src/**\\/*.ts *\\/ done
       * @example
       * // Ends *\\/ early?
       * tricky({"glob":"**\\/*.ts"})
       * // → "*\\/"
       */
      declare function tricky(args: { glob: string; }): Promise<unknown>;
      "
    `);
    expect(declarationErrors(text)).toEqual([]);
  });

  it('merges dotted names into one namespace block per namespace', () => {
    const text = renderDeclarations(
      [
        method('tickets.create', z.object({ title: z.string() })),
        method('hello', z.object({})),
        method('crm', z.object({ q: z.string() })),
        method('tickets.list', z.object({ limit: z.number().optional() })),
        method('crm.contacts.create', z.object({ email: z.string() })),
        method('crm.contacts', z.object({})),
        method('crm.deals.list', z.object({})),
      ],
      none,
    );
    expect(text).toMatchInlineSnapshot(`
      "declare namespace tickets {
        /**
         * Does tickets.create.
         * @param args
         * @param args.title
         */
        function create(args: { title: string; }): Promise<unknown>;

        /**
         * Does tickets.list.
         * @param args
         * @param [args.limit]
         */
        function list(args: { limit?: number; }): Promise<unknown>;
      }

      /**
       * Does hello.
       * @param args
       */
      declare function hello(args: {}): Promise<unknown>;

      /**
       * Does crm.
       * @param args
       * @param args.q
       */
      declare function crm(args: { q: string; }): Promise<unknown>;

      declare namespace crm {
        /**
         * Does crm.contacts.
         * @param args
         */
        function contacts(args: {}): Promise<unknown>;

        namespace contacts {
          /**
           * Does crm.contacts.create.
           * @param args
           * @param args.email
           */
          function create(args: { email: string; }): Promise<unknown>;
        }

        namespace deals {
          /**
           * Does crm.deals.list.
           * @param args
           */
          function list(args: {}): Promise<unknown>;
        }
      }
      "
    `);
    expect(declarationErrors(text)).toEqual([]);
  });

  it('uses the given TypeScript types over the JSON Schemas', () => {
    const types = new Map([['hello', { input: '{ name?: string; }', output: '{ message: string; }' }]]);
    const text = renderDeclarations([method('hello', z.object({ name: z.number() })), method('other', z.object({ n: z.number() }))], types);
    expect(text).toContain('declare function hello(args: { name?: string; }): Promise<{ message: string; }>;');
    expect(text).toContain('declare function other(args: { n: number; }): Promise<unknown>;');
  });

  it('still compiles when a name is a reserved word', () => {
    const text = renderDeclarations(
      [
        method('delete', z.object({ id: z.string() })),
        method('tickets.delete', z.object({ id: z.string() })),
        method('tickets', z.object({})),
        method('tickets.new.draft', z.object({})),
        method('crm.new', z.object({})),
        method('undefined', z.object({})),
      ],
      none,
    );
    expect(text).toMatchInlineSnapshot(`
      "/**
       * Does delete.
       * Declared as \`delete_\` because \`delete\` is reserved in TypeScript; the method's name is \`delete\`.
       * @param args
       * @param args.id
       */
      declare function delete_(args: { id: string; }): Promise<unknown>;

      declare const tickets: {
        /**
         * Does tickets.
         * @param args
         */
        (args: {}): Promise<unknown>;

        /**
         * Does tickets.delete.
         * @param args
         * @param args.id
         */
        delete(args: { id: string; }): Promise<unknown>;

        "new": {
          /**
           * Does tickets.new.draft.
           * @param args
           */
          draft(args: {}): Promise<unknown>;
        };
      };

      declare const crm: {
        /**
         * Does crm.new.
         * @param args
         */
        "new"(args: {}): Promise<unknown>;
      };

      /**
       * Does undefined.
       * Declared as \`undefined_\` because \`undefined\` is reserved in TypeScript; the method's name is \`undefined\`.
       * @param args
       */
      declare function undefined_(args: {}): Promise<unknown>;
      "
    `);
    expect(declarationErrors(text)).toEqual([]);
    // The check above can fail: the naive text does not compile.
    expect(declarationErrors('declare namespace tickets { function delete(args: {}): Promise<unknown>; }')).not.toEqual([]);
  });

  it('rejects a method name that is not a dotted identifier path', () => {
    expect(() => renderDeclarations([method('tickets..create', z.object({}))], none)).toThrowErrorMatchingInlineSnapshot(
      `[ConnectorError: cannot write introspect declarations: method name "tickets..create" has an invalid segment "": use letters, digits, _ and $, separated by dots]`,
    );
  });

  it('renders nothing for no methods', () => {
    expect(renderDeclarations([], none)).toBe('');
  });
});
