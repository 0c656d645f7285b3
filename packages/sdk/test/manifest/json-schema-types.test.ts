import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { typeFromJsonSchema } from '../../src/manifest/json-schema-types.js';
import { declarationErrors } from './compile.js';

/** The type text for a zod schema, through the JSON Schema a plain-JS connector would send. */
function typeOf(schema: z.ZodType): string {
  return typeFromJsonSchema(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }));
}

describe('typeFromJsonSchema', () => {
  it('marks members without a value to give (optional or defaulted) with ?', () => {
    const schema = z.object({ name: z.string(), age: z.number().int().optional(), greeting: z.string().default('hi') });
    expect(typeOf(schema)).toBe('{ name: string; age?: number; greeting?: string; }');
  });

  it('writes primitive types, null and nested objects', () => {
    const schema = z.object({ ok: z.boolean(), nothing: z.null(), inner: z.object({ n: z.number() }) });
    expect(typeOf(schema)).toBe('{ ok: boolean; nothing: null; inner: { n: number; }; }');
  });

  it('turns additionalProperties into an index signature', () => {
    expect(typeOf(z.record(z.string(), z.number()))).toBe('{ [key: string]: number; }');
    // Beside named members only `unknown` fits every member.
    expect(typeOf(z.object({ a: z.string() }).catchall(z.number()))).toBe('{ a: string; [key: string]: unknown; }');
    expect(typeOf(z.looseObject({ a: z.string() }))).toBe('{ a: string; [key: string]: unknown; }');
    expect(typeOf(z.strictObject({ a: z.string() }))).toBe('{ a: string; }');
  });

  it('lists the keys of a record over an enum', () => {
    expect(typeOf(z.record(z.enum(['a', 'b']), z.number()))).toBe('{ a: number; b: number; }');
  });

  it('writes arrays, parenthesising unions of elements', () => {
    expect(typeOf(z.array(z.string()))).toBe('string[]');
    expect(typeOf(z.array(z.union([z.string(), z.number()])))).toBe('(string | number)[]');
    expect(typeOf(z.array(z.array(z.boolean())))).toBe('boolean[][]');
    expect(typeOf(z.array(z.literal(-1)))).toBe('(-1)[]');
  });

  it('writes tuples with optional elements and a rest element', () => {
    expect(typeOf(z.tuple([z.string(), z.number()]))).toBe('[string, number]');
    expect(typeOf(z.tuple([z.string(), z.number().optional()]))).toBe('[string, number?]');
    expect(typeOf(z.tuple([z.string()], z.boolean()))).toBe('[string, ...boolean[]]');
  });

  it('writes enums and literals as literal types', () => {
    expect(typeOf(z.enum(['open', 'closed']))).toBe('"open" | "closed"');
    expect(typeOf(z.literal('x'))).toBe('"x"');
    expect(typeOf(z.literal(['x', 2, true]))).toBe('"x" | 2 | true');
    expect(typeOf(z.literal(null))).toBe('null');
    expect(typeOf(z.enum(['say "hi"']))).toBe('"say \\"hi\\""');
  });

  it('writes anyOf and oneOf as unions', () => {
    expect(typeOf(z.union([z.object({ b: z.string() }), z.string()]))).toBe('{ b: string; } | string');
    const tagged = z.discriminatedUnion('kind', [z.object({ kind: z.literal('a') }), z.object({ kind: z.literal('b'), n: z.number() })]);
    expect(typeOf(tagged)).toBe('{ kind: "a"; } | { kind: "b"; n: number; }');
  });

  it('writes allOf as an intersection, parenthesising unions inside it', () => {
    expect(typeOf(z.object({ a: z.string() }).and(z.record(z.string(), z.string())))).toBe('{ a: string; } & { [key: string]: string; }');
    expect(typeFromJsonSchema({ allOf: [{ type: ['string', 'number'] }, { enum: [1, 'x'] }] })).toBe('(string | number) & (1 | "x")');
  });

  it('writes nullable types as a union with null', () => {
    expect(typeOf(z.string().nullable())).toBe('string | null');
    expect(typeOf(z.object({ b: z.string() }).nullable())).toBe('{ b: string; } | null');
    expect(typeOf(z.enum(['a', 'b']).nullable())).toBe('"a" | "b" | null');
    expect(typeFromJsonSchema({ type: 'string', nullable: true })).toBe('string | null');
  });

  it('inlines references to $defs by name', () => {
    const shared = z.object({ id: z.string() }).meta({ id: 'Shared' });
    expect(typeOf(z.object({ a: shared, b: shared }))).toBe('{ a: { id: string; }; b: { id: string; }; }');
  });

  it('writes unknown where a recursive reference comes back', () => {
    const tree = z.object({
      name: z.string(),
      get children() {
        return z.array(tree);
      },
    });
    expect(typeOf(tree)).toBe('{ name: string; children: unknown[]; }');
    const category = z
      .object({
        name: z.string(),
        get parent() {
          return category.optional();
        },
      })
      .meta({ id: 'Category' });
    expect(typeOf(z.object({ category }))).toBe('{ category: { name: string; parent?: unknown; }; }');
  });

  it('writes unknown for what JSON Schema leaves open and never for what it forbids', () => {
    expect(typeOf(z.unknown())).toBe('unknown');
    expect(typeOf(z.date())).toBe('unknown');
    expect(typeOf(z.never())).toBe('never');
    expect(typeFromJsonSchema(true)).toBe('unknown');
    expect(typeFromJsonSchema(false)).toBe('never');
    expect(typeFromJsonSchema('not a schema')).toBe('unknown');
    expect(typeFromJsonSchema({ type: 'object' })).toBe('{ [key: string]: unknown; }');
  });

  it('quotes member names that are not identifiers, including __proto__ from JSON', () => {
    expect(typeOf(z.object({ 'a-b': z.number(), ['__proto__']: z.string(), $ok: z.boolean() }))).toBe(
      '{ "a-b": number; __proto__: string; $ok: boolean; }',
    );
    const parsed: unknown = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"number"}},"required":["__proto__"]}');
    expect(typeFromJsonSchema(parsed)).toBe('{ __proto__: number; }');
  });

  it('never follows a reference into Object.prototype', () => {
    expect(typeFromJsonSchema({ $ref: '#/$defs/constructor', $defs: {} })).toBe('unknown');
    expect(typeFromJsonSchema({ $ref: '#/$defs/__proto__', $defs: {} })).toBe('unknown');
    expect(typeFromJsonSchema({ $ref: 'https://example.com/schema.json' })).toBe('unknown');
  });

  it('gives text that compiles, for every construct together', () => {
    const everything = z.object({
      a: z.record(z.string(), z.number()),
      b: z.tuple([z.string(), z.number().optional()], z.boolean()),
      c: z.array(z.union([z.literal(-1), z.string()])).nullable(),
      d: z.object({ x: z.string() }).and(z.record(z.string(), z.string())),
      'e-f': z.enum(['x', 'y']).default('x'),
    });
    const text = typeOf(everything);
    expect(declarationErrors(`declare const value: ${text};\n`)).toEqual([]);
  });
});
