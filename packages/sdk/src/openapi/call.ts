/**
 * `callOperation`: what the handlers of a connector generated from an OpenAPI document run. It
 * turns a method's parsed input into one `ctx.http` request as the operation describes it (path,
 * query, header and cookie parameters per `style`/`explode`, a JSON, form, multipart, text or
 * binary body) and reads the answer as the document's success response says.
 */
import { ConnectorError } from '../errors.js';
import type { HttpClient, HttpRequestOptions } from '../http/client.js';
import type { Pagination } from '../http/paginate.js';
import { serializeCookie, serializeHeader, serializePath, serializeQuery, type ParameterSpec } from './serialize.js';

export type { ParameterSpec, ParameterLocation } from './serialize.js';

/** The request body of an operation. */
export interface BodySpec {
  /** Its key in the method's input. */
  key: string;
  /** How it is encoded. */
  kind: 'json' | 'form' | 'multipart' | 'text' | 'binary';
  /** The media type sent as `Content-Type` (multipart sets its own boundary). */
  contentType: string;
  /** Members of a multipart body that are files: given as base64 text. @default none */
  files?: readonly string[];
}

/** How the success answer is read. */
export interface ResponseSpec {
  /** `json` (or whatever the API sends), `text`, `binary` (`{ contentType, size, base64 }`) or `none`. */
  kind: 'json' | 'text' | 'binary' | 'none';
  /** Largest binary answer returned, in bytes. @default 10 MiB */
  maxBytes?: number;
}

/** One operation of an OpenAPI document, as a generated handler hands it to {@link callOperation}. */
export interface OperationSpec {
  /** HTTP method, upper case. */
  method: string;
  /** Path template relative to the base URL, e.g. `/pets/{petId}`. */
  path: string;
  /** Parameters, in the document's order. @default none */
  params?: readonly ParameterSpec[];
  /** The request body. @default none */
  body?: BodySpec;
  /** @default { kind: 'json' } */
  response?: ResponseSpec;
}

/** A binary answer, as a method returns it. */
export interface BinaryResult {
  contentType: string;
  size: number;
  base64: string;
}

/** The largest binary answer {@link callOperation} returns unless the operation says otherwise. */
export const DEFAULT_MAX_BINARY_BYTES = 10 * 1024 * 1024;

/**
 * Sends the request `operation` describes with `input` (a method's parsed input) through `ctx.http`
 * and resolves to the answer's body (`undefined` for an empty one).
 * @throws ConnectorError `INPUT_INVALID` when a path parameter is missing, `RESPONSE_TOO_LARGE` for a binary answer over `maxBytes`, and what `ctx.http.request` throws
 */
export async function callOperation(
  ctx: { readonly http: HttpClient },
  operation: OperationSpec,
  input: Readonly<Record<string, unknown>>,
): Promise<any> {
  const { path, options } = prepare(operation, input);
  const response = operation.response ?? { kind: 'json' };
  if (response.kind === 'binary') options.responseType = 'bytes';
  else if (response.kind === 'text') options.responseType = 'text';
  const answer = await ctx.http.request<unknown>(path, options);
  if (response.kind === 'none') return undefined;
  if (response.kind !== 'binary') return answer.data === '' ? undefined : answer.data;
  const bytes = answer.data as Uint8Array;
  const limit = response.maxBytes ?? DEFAULT_MAX_BINARY_BYTES;
  if (bytes.byteLength > limit) {
    throw new ConnectorError(
      'RESPONSE_TOO_LARGE',
      `${operation.method} ${operation.path} answered ${bytes.byteLength} bytes, more than the ${limit} a method returns: raise maxBytes of the operation, or fetch it another way`,
    );
  }
  const result: BinaryResult = {
    contentType: answer.headers.get('content-type') ?? 'application/octet-stream',
    size: bytes.byteLength,
    base64: Buffer.from(bytes).toString('base64'),
  };
  return result;
}

/** How an operation's answers page, as the generator found it in the document. */
export interface PagingSpec {
  /** `cursor` (a member of the page names the next one), `link` (RFC 8288 `Link: rel="next"`) or `offset`. */
  type: 'cursor' | 'link' | 'offset';
  /** Dotted path of the page's array of items. @default the page itself */
  items?: string;
  /** `cursor`: dotted path of the next cursor in the page. */
  next?: string;
  /** `cursor`: the query parameter that carries it; `offset`: the offset parameter. */
  param?: string;
  /** `offset`: the page-size parameter. */
  limitParam?: string;
}

/** The largest number of items a `…All` method collects unless its input says otherwise. */
export const DEFAULT_MAX_ITEMS = 1000;

/** Reads a dotted path (`meta.next_cursor`) of a value. */
function at(value: unknown, path: string | undefined): unknown {
  if (path === undefined || path === '') return value;
  let node = value;
  for (const key of path.split('.')) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

/**
 * Every item of every page of `operation` (a GET), up to `maxItems`: the `…All` methods of a
 * generated connector. Pages are fetched with `ctx.http.paginate`, so the SDK's bounds hold (at most
 * 1000 pages, a repeated cursor or link ends the walk).
 * @throws ConnectorError `HTTP_BAD_RESPONSE` when a page's items are not an array, and what {@link callOperation} throws
 */
export async function collectPages(
  ctx: { readonly http: HttpClient },
  operation: OperationSpec,
  paging: PagingSpec,
  input: Readonly<Record<string, unknown>>,
  maxItems: number = DEFAULT_MAX_ITEMS,
): Promise<any[]> {
  const { path, options } = prepare(operation, input);
  const items = (page: unknown): readonly unknown[] => at(page, paging.items) as readonly unknown[];
  const query = { ...(options.query ?? {}) };
  let pagination: Pagination;
  switch (paging.type) {
    case 'cursor':
      delete query[paging.param ?? 'cursor'];
      pagination = { type: 'cursor', items, next: (page) => at(page, paging.next) as string | null, param: paging.param ?? 'cursor' };
      break;
    case 'offset': {
      const limit = Number(query[paging.limitParam ?? 'limit'] ?? 100);
      delete query[paging.param ?? 'offset'];
      delete query[paging.limitParam ?? 'limit'];
      pagination = {
        type: 'offset',
        items,
        limit: Number.isFinite(limit) && limit > 0 ? limit : 100,
        offsetParam: paging.param ?? 'offset',
        limitParam: paging.limitParam ?? 'limit',
      };
      break;
    }
    case 'link':
      pagination = paging.items === undefined ? { type: 'link' } : { type: 'link', items };
      break;
  }
  const { method: _method, json: _json, body: _body, responseType: _type, ...rest } = options;
  const out: unknown[] = [];
  if (maxItems <= 0) return out;
  for await (const item of ctx.http.paginate(path, { ...rest, query, pagination })) {
    out.push(item);
    if (out.length >= maxItems) break;
  }
  return out;
}

/** The path and request options of one call of `operation` with `input`. */
function prepare(operation: OperationSpec, input: Readonly<Record<string, unknown>>): { path: string; options: HttpRequestOptions } {
  const query: Array<[string, string | number | boolean]> = [];
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  let path = operation.path;
  for (const param of operation.params ?? []) {
    const value = input[param.key ?? param.name];
    if (param.in === 'path') {
      if (value === undefined || value === null) {
        throw new ConnectorError(
          'INPUT_INVALID',
          `${operation.method} ${operation.path}: the path parameter "${param.key ?? param.name}" is missing`,
        );
      }
      const segment = serializePath(param, value);
      // `..` would climb out of the operation's path once the URL is normalized (%2E%2E too).
      if (segment === '.' || segment === '..' || segment === '') {
        throw new ConnectorError(
          'INPUT_INVALID',
          `${operation.method} ${operation.path}: the path parameter "${param.key ?? param.name}" may not be "${segment}"`,
        );
      }
      path = path.split(`{${param.name}}`).join(segment);
      continue;
    }
    if (value === undefined || value === null) continue;
    if (param.in === 'query') query.push(...serializeQuery(param, value));
    else if (param.in === 'header') headers[param.name] = serializeHeader(param, value);
    else cookies.push(serializeCookie(param, value));
  }
  if (cookies.length > 0) headers.Cookie = cookies.join('; ');

  const options: HttpRequestOptions = { method: operation.method, headers };
  const queryParams = groupQuery(query);
  if (queryParams !== undefined) options.query = queryParams;
  const body = operation.body;
  const value = body === undefined ? undefined : input[body.key];
  if (body !== undefined && value !== undefined) encodeBody(body, value, options, headers);

  return { path, options };
}

/** Query entries as the HTTP client's `query` (a repeated key becomes an array). */
function groupQuery(
  entries: ReadonlyArray<[string, string | number | boolean]>,
): Record<string, string | number | boolean | Array<string | number | boolean>> | undefined {
  if (entries.length === 0) return undefined;
  const out: Record<string, string | number | boolean | Array<string | number | boolean>> = {};
  for (const [key, value] of entries) {
    const prior = out[key];
    if (prior === undefined) out[key] = value;
    else out[key] = Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return out;
}

/** Puts the body on the request as its media type says. */
function encodeBody(body: BodySpec, value: unknown, options: HttpRequestOptions, headers: Record<string, string>): void {
  switch (body.kind) {
    case 'json':
      options.json = value;
      if (body.contentType !== 'application/json') headers['Content-Type'] = body.contentType;
      return;
    case 'text':
      options.body = typeof value === 'string' ? value : JSON.stringify(value);
      headers['Content-Type'] = body.contentType;
      return;
    case 'binary':
      options.body = typeof value === 'string' ? Buffer.from(value, 'base64') : new Uint8Array(value as ArrayBufferLike);
      headers['Content-Type'] = body.contentType;
      return;
    case 'form': {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        if (v === undefined || v === null) continue;
        for (const item of Array.isArray(v) ? v : [v]) form.append(k, typeof item === 'object' ? JSON.stringify(item) : String(item));
      }
      options.body = form;
      return;
    }
    case 'multipart': {
      const form = new FormData();
      const files = new Set(body.files ?? []);
      for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        if (v === undefined || v === null) continue;
        if (files.has(k) && typeof v === 'string') form.append(k, new Blob([Buffer.from(v, 'base64')]), k);
        else for (const item of Array.isArray(v) ? v : [v]) form.append(k, typeof item === 'object' ? JSON.stringify(item) : String(item));
      }
      options.body = form;
      return;
    }
  }
}
