/**
 * JSON Schema (as OpenAPI 2.0, 3.0 and 3.1 use it) to the source text of zod schemas.
 *
 * Every schema a `$ref` points to becomes a named constant of `schemas.ts`, emitted in dependency
 * order; a reference back into a cycle is `z.lazy((): z.ZodType => Name)`, so recursive types
 * type-check (the recursive member is typed `unknown`). Objects are loose (members the document
 * does not list pass through): APIs add fields, and a connector must not drop them. Formats and
 * patterns are documentation here, not checks; parameters (see {@link SchemaEmitter.parameter})
 * check the common formats.
 */
import { deref, resolvePointer, type Json } from './model.js';
import { IdentifierPool } from './names.js';
import { literal } from './quote.js';
import { isRecord } from '../../protocol/json.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property key as TypeScript source (`__proto__` computed, so it stays a property). */
export function propertyKey(key: string): string {
  if (key === '__proto__') return "['__proto__']";
  return IDENTIFIER.test(key) ? key : literal(key);
}

/** One named schema. */
interface Named {
  name: string;
  pointer: string;
  code?: string;
  deps: Set<string>;
  description?: string;
}

/** The markers a reference leaves in code until the order of `schemas.ts` is known. */
const MARK = '\u0000';
const marker = (pointer: string): string => `${MARK}${pointer}${MARK}`;
const MARKER = /\u0000([^\u0000]*)\u0000/g;

/** Turns schemas into zod source; collects the named schemas they reference. */
export class SchemaEmitter {
  private readonly named = new Map<string, Named>();
  private readonly pool: IdentifierPool;
  /** Named schemas referenced but not emitted yet. */
  private readonly pending: string[] = [];
  /** Why parts of schemas were left as `z.unknown()`. */
  readonly warnings: string[] = [];
  private current: Named | undefined;

  constructor(private readonly doc: Json) {
    this.pool = new IdentifierPool();
  }

  /** Source of a zod schema for `schema`, for use outside `schemas.ts` (references as `s.Name`). */
  expression(schema: unknown): string {
    return this.resolveMarkers(this.emit(schema, 0), (named) => `s.${named.name}`);
  }

  /**
   * A parameter's schema, with what makes sense for input only: its `default` applied and the
   * common string formats (date-time, date, email, uuid) checked.
   */
  parameter(schema: unknown): string {
    let code = this.expression(schema);
    const target = this.follow(schema);
    if (!isRecord(target)) return code;
    if (target.type === 'string' && target.enum === undefined) {
      const format = { 'date-time': 'z.iso.datetime({ offset: true })', date: 'z.iso.date()', email: 'z.email()', uuid: 'z.guid()' }[
        String(target.format)
      ];
      if (format !== undefined && code === 'z.string()') code = format;
    }
    const fallback = usableDefault(target);
    if (fallback !== undefined) code = `${code}.default(${literal(fallback)})`;
    return code;
  }

  /** The schema a `$ref` chain ends at. */
  follow(schema: unknown): unknown {
    let node = schema;
    for (let i = 0; i < 20 && isRecord(node) && typeof node.$ref === 'string'; i++) node = resolvePointer(this.doc, node.$ref);
    return node;
  }

  /** The source of `schemas.ts`'s constants, in an order where each is defined before it is used outside a cycle. */
  namedSchemas(): Array<{ name: string; code: string; description?: string }> {
    // Emit every referenced schema, and what those reference in turn.
    while (this.pending.length > 0) {
      const pointer = this.pending.shift()!;
      const named = this.named.get(pointer)!;
      this.current = named;
      const target = resolvePointer(this.doc, pointer);
      named.code = this.emit(target, 0);
      if (isRecord(target) && typeof target.description === 'string') named.description = target.description;
      this.current = undefined;
    }
    // Depth-first post-order over the references, from the first named schema on.
    const order: Named[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (named: Named): void => {
      if (state.has(named.pointer)) return;
      state.set(named.pointer, 'visiting');
      for (const dep of [...named.deps].sort()) visit(this.named.get(dep)!);
      state.set(named.pointer, 'done');
      order.push(named);
    };
    for (const named of this.named.values()) visit(named);
    const position = new Map(order.map((n, i) => [n.pointer, i]));
    return order.map((named, i) => {
      const code = this.resolveMarkers(named.code!, (dep) =>
        position.get(dep.pointer)! < i ? dep.name : `z.lazy((): z.ZodType => ${dep.name})`,
      );
      return named.description === undefined ? { name: named.name, code } : { name: named.name, code, description: named.description };
    });
  }

  private resolveMarkers(code: string, refer: (named: Named) => string): string {
    return code.replace(MARKER, (_, pointer: string) => refer(this.named.get(pointer)!));
  }

  /** A reference to a named schema (registered on first use). */
  private reference(pointer: string): string {
    let named = this.named.get(pointer);
    if (named === undefined) {
      named = { name: this.pool.take(schemaName(pointer)), pointer, deps: new Set() };
      this.named.set(pointer, named);
      this.pending.push(pointer);
    }
    this.current?.deps.add(pointer);
    return marker(pointer);
  }

  private emit(schema: unknown, depth: number): string {
    if (schema === true || schema === undefined) return 'z.unknown()';
    if (schema === false) return 'z.never()';
    if (!isRecord(schema)) return 'z.unknown()';
    if (depth > 64) return 'z.unknown()';
    if (typeof schema.$ref === 'string') {
      if (resolvePointer(this.doc, schema.$ref) === undefined) {
        this.warnings.push(`$ref "${schema.$ref}" points nowhere: typed as unknown`);
        return 'z.unknown()';
      }
      // A `$ref` to a non-schema node (e.g. a parameter) still names a schema: follow it first.
      return this.reference(schema.$ref);
    }
    let nullable = schema.nullable === true || schema['x-nullable'] === true;
    let code: string;
    const types = Array.isArray(schema.type)
      ? (schema.type as unknown[]).filter((t): t is string => typeof t === 'string')
      : typeof schema.type === 'string'
        ? [schema.type]
        : [];
    if (types.includes('null')) nullable = true;
    const concrete = types.filter((t) => t !== 'null');
    if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
      const own = { ...schema };
      delete own.allOf;
      const parts = [...(schema.allOf as unknown[]), ...(hasShape(own) ? [own] : [])]
        .map((s) => this.emit(s, depth + 1))
        .filter((c) => c !== 'z.unknown()');
      code =
        parts.length === 0
          ? 'z.unknown()'
          : parts.length === 1
            ? parts[0]!
            : parts.slice(1).reduce((a, b) => `z.intersection(${a}, ${b})`, parts[0]!);
    } else if (Array.isArray(schema.oneOf ?? schema.anyOf) && ((schema.oneOf ?? schema.anyOf) as unknown[]).length > 0) {
      const own = { ...schema };
      delete own.oneOf;
      delete own.anyOf;
      const members = ((schema.oneOf ?? schema.anyOf) as unknown[]).filter(
        (m) => !(isRecord(m) && m.type === 'null' && Object.keys(m).length === 1),
      );
      if (members.length < ((schema.oneOf ?? schema.anyOf) as unknown[]).length) nullable = true;
      const parts = members.map((s) => this.emit(s, depth + 1));
      let union = parts.length === 0 ? 'z.unknown()' : parts.length === 1 ? parts[0]! : `z.union([${parts.join(', ')}])`;
      // Shared members beside oneOf (e.g. a discriminator's properties) narrow every branch.
      if (hasShape(own) && union !== 'z.unknown()') union = `z.intersection(${union}, ${this.emit(own, depth + 1)})`;
      code = parts.includes('z.unknown()') ? 'z.unknown()' : union;
    } else if (schema.const !== undefined) {
      code = isLiteral(schema.const) && schema.const !== null ? `z.literal(${literal(schema.const)})` : 'z.unknown()';
    } else if (Array.isArray(schema.enum) && schema.enum.length > 0) {
      const values = schema.enum as unknown[];
      if (values.includes(null)) nullable = true;
      const scalars = values.filter((v) => v !== null);
      if (scalars.length === 0) code = 'z.null()';
      else if (!scalars.every(isLiteral)) code = 'z.unknown()';
      else if (scalars.every((v) => typeof v === 'string')) code = `z.enum(${literal([...new Set(scalars)])})`;
      else code = `z.literal(${literal([...new Set(scalars)])})`;
    } else if (concrete.length > 1) {
      code = `z.union([${concrete.map((t) => this.emitType(t, schema, depth)).join(', ')}])`;
    } else {
      const type =
        concrete[0] ??
        (isRecord(schema.properties) || schema.additionalProperties !== undefined
          ? 'object'
          : schema.items !== undefined
            ? 'array'
            : undefined);
      code = type === undefined ? 'z.unknown()' : this.emitType(type, schema, depth);
    }
    if (nullable && code !== 'z.unknown()' && code !== 'z.null()') code = `${code}.nullable()`;
    return code;
  }

  private emitType(type: string, schema: Json, depth: number): string {
    switch (type) {
      case 'string':
        return 'z.string()';
      case 'integer':
        return 'z.number().int()';
      case 'number':
        return 'z.number()';
      case 'boolean':
        return 'z.boolean()';
      case 'null':
        return 'z.null()';
      case 'array':
        return `z.array(${this.emit(Array.isArray(schema.items) ? schema.items[0] : schema.items, depth + 1)})`;
      case 'object':
        return this.emitObject(schema, depth);
      default:
        return 'z.unknown()';
    }
  }

  private emitObject(schema: Json, depth: number): string {
    const properties = isRecord(schema.properties) ? schema.properties : {};
    const required = new Set(
      Array.isArray(schema.required) ? (schema.required as unknown[]).filter((r): r is string => typeof r === 'string') : [],
    );
    const extra = schema.additionalProperties;
    if (Object.keys(properties).length === 0) {
      const values = isRecord(extra) && Object.keys(extra).length > 0 ? this.emit(extra, depth + 1) : 'z.unknown()';
      return `z.record(z.string(), ${values})`;
    }
    const members = Object.entries(properties).map(([key, raw]) => {
      let code = this.emit(raw, depth + 1);
      const prop = deref(this.doc, raw);
      // readOnly members are absent from requests, writeOnly ones from answers: optional either way.
      const optional = !required.has(key) || (isRecord(prop) && (prop.readOnly === true || prop.writeOnly === true));
      if (optional && code !== 'z.unknown()') code = `${code}.optional()`;
      const description = isRecord(raw) && typeof raw.description === 'string' ? raw.description.trim() : '';
      if (description !== '') code = `${code}.describe(${literal(description)})`;
      return `${propertyKey(key)}: ${code}`;
    });
    const catchall = isRecord(extra) && Object.keys(extra).length > 0 ? `.catchall(${this.emit(extra, depth + 1)})` : '';
    return `z.looseObject({\n${indent(members.map((m) => `${m},`).join('\n'))}\n})${catchall}`;
  }
}

/** JSON Schema keywords and OpenAPI containers, which make poor names. */
const CONTAINERS = new Set([
  'schema',
  'schemas',
  'items',
  'properties',
  'additionalProperties',
  'allOf',
  'oneOf',
  'anyOf',
  'not',
  'content',
  'definitions',
  'components',
  '$defs',
]);

/**
 * A name for the schema at `pointer`: its component name (`#/components/schemas/Pet` → `Pet`), or,
 * for a schema inside an operation (what bundling a multi-file document leaves), one made from
 * the operation and the place (`#/paths/~1users~1{id}/get/responses/200/…` → `GetUsersIdResponse`).
 */
export function schemaName(pointer: string): string {
  const tokens = pointer
    .replace(/^#\/?/, '')
    .split('/')
    .map((t) => decodeURIComponent(t).replace(/~1/g, '/').replace(/~0/g, '~'));
  if (tokens[0] === 'paths' && tokens.length > 2) {
    const place = tokens.includes('requestBody')
      ? 'body'
      : tokens.includes('responses')
        ? 'response'
        : tokens.includes('parameters')
          ? 'parameter'
          : 'schema';
    return `${tokens[2]} ${tokens[1]!.replace(/[{}]/g, '')} ${place}`;
  }
  const named = [...tokens].reverse().find((t) => !CONTAINERS.has(t) && !/^\d+$/.test(t));
  return named ?? 'Schema';
}

/** Indents every line of `text` by two spaces. */
export function indent(text: string): string {
  return text.replace(/^(?=.)/gm, '  ');
}

/**
 * A parameter schema's `default`, when the schema itself accepts it (documents have `default: "10"`
 * on integers, or a default outside the enum: such a default is left out, not emitted as code that
 * does not type-check).
 */
export function usableDefault(schema: unknown): string | number | boolean | undefined {
  if (!isRecord(schema)) return undefined;
  const value = schema.default;
  if (value === null || !isLiteral(value)) return undefined;
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return undefined;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  const ok =
    type === 'string'
      ? typeof value === 'string'
      : type === 'integer'
        ? Number.isInteger(value)
        : type === 'number'
          ? typeof value === 'number'
          : type === 'boolean'
            ? typeof value === 'boolean'
            : false;
  return ok ? value : undefined;
}

/** A JSON value zod can take as a literal or default. */
function isLiteral(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** True when an object schema (beside allOf/oneOf) says something of its own shape. */
function hasShape(schema: Json): boolean {
  return (isRecord(schema.properties) && Object.keys(schema.properties).length > 0) || isRecord(schema.additionalProperties);
}
