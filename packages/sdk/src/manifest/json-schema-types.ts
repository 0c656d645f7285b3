/**
 * JSON Schema → TypeScript type text: the fallback behind the manifest's `introspect`
 * declarations (protocol.md §2) when no TypeScript project is at hand (e.g. a plain-JS
 * connector). Reads the schemas zod 4's `z.toJSONSchema` writes (draft 2020-12).
 */

/** How tightly a piece of type text binds, to know when it needs parentheses. */
type Precedence = 'union' | 'intersection' | 'primary';

interface TypeText {
  text: string;
  precedence: Precedence;
}

type Schema = Readonly<Record<string, unknown>>;

const UNKNOWN: TypeText = { text: 'unknown', precedence: 'primary' };
const NEVER: TypeText = { text: 'never', precedence: 'primary' };
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Only references of this form are followed; anything else becomes `unknown`. */
const DEFS_REF = /^#\/(\$defs|definitions)\/([^/~]+)$/;

/**
 * Turns a JSON Schema into TypeScript type text on one line, e.g. `{ name?: string; tags: string[]; }`.
 *
 * Handles objects (required and optional members, `additionalProperties` as an index
 * signature), arrays, tuples (`prefixItems`), primitive types, `enum`/`const` literals,
 * `anyOf`/`oneOf` unions, `allOf` intersections, nullable types and `$ref`s to `#/$defs/<name>`,
 * which are inlined (a reference back into a definition being expanded becomes `unknown`,
 * since a recursive type cannot be written inline). Anything else is `unknown`.
 * The same schema always gives the same text; no input can reach an object's prototype.
 */
export function typeFromJsonSchema(schema: unknown): string {
  const root = isSchema(schema) ? schema : undefined;
  // The root is being expanded from the start: `#` inside it is recursion.
  return convert(schema, { root, expanding: new Set(['#']) }).text;
}

/** The property name as written in a type literal: bare when an identifier, quoted otherwise. */
export function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

interface Context {
  /** The schema `#` points at, holding `$defs`. */
  root: Schema | undefined;
  /** References being expanded right now: meeting one again means recursion. */
  expanding: Set<string>;
}

function convert(schema: unknown, ctx: Context): TypeText {
  if (schema === true) return UNKNOWN;
  if (schema === false) return NEVER;
  if (!isSchema(schema)) return UNKNOWN;

  if (typeof schema.$ref === 'string') return convertRef(schema.$ref, ctx);

  // Each keyword group narrows the value further, so their types intersect.
  const parts: TypeText[] = [];
  const base = convertBase(schema, ctx);
  if (base !== undefined) parts.push(base);
  if (Array.isArray(schema.anyOf)) parts.push(union(schema.anyOf.map((s) => convert(s, ctx))));
  if (Array.isArray(schema.oneOf)) parts.push(union(schema.oneOf.map((s) => convert(s, ctx))));
  if (Array.isArray(schema.allOf)) parts.push(intersection(schema.allOf.map((s) => convert(s, ctx))));
  if (isSchema(schema.not) && Object.keys(schema.not).length === 0) parts.push(NEVER);

  let result = parts.length === 0 ? UNKNOWN : intersection(parts);
  // OpenAPI 3.0 style, still common in hand-written schemas.
  if (schema.nullable === true) result = union([result, { text: 'null', precedence: 'primary' }]);
  return result;
}

function convertRef(ref: string, ctx: Context): TypeText {
  const target = ref === '#' ? ctx.root : resolveDefsRef(ref, ctx.root);
  if (target === undefined || ctx.expanding.has(ref)) return UNKNOWN;
  ctx.expanding.add(ref);
  try {
    return convert(target, ctx);
  } finally {
    ctx.expanding.delete(ref);
  }
}

function resolveDefsRef(ref: string, root: Schema | undefined): unknown {
  const match = DEFS_REF.exec(ref);
  if (match === null || root === undefined) return undefined;
  const defs = root[match[1] ?? ''];
  const name = match[2] ?? '';
  return isSchema(defs) && Object.hasOwn(defs, name) ? defs[name] : undefined;
}

/** The type given by `const`, `enum` or `type`, or undefined when none of them is present. */
function convertBase(schema: Schema, ctx: Context): TypeText | undefined {
  if (Object.hasOwn(schema, 'const')) return literal(schema.const);
  if (Array.isArray(schema.enum)) return union(schema.enum.map(literal));

  const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  if (types.length === 0) {
    // Untyped but structured: `properties` alone still describes an object.
    if (isSchema(schema.properties) || isSchema(schema.additionalProperties)) return objectType(schema, ctx);
    if (Array.isArray(schema.prefixItems) || isSchema(schema.items)) return arrayType(schema, ctx);
    return undefined;
  }
  return union(types.map((type) => namedType(type, schema, ctx)));
}

function namedType(type: unknown, schema: Schema, ctx: Context): TypeText {
  switch (type) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return { text: type, precedence: 'primary' };
    case 'integer':
      return { text: 'number', precedence: 'primary' };
    case 'object':
      return objectType(schema, ctx);
    case 'array':
      return arrayType(schema, ctx);
    default:
      return UNKNOWN;
  }
}

function objectType(schema: Schema, ctx: Context): TypeText {
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((k) => typeof k === 'string') : []);
  const members: string[] = [];
  const named = new Set<string>();

  const properties = isSchema(schema.properties) ? Object.entries(schema.properties) : [];
  for (const [name, property] of properties) {
    named.add(name);
    members.push(`${propertyKey(name)}${required.has(name) ? '' : '?'}: ${convert(property, ctx).text};`);
  }

  const extra = schema.additionalProperties;
  const keys = isSchema(schema.propertyNames) ? enumKeys(schema.propertyNames) : undefined;
  if (keys !== undefined && extra !== undefined && extra !== false) {
    // A record over a fixed set of keys (`z.record(z.enum([...]), v)`): list them.
    const value = convert(extra, ctx).text;
    for (const key of keys) {
      if (named.has(key)) continue;
      members.push(`${propertyKey(key)}${required.has(key) ? '' : '?'}: ${value};`);
    }
  } else if (extra !== undefined && extra !== false) {
    // Named members must fit the index signature, so beside them only `unknown` is safe.
    const value = named.size > 0 ? 'unknown' : convert(extra, ctx).text;
    members.push(`[key: string]: ${value};`);
  } else if (properties.length === 0 && extra === undefined && schema.properties === undefined) {
    // `{ "type": "object" }` allows any members.
    members.push('[key: string]: unknown;');
  }
  return { text: members.length === 0 ? '{}' : `{ ${members.join(' ')} }`, precedence: 'primary' };
}

function enumKeys(propertyNames: Schema): string[] | undefined {
  const values = Array.isArray(propertyNames.enum) ? propertyNames.enum : undefined;
  return values?.every((v): v is string => typeof v === 'string') ? values : undefined;
}

function arrayType(schema: Schema, ctx: Context): TypeText {
  if (!Array.isArray(schema.prefixItems)) {
    const items = schema.items === undefined ? UNKNOWN : convert(schema.items, ctx);
    return { text: `${wrap(items, 'primary')}[]`, precedence: 'primary' };
  }
  // Tuple: elements past `minItems` are optional; `items` types the rest (`false`: no rest).
  const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
  const elements = schema.prefixItems.map((item, index) => {
    const element = convert(item, ctx);
    return index < minItems ? element.text : `${wrap(element, 'primary')}?`;
  });
  if (schema.items !== false) {
    const rest = schema.items === undefined ? UNKNOWN : convert(schema.items, ctx);
    elements.push(`...${wrap(rest, 'primary')}[]`);
  }
  return { text: `[${elements.join(', ')}]`, precedence: 'primary' };
}

function literal(value: unknown): TypeText {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return { text: JSON.stringify(value), precedence: 'primary' };
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    // A negative literal is a prefix expression: fine in a union, parenthesised in `(-1)[]`.
    return { text: String(value), precedence: value < 0 ? 'union' : 'primary' };
  }
  return UNKNOWN;
}

function union(members: readonly TypeText[]): TypeText {
  const kept = dedupe(members.filter((m) => m.text !== 'never'));
  if (kept.some((m) => m.text === 'unknown')) return UNKNOWN;
  if (kept.length === 0) return NEVER;
  if (kept.length === 1) return kept[0] ?? NEVER;
  return { text: kept.map((m) => m.text).join(' | '), precedence: 'union' };
}

function intersection(members: readonly TypeText[]): TypeText {
  const kept = dedupe(members.filter((m) => m.text !== 'unknown'));
  if (kept.some((m) => m.text === 'never')) return NEVER;
  if (kept.length === 0) return UNKNOWN;
  if (kept.length === 1) return kept[0] ?? UNKNOWN;
  return { text: kept.map((m) => wrap(m, 'intersection')).join(' & '), precedence: 'intersection' };
}

function dedupe(members: readonly TypeText[]): TypeText[] {
  const seen = new Set<string>();
  return members.filter((m) => !seen.has(m.text) && seen.add(m.text));
}

/** Parenthesises `type` when it binds more loosely than its position needs. */
function wrap(type: TypeText, needed: Precedence): string {
  const rank: Record<Precedence, number> = { union: 0, intersection: 1, primary: 2 };
  return rank[type.precedence] < rank[needed] ? `(${type.text})` : type.text;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
