/**
 * Parameter serialization of OpenAPI 3 (`style` and `explode`, OAS 3.1 §4.8.12.4) and Swagger 2's
 * `collectionFormat`, which generated connectors hand to `ctx.http`. Pure functions.
 */
import { isRecord } from '../protocol/json.js';

/** Where a parameter goes. */
export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie';

/** How one parameter of an operation is sent. */
export interface ParameterSpec {
  /** Its name in the request (path template, query key, header or cookie name). */
  name: string;
  in: ParameterLocation;
  /** Its key in the method's input, when it differs from `name`. @default name */
  key?: string;
  /** `simple`, `label`, `matrix`, `form`, `spaceDelimited`, `pipeDelimited`, `deepObject`. @default form for query and cookie, simple for path and header */
  style?: string;
  /** @default true for `form`, false otherwise */
  explode?: boolean;
  /** Query values sent without percent-encoding reserved characters. @default false */
  allowReserved?: boolean;
}

type Scalar = string | number | boolean;

/** A scalar as text; objects and arrays inside arrays go as JSON (no style defines them). */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** Defined entries of an object, in order. */
function entries(value: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(value)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => [k, text(v)]);
}

/** The default style of a location. */
export function defaultStyle(location: ParameterLocation): string {
  return location === 'query' || location === 'cookie' ? 'form' : 'simple';
}

/**
 * The text that replaces `{name}` in a path: `simple` (`3,4,5`; exploded objects `a=1,b=2`),
 * `label` (`.3.4.5`) or `matrix` (`;id=3,4,5`; exploded `;id=3;id=4`). Each value is
 * percent-encoded, so a value cannot add path segments.
 */
export function serializePath(spec: ParameterSpec, value: unknown): string {
  const style = spec.style ?? 'simple';
  const explode = spec.explode ?? false;
  const enc = encodeURIComponent;
  const name = enc(spec.name);
  const list: string[] | undefined = Array.isArray(value) ? value.map((v) => enc(text(v))) : undefined;
  const pairs = isRecord(value) ? entries(value).map(([k, v]) => [enc(k), enc(v)] as const) : undefined;
  switch (style) {
    case 'label': {
      const sep = explode ? '.' : ',';
      if (list) return `.${list.join(sep)}`;
      if (pairs) return `.${pairs.map(([k, v]) => (explode ? `${k}=${v}` : `${k},${v}`)).join(sep)}`;
      return `.${enc(text(value))}`;
    }
    case 'matrix': {
      if (list) return explode ? list.map((v) => `;${name}=${v}`).join('') : `;${name}=${list.join(',')}`;
      if (pairs) return explode ? pairs.map(([k, v]) => `;${k}=${v}`).join('') : `;${name}=${pairs.map(([k, v]) => `${k},${v}`).join(',')}`;
      return `;${name}=${enc(text(value))}`;
    }
    default: {
      if (list) return list.join(',');
      if (pairs) return pairs.map(([k, v]) => (explode ? `${k}=${v}` : `${k},${v}`)).join(',');
      return enc(text(value));
    }
  }
}

/**
 * Query entries for one parameter: `form` (arrays repeat the key when exploded, else `a,b`;
 * exploded objects become one entry per member), `spaceDelimited`, `pipeDelimited` and
 * `deepObject` (`filter[status]=open`). Values are left for the HTTP client to encode.
 */
export function serializeQuery(spec: ParameterSpec, value: unknown): Array<[string, Scalar]> {
  const style = spec.style ?? 'form';
  const explode = spec.explode ?? style === 'form';
  if (Array.isArray(value)) {
    const items = value.filter((v) => v !== undefined && v !== null).map(text);
    if (explode && style !== 'spaceDelimited' && style !== 'pipeDelimited') return items.map((v) => [spec.name, v]);
    const sep = style === 'spaceDelimited' ? ' ' : style === 'pipeDelimited' ? '|' : ',';
    // Exploded space/pipe-delimited arrays are not defined: OAS 3.1 lists them as n/a; repeat the key.
    if (explode) return items.map((v) => [spec.name, v]);
    return [[spec.name, items.join(sep)]];
  }
  if (isRecord(value)) {
    const pairs = entries(value);
    if (style === 'deepObject') return pairs.map(([k, v]) => [`${spec.name}[${k}]`, v]);
    if (explode) return pairs;
    return [[spec.name, pairs.map(([k, v]) => `${k},${v}`).join(',')]];
  }
  return [[spec.name, typeof value === 'number' || typeof value === 'boolean' ? value : text(value)]];
}

/** A header's value (`simple`: `3,4,5`, objects `a,1,b,2`, exploded `a=1,b=2`). */
export function serializeHeader(spec: ParameterSpec, value: unknown): string {
  if (Array.isArray(value)) return value.map(text).join(',');
  if (isRecord(value))
    return entries(value)
      .map(([k, v]) => (spec.explode ? `${k}=${v}` : `${k},${v}`))
      .join(',');
  return text(value);
}

/** A `name=value` pair of the Cookie header (`form`): arrays and objects joined with commas. */
export function serializeCookie(spec: ParameterSpec, value: unknown): string {
  const joined = Array.isArray(value)
    ? value.map(text).join(',')
    : isRecord(value)
      ? entries(value)
          .map(([k, v]) => `${k},${v}`)
          .join(',')
      : text(value);
  return `${spec.name}=${encodeURIComponent(joined)}`;
}

/**
 * Swagger 2 `collectionFormat` as an OAS 3 style: `csv` → form/simple without explode, `ssv` →
 * spaceDelimited, `pipes` → pipeDelimited, `multi` → exploded form. (`tsv` has no OAS 3 style: it is
 * sent as csv.)
 */
export function styleOfCollectionFormat(format: string | undefined, location: ParameterLocation): { style: string; explode: boolean } {
  switch (format) {
    case 'multi':
      return { style: 'form', explode: true };
    case 'ssv':
      return { style: 'spaceDelimited', explode: false };
    case 'pipes':
      return { style: 'pipeDelimited', explode: false };
    default:
      return { style: defaultStyle(location), explode: false };
  }
}
