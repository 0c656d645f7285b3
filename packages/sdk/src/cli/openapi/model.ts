/**
 * The operations of an OpenAPI document in one shape, whatever its version: Swagger 2.0's body
 * and formData parameters, `consumes`/`produces` and `collectionFormat` are turned into what
 * OpenAPI 3 says with request bodies, media types and `style`/`explode`.
 */
import { styleOfCollectionFormat, type ParameterLocation } from '../../openapi/serialize.js';
import { isRecord } from '../../protocol/json.js';

export type Json = Record<string, unknown>;

/** One parameter of an operation. */
export interface ParamModel {
  name: string;
  in: ParameterLocation;
  required: boolean;
  description?: string;
  /** A JSON Schema, possibly a `$ref`. */
  schema: unknown;
  style?: string;
  explode?: boolean;
  deprecated?: boolean;
  example?: unknown;
}

/** The request body of an operation. */
export interface BodyModel {
  required: boolean;
  description?: string;
  kind: 'json' | 'form' | 'multipart' | 'text' | 'binary';
  contentType: string;
  schema: unknown;
  example?: unknown;
}

/** The success answer of an operation. */
export interface ResponseModel {
  kind: 'json' | 'text' | 'binary' | 'none';
  status: string;
  description?: string;
  /** Absent when the document gives no schema. */
  schema?: unknown;
  example?: unknown;
  /** Names of the headers the document says the answer has (e.g. `Link`). */
  headers?: string[];
}

/** One operation. */
export interface OperationModel {
  method: string;
  path: string;
  /** Where it sits in the document, as a JSON pointer: `#/paths/~1pets/get`. */
  pointer: string;
  operationId?: string;
  tags: string[];
  summary?: string;
  description?: string;
  deprecated: boolean;
  params: ParamModel[];
  body?: BodyModel;
  response: ResponseModel;
  /** Names of the security schemes this operation accepts (any one of them), or undefined for the document's. */
  security?: string[][];
}

/** The document as the generator uses it. */
export interface ApiModel {
  title: string;
  version: string;
  description?: string;
  /** Absolute or relative server URLs, variables filled with their defaults. */
  servers: string[];
  operations: OperationModel[];
  securitySchemes: Record<string, Json>;
  security: string[][];
  /** Scopes the document's security requirements ask of each scheme, in order of appearance. */
  scopes: Record<string, string[]>;
  /** Why something was left out, naming the operation. */
  warnings: string[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** Escapes a JSON pointer token (RFC 6901). */
export const pointerToken = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');

/** Resolves an internal `$ref` (`#/components/schemas/Pet`), or undefined when it points nowhere. */
export function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const token = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isRecord(node)) node = Object.hasOwn(node, token) ? node[token] : undefined;
    else return undefined;
  }
  return node;
}

/** Follows `$ref`s of a non-schema object (parameter, response, request body) to the object itself. */
export function deref(doc: unknown, value: unknown, depth = 0): unknown {
  if (isRecord(value) && typeof value.$ref === 'string' && depth < 20) return deref(doc, resolvePointer(doc, value.$ref), depth + 1);
  return value;
}

/** The media kind of a content type. */
export function mediaKind(type: string): BodyModel['kind'] {
  const t = type.toLowerCase().split(';')[0]!.trim();
  if (t === 'application/json' || t.endsWith('+json') || t === '*/*' || t === 'application/*' || t.includes('json')) return 'json';
  if (t === 'application/x-www-form-urlencoded') return 'form';
  if (t.startsWith('multipart/')) return 'multipart';
  if (t.startsWith('text/') || t === 'application/xml' || t.endsWith('+xml') || t === 'application/javascript') return 'text';
  return 'binary';
}

/** Picks the media type to use: JSON first, then form, multipart, text, anything. */
function pickMedia(types: string[]): string | undefined {
  const order: Array<BodyModel['kind']> = ['json', 'form', 'multipart', 'text', 'binary'];
  return [...types].sort((a, b) => order.indexOf(mediaKind(a)) - order.indexOf(mediaKind(b)))[0];
}

/** The server URLs of a document, with `{variables}` set to their defaults. */
function servers(doc: Json): string[] {
  if (doc.swagger !== undefined) {
    const host = str(doc.host);
    const base = str(doc.basePath) ?? '';
    if (host === undefined) return base === '' ? [] : [base];
    const schemes = Array.isArray(doc.schemes) ? (doc.schemes as unknown[]).filter((s): s is string => typeof s === 'string') : [];
    const scheme = schemes.includes('https') ? 'https' : (schemes[0] ?? 'https');
    return [`${scheme}://${host}${base}`];
  }
  const list = Array.isArray(doc.servers) ? doc.servers : [];
  return list.filter(isRecord).flatMap((server) => {
    let url = str(server.url);
    if (url === undefined) return [];
    const variables = isRecord(server.variables) ? server.variables : {};
    url = url.replace(/\{([^}]+)\}/g, (whole, name: string) => {
      const v = variables[name];
      const def = isRecord(v) ? v.default : undefined;
      return typeof def === 'string' || typeof def === 'number' ? String(def) : whole;
    });
    return [url];
  });
}

/** Security requirements as lists of scheme names (all of a list at once; any list). */
function requirements(value: unknown): string[][] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(isRecord).map((r) => Object.keys(r));
}

/** Adds the scopes of security requirements to `into`. */
function collectScopes(value: unknown, into: Record<string, string[]>): void {
  if (!Array.isArray(value)) return;
  for (const requirement of value.filter(isRecord)) {
    for (const [scheme, scopes] of Object.entries(requirement)) {
      const list = (into[scheme] ??= []);
      for (const scope of Array.isArray(scopes) ? scopes : []) if (typeof scope === 'string' && !list.includes(scope)) list.push(scope);
    }
  }
}

/** Builds the model of a bundled document. */
export function buildModel(doc: Json): ApiModel {
  const swagger = doc.swagger !== undefined;
  const info = isRecord(doc.info) ? doc.info : {};
  const warnings: string[] = [];
  const operations: OperationModel[] = [];
  const scopes: Record<string, string[]> = {};
  collectScopes(doc.security, scopes);
  const paths = isRecord(doc.paths) ? doc.paths : {};
  const globalConsumes = Array.isArray(doc.consumes) ? (doc.consumes as string[]) : [];
  const globalProduces = Array.isArray(doc.produces) ? (doc.produces as string[]) : [];
  for (const [path, rawItem] of Object.entries(paths)) {
    const item = deref(doc, rawItem);
    if (!isRecord(item)) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const op = item[method];
      if (!isRecord(op)) continue;
      const pointer = `#/paths/${pointerToken(path)}/${method}`;
      const where = `${method.toUpperCase()} ${path}${str(op.operationId) ? ` (${String(op.operationId)})` : ''}`;
      const params: ParamModel[] = [];
      let body: BodyModel | undefined;
      const formFields: ParamModel[] = [];
      // Operation parameters override path-level ones of the same name and location.
      const all = new Map<string, Json>();
      for (const raw of [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])]) {
        const p = deref(doc, raw);
        if (!isRecord(p) || typeof p.name !== 'string' || typeof p.in !== 'string') continue;
        all.set(`${p.in}:${p.name}`, p);
      }
      for (const p of all.values()) {
        const location = p.in as string;
        if (swagger && location === 'body') {
          body = { required: p.required === true, kind: 'json', contentType: 'application/json', schema: p.schema ?? {} };
          if (str(p.description)) body.description = p.description as string;
          continue;
        }
        if (swagger && location === 'formData') {
          formFields.push({
            name: p.name as string,
            in: 'query',
            required: p.required === true,
            schema: swagger2Schema(p),
            ...(str(p.description) ? { description: p.description as string } : {}),
          });
          continue;
        }
        if (location !== 'path' && location !== 'query' && location !== 'header' && location !== 'cookie') {
          warnings.push(`${where}: parameter "${String(p.name)}" is in "${location}", which no request has: left out`);
          continue;
        }
        const param: ParamModel = {
          name: p.name as string,
          in: location,
          required: location === 'path' || p.required === true,
          schema: swagger ? swagger2Schema(p) : (p.schema ?? contentSchema(p.content) ?? {}),
        };
        if (str(p.description)) param.description = p.description as string;
        if (p.deprecated === true) param.deprecated = true;
        if (p.example !== undefined) param.example = p.example;
        if (swagger) {
          const { style, explode } = styleOfCollectionFormat(p.collectionFormat as string | undefined, location);
          if (p.type === 'array') Object.assign(param, { style, explode });
        } else {
          if (typeof p.style === 'string') param.style = p.style;
          if (typeof p.explode === 'boolean') param.explode = p.explode;
        }
        params.push(param);
      }
      // Path parameters used in the template but never declared are strings (a common slip).
      for (const match of path.matchAll(/\{([^}]+)\}/g)) {
        const name = match[1]!;
        if (!params.some((p) => p.in === 'path' && p.name === name))
          params.push({ name, in: 'path', required: true, schema: { type: 'string' } });
      }
      if (swagger && formFields.length > 0) {
        const consumes = (Array.isArray(op.consumes) ? (op.consumes as string[]) : globalConsumes).map(String);
        const multipart =
          consumes.some((c) => c.startsWith('multipart/')) || formFields.some((f) => isRecord(f.schema) && f.schema.type === 'file');
        const properties = Object.fromEntries(formFields.map((f) => [f.name, f.schema]));
        const required = formFields.filter((f) => f.required).map((f) => f.name);
        body = {
          required: required.length > 0,
          kind: multipart ? 'multipart' : 'form',
          contentType: multipart ? 'multipart/form-data' : 'application/x-www-form-urlencoded',
          schema: { type: 'object', properties, ...(required.length > 0 ? { required } : {}) },
        };
      }
      if (swagger && body?.kind === 'json') {
        const consumes = (Array.isArray(op.consumes) ? (op.consumes as string[]) : globalConsumes).map(String);
        const type = pickMedia(consumes);
        if (type !== undefined) Object.assign(body, { contentType: type, kind: mediaKind(type) });
      }
      if (!swagger && op.requestBody !== undefined) {
        const rb = deref(doc, op.requestBody);
        if (isRecord(rb) && isRecord(rb.content)) {
          const type = pickMedia(Object.keys(rb.content));
          if (type !== undefined) {
            const media = isRecord(rb.content[type]) ? (rb.content[type] as Json) : {};
            body = { required: rb.required === true, kind: mediaKind(type), contentType: type, schema: media.schema ?? {} };
            if (str(rb.description)) body.description = rb.description as string;
            const example = exampleOf(doc, media);
            if (example !== undefined) body.example = example;
          }
        }
      }
      const produces = (Array.isArray(op.produces) ? (op.produces as string[]) : globalProduces).map(String);
      const model: OperationModel = {
        method: method.toUpperCase(),
        path,
        pointer,
        tags: Array.isArray(op.tags) ? (op.tags as unknown[]).filter((t): t is string => typeof t === 'string') : [],
        deprecated: op.deprecated === true,
        params,
        response: successResponse(doc, op, swagger, produces),
      };
      if (str(op.operationId)) model.operationId = op.operationId as string;
      if (str(op.summary)) model.summary = op.summary as string;
      if (str(op.description)) model.description = op.description as string;
      if (body) model.body = body;
      collectScopes(op.security, scopes);
      const security = requirements(op.security);
      if (security) model.security = security;
      operations.push(model);
    }
  }
  const components = isRecord(doc.components) ? doc.components : {};
  const schemes = swagger ? doc.securityDefinitions : components.securitySchemes;
  const securitySchemes: Record<string, Json> = {};
  for (const [name, raw] of Object.entries(isRecord(schemes) ? schemes : {})) {
    const scheme = deref(doc, raw);
    if (isRecord(scheme)) securitySchemes[name] = scheme;
  }
  const api: ApiModel = {
    title: str(info.title) ?? 'API',
    version: str(info.version) ?? '0.0.0',
    servers: servers(doc),
    operations,
    securitySchemes,
    security: requirements(doc.security) ?? [],
    scopes,
    warnings,
  };
  if (str(info.description)) api.description = info.description as string;
  return api;
}

/** The schema of a `content` map (a parameter's, in OpenAPI 3). */
function contentSchema(content: unknown): unknown {
  if (!isRecord(content)) return undefined;
  const first = Object.values(content)[0];
  return isRecord(first) ? first.schema : undefined;
}

/** The example of a media type object (`example`, or the first of `examples`). */
function exampleOf(doc: Json, media: Json): unknown {
  if (media.example !== undefined) return media.example;
  if (isRecord(media.examples)) {
    const first = deref(doc, Object.values(media.examples)[0]);
    if (isRecord(first) && first.value !== undefined) return first.value;
  }
  return undefined;
}

/** A Swagger 2 non-body parameter's type keywords as a JSON Schema. */
function swagger2Schema(p: Json): Json {
  const keys = ['type', 'format', 'items', 'enum', 'default', 'minimum', 'maximum', 'pattern', 'minLength', 'maxLength'];
  const schema: Json = {};
  for (const k of keys) if (p[k] !== undefined) schema[k] = p[k];
  if (schema.type === 'file') return { type: 'string', format: 'binary' };
  if (isRecord(schema.items)) schema.items = swagger2Schema(schema.items);
  return schema;
}

/** The first 2xx answer (else `default`): its media kind and schema. */
function successResponse(doc: Json, op: Json, swagger: boolean, produces: string[]): ResponseModel {
  const responses = isRecord(op.responses) ? op.responses : {};
  const codes = Object.keys(responses).sort();
  const status =
    codes.find((c) => /^2\d\d$/.test(c)) ?? codes.find((c) => /^2XX$/i.test(c)) ?? (codes.includes('default') ? 'default' : undefined);
  if (status === undefined) return { kind: 'none', status: '204' };
  const response = deref(doc, responses[status]);
  if (!isRecord(response)) return { kind: 'none', status };
  const out: ResponseModel = { kind: 'none', status };
  if (str(response.description)) out.description = response.description as string;
  if (isRecord(response.headers)) out.headers = Object.keys(response.headers);
  if (swagger) {
    if (response.schema === undefined) return out;
    const type = pickMedia(produces) ?? 'application/json';
    const schema = deref(doc, response.schema);
    out.kind =
      isRecord(schema) && schema.type === 'file'
        ? 'binary'
        : mediaKind(type) === 'json'
          ? 'json'
          : mediaKind(type) === 'text'
            ? 'text'
            : 'binary';
    if (out.kind !== 'binary') out.schema = response.schema;
    const examples = isRecord(response.examples) ? Object.values(response.examples)[0] : undefined;
    if (examples !== undefined) out.example = examples;
    return out;
  }
  if (!isRecord(response.content) || Object.keys(response.content).length === 0) return out;
  const type = pickMedia(Object.keys(response.content))!;
  const media = isRecord(response.content[type]) ? (response.content[type] as Json) : {};
  const kind = mediaKind(type);
  out.kind = kind === 'json' ? 'json' : kind === 'text' ? 'text' : 'binary';
  const schema = deref(doc, media.schema);
  if (isRecord(schema) && schema.type === 'string' && (schema.format === 'binary' || schema.format === 'byte') && kind !== 'json')
    out.kind = 'binary';
  if (out.kind !== 'binary' && media.schema !== undefined) out.schema = media.schema;
  const example = exampleOf(doc, media);
  if (example !== undefined) out.example = example;
  return out;
}
