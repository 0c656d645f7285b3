/**
 * Pagination where the document shows it, for the `…All` methods: a `Link` header on the answer
 * (RFC 8288, GitHub's style), a cursor parameter with a next-cursor member in the page, or
 * offset and limit parameters. The items are the page itself or its one array member.
 */
import type { PagingSpec } from '../../openapi/call.js';
import { resolvePointer, type Json, type OperationModel } from './model.js';
import { isRecord } from '../../protocol/json.js';

const CURSOR_PARAMS = [
  'cursor',
  'page_token',
  'pageToken',
  'next_token',
  'nextToken',
  'starting_after',
  'after',
  'continuation_token',
  'continuationToken',
  'marker',
  'page_cursor',
  'pageCursor',
];
const NEXT_FIELDS = [
  'next_cursor',
  'nextCursor',
  'next_page_token',
  'nextPageToken',
  'next_token',
  'nextToken',
  'continuation_token',
  'continuationToken',
  'next_marker',
  'nextMarker',
  'cursor',
  'next',
];
const OFFSET_PARAMS = ['offset', 'skip', 'start'];
const LIMIT_PARAMS = ['limit', 'per_page', 'page_size', 'pageSize', 'count', 'max_results', 'maxResults', 'top', '$top', 'size'];

/** What an `…All` method needs: how to page, and the schema of one item. */
export interface Paging {
  spec: PagingSpec;
  /** The schema of one item (a `$ref` or inline). */
  item: unknown;
  /** Input keys the paging fills in itself (cursor, offset). */
  managed: string[];
}

function follow(doc: Json, schema: unknown): Json | undefined {
  let node = schema;
  for (let i = 0; i < 20 && isRecord(node) && typeof node.$ref === 'string'; i++) node = resolvePointer(doc, node.$ref);
  return isRecord(node) ? node : undefined;
}

/** The page's one array member (`data`, `items`, …): its name and item schema. */
function arrayMember(doc: Json, page: Json): { name?: string; item: unknown } | undefined {
  if (page.type === 'array' || page.items !== undefined) return { item: page.items };
  const props = isRecord(page.properties) ? page.properties : {};
  const arrays = Object.entries(props).filter(([, p]) => {
    const s = follow(doc, p);
    return s !== undefined && (s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array')));
  });
  if (arrays.length !== 1) return undefined;
  return { name: arrays[0]![0], item: follow(doc, arrays[0]![1])!.items };
}

/** A next-cursor member of the page, at the top or one object down (`meta.next_cursor`). */
function nextMember(doc: Json, page: Json): string | undefined {
  const props = isRecord(page.properties) ? page.properties : {};
  for (const name of NEXT_FIELDS) {
    const s = follow(doc, props[name]);
    if (s !== undefined && (s.type === 'string' || (Array.isArray(s.type) && s.type.includes('string')))) return name;
  }
  for (const [outer, p] of Object.entries(props)) {
    const s = follow(doc, p);
    if (s === undefined || !isRecord(s.properties)) continue;
    const inner = nextMember(doc, { properties: s.properties });
    if (inner !== undefined && !inner.includes('.')) return `${outer}.${inner}`;
  }
  return undefined;
}

/** How `op` pages, or undefined when the document shows no pagination. */
export function detectPaging(doc: Json, op: OperationModel, keyOf: (name: string) => string | undefined): Paging | undefined {
  if (op.method !== 'GET' || op.response.kind !== 'json') return undefined;
  const page = follow(doc, op.response.schema);
  if (page === undefined) return undefined;
  const array = arrayMember(doc, page);
  if (array === undefined) return undefined;
  const query = op.params.filter((p) => p.in === 'query').map((p) => p.name);
  const items = array.name === undefined ? {} : { items: array.name };
  if ((op.response.headers ?? []).some((h) => h.toLowerCase() === 'link')) {
    return { spec: { type: 'link', ...items }, item: array.item, managed: [] };
  }
  const cursor = CURSOR_PARAMS.find((c) => query.includes(c));
  const next = array.name === undefined ? undefined : nextMember(doc, page);
  if (cursor !== undefined && next !== undefined) {
    return { spec: { type: 'cursor', ...items, next, param: cursor }, item: array.item, managed: [keyOf(cursor)!] };
  }
  const offset = OFFSET_PARAMS.find((o) => query.includes(o));
  const limit = LIMIT_PARAMS.find((l) => query.includes(l));
  if (offset !== undefined && limit !== undefined) {
    return { spec: { type: 'offset', ...items, param: offset, limitParam: limit }, item: array.item, managed: [keyOf(offset)!] };
  }
  return undefined;
}
