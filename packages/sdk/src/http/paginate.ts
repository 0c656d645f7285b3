/**
 * Pagination as an async iterator: cursor, `Link` header and offset styles. Items are fetched
 * page by page as the loop asks for more, so `break` stops the requests too.
 */
import { ConnectorError } from '../errors.js';
import type { HttpClient, HttpRequestOptions, QueryParams } from './client.js';

/** Pages carry a cursor for the next page: `?cursor=<next(page)>` until `next` returns nothing. */
export interface CursorPagination<T> {
  type: 'cursor';
  /** The items of a page. */
  items: (page: any) => readonly T[];
  /** The cursor of the next page, or null/undefined/'' on the last page. */
  next: (page: any) => string | number | null | undefined;
  /** Query parameter that carries the cursor. @default 'cursor' */
  param?: string;
}

/** The next page's URL is in the `Link` header (`<…>; rel="next"`, RFC 8288). */
export interface LinkPagination<T> {
  type: 'link';
  /** The items of a page. @default the page itself, which must be an array */
  items?: (page: any) => readonly T[];
}

/** Pages are addressed by `offset` and `limit`; a page shorter than `limit` is the last. */
export interface OffsetPagination<T> {
  type: 'offset';
  /** The items of a page. */
  items: (page: any) => readonly T[];
  /** Page size. @default 100 */
  limit?: number;
  /** Query parameter of the offset. @default 'offset' */
  offsetParam?: string;
  /** Query parameter of the page size. @default 'limit' */
  limitParam?: string;
  /** Offset of the first page. @default 0 */
  start?: number;
}

/** How an API pages its results. */
export type Pagination<T> = CursorPagination<T> | LinkPagination<T> | OffsetPagination<T>;

/** Options of {@link HttpClient.paginate}: a GET request plus how to page. */
export interface PaginateOptions<T> extends Omit<HttpRequestOptions, 'method' | 'json' | 'body'> {
  pagination: Pagination<T>;
  /** Stop after this many pages, whatever the API says. @default 1000 */
  maxPages?: number;
}

/**
 * The URL of `rel="next"` in a `Link` header, resolved against `base`, or undefined.
 */
export function nextLink(header: string | null, base: string): string | undefined {
  if (!header) return undefined;
  // Each link: <uri-reference>; param=value; ...  (commas may occur inside <>, so match links whole)
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,="\s]+\s*(?:=\s*(?:"[^"]*"|[^;,]*))?)*)/g)) {
    const params = match[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) return new URL(match[1] ?? '', base).href;
  }
  return undefined;
}

function itemsOf<T>(pagination: Pagination<T>, page: unknown): readonly T[] {
  const items = pagination.items ? pagination.items(page) : page;
  if (!Array.isArray(items)) {
    throw new ConnectorError(
      'HTTP_BAD_RESPONSE',
      `pagination (${pagination.type}): a page's items are not an array (got ${items === null ? 'null' : typeof items}); check the items() function`,
    );
  }
  return items as readonly T[];
}

/** Walks the pages of `path`. Stops on the last page, on a repeated cursor or link, or after `maxPages`. */
export async function* paginate<T>(client: HttpClient, path: string, options: PaginateOptions<T>): AsyncGenerator<T, void, undefined> {
  const { pagination, maxPages = 1000, ...request } = options;
  const seen = new Set<string>();
  let url = path;
  let query: QueryParams = { ...request.query };
  if (pagination.type === 'offset') {
    query = {
      ...query,
      [pagination.offsetParam ?? 'offset']: pagination.start ?? 0,
      [pagination.limitParam ?? 'limit']: pagination.limit ?? 100,
    };
  }
  for (let page = 0; page < maxPages; page++) {
    const res = await client.request<unknown>(url, { ...request, method: 'GET', query });
    const items = itemsOf(pagination, res.data);
    yield* items;
    switch (pagination.type) {
      case 'cursor': {
        const next = pagination.next(res.data);
        if (next === null || next === undefined || next === '' || seen.has(String(next))) return;
        seen.add(String(next));
        query = { ...query, [pagination.param ?? 'cursor']: String(next) };
        break;
      }
      case 'link': {
        const next = nextLink(res.headers.get('link'), res.url);
        if (next === undefined || seen.has(next)) return;
        seen.add(next);
        // The link is the whole next URL, query included.
        url = next;
        query = {};
        break;
      }
      case 'offset': {
        const limit = pagination.limit ?? 100;
        if (items.length < limit) return;
        const start = pagination.start ?? 0;
        query = { ...query, [pagination.offsetParam ?? 'offset']: start + (page + 1) * limit, [pagination.limitParam ?? 'limit']: limit };
        break;
      }
      default: {
        const never: never = pagination;
        throw new ConnectorError(
          'DEFINITION_INVALID',
          `unknown pagination type ${JSON.stringify((never as { type?: unknown }).type)}: use cursor, link or offset`,
        );
      }
    }
  }
}
