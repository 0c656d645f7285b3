/**
 * Pagination: cursor, `Link` header and offset styles. One page at a time ({@link fetchPage},
 * `ctx.http.page`: the items and an opaque cursor of the next page) and every page as an async
 * iterator ({@link paginate}, `ctx.http.paginate`), which is the same page fetch in a loop: items
 * are fetched page by page as the loop asks for more, so `break` stops the requests too.
 *
 * Type parameters are `<Item, Page>`: the item type comes first because it is the one worth
 * writing down (`paginate<Contact>('/contacts')` with the connector's declared pagination);
 * `Page` is inferred from an annotated `items` (`items: (page: ContactPage) => page.data`), which
 * then types `next` as well.
 */
import { ConnectorError } from '../errors.js';
import type { HttpRequestOptions, QueryParams } from './client.js';

/** Pages carry a cursor for the next page: `?cursor=<next(page)>` until `next` returns nothing. */
export interface CursorPagination<Item = unknown, Page = any> {
  type: 'cursor';
  /** The items of a page. */
  items: (page: Page) => readonly Item[];
  /** The cursor of the next page, or null/undefined/'' on the last page. */
  next: (page: Page) => string | number | null | undefined;
  /** Query parameter that carries the cursor. @default 'cursor' */
  param?: string;
}

/** The next page's URL is in the `Link` header (`<…>; rel="next"`, RFC 8288). */
export interface LinkPagination<Item = unknown, Page = any> {
  type: 'link';
  /** The items of a page. @default the page itself, which must be an array */
  items?: (page: Page) => readonly Item[];
}

/** Pages are addressed by `offset` and `limit`; a page shorter than `limit` is the last. */
export interface OffsetPagination<Item = unknown, Page = any> {
  type: 'offset';
  /** The items of a page. */
  items: (page: Page) => readonly Item[];
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
export type Pagination<Item = unknown, Page = any> =
  CursorPagination<Item, Page> | LinkPagination<Item, Page> | OffsetPagination<Item, Page>;

/**
 * Changes to the connector's declared pagination (`http.pagination`) for one call: the members
 * given replace the declared ones, e.g. `{ items: (page) => page.contacts }` for an endpoint
 * with another envelope. A value with a `type` is a whole pagination and replaces the declared one.
 */
export type PaginationOverride<Item = unknown, Page = any> = { type?: undefined } & Partial<
  Omit<CursorPagination<Item, Page>, 'type'> & Omit<OffsetPagination<Item, Page>, 'type'>
>;

/** Options of {@link HttpClient.page}: a GET request, how to page, and where to start. */
export interface PageOptions<Item = unknown, Page = any> extends Omit<HttpRequestOptions, 'method' | 'json' | 'body'> {
  /** How to page. @default the connector's `http.pagination` (required when there is none) */
  pagination?: Pagination<Item, Page> | PaginationOverride<Item, Page>;
  /** The `next` of an earlier page; null or absent for the first page. @default null */
  cursor?: string | null | undefined;
}

/** Options of {@link HttpClient.paginate}: those of one page, plus a bound on the walk. */
export interface PaginateOptions<Item = unknown, Page = any> extends PageOptions<Item, Page> {
  /** Stop after this many pages, whatever the API says. @default 1000 */
  maxPages?: number;
}

/** One page: its items, and the cursor of the next page (null on the last page). */
export interface PageResult<Item> {
  items: Item[];
  /**
   * Opaque cursor of the next page: pass it back as `cursor`. A cursor value (cursor style), a
   * URL (link style) or an offset (offset style); null when this was the last page.
   */
  next: string | null;
}

/** What pagination needs from the client (kept narrow so the module does not see auth or retries). */
export interface PageRequester {
  request<T>(path: string, options: HttpRequestOptions): Promise<{ data: T; headers: Headers; url: string }>;
  /** The absolute URL a request to `path` goes to. */
  url(path: string): Promise<string>;
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

/**
 * The pagination in effect: the call's, the declared one with the call's changes, or the declared one.
 * @throws ConnectorError `DEFINITION_INVALID` when there is none
 */
export function resolvePagination<Item, Page>(
  path: string,
  given: Pagination<Item, Page> | PaginationOverride<Item, Page> | undefined,
  declared: Pagination | undefined,
): Pagination<Item, Page> {
  if (given?.type !== undefined) return given as Pagination<Item, Page>;
  if (declared === undefined) {
    throw new ConnectorError(
      'DEFINITION_INVALID',
      `pagination of ${JSON.stringify(path)} is unknown: pass { pagination: { type: 'cursor' | 'link' | 'offset', … } } or declare http.pagination in defineConnector()`,
    );
  }
  return (given === undefined ? declared : { ...declared, ...stripUndefined(given) }) as Pagination<Item, Page>;
}

function stripUndefined(value: object): object {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

function itemsOf<Item>(pagination: Pagination<Item>, page: unknown): Item[] {
  const items = pagination.items ? pagination.items(page) : page;
  if (!Array.isArray(items)) {
    throw new ConnectorError(
      'HTTP_BAD_RESPONSE',
      `pagination (${pagination.type}): a page's items are not an array (got ${items === null ? 'null' : typeof items}); check the items() function`,
    );
  }
  // A copy: the result is the caller's to keep, whatever items() returned.
  return [...(items as readonly Item[])];
}

function badCursor(cursor: string, expected: string): ConnectorError {
  return new ConnectorError(
    'CURSOR_INVALID',
    `the page cursor ${JSON.stringify(cursor.slice(0, 200))} is not ${expected}: pass back the \`next\` of an earlier page, or null for the first page`,
  );
}

/** The request of the page at `cursor` (undefined: the first page). */
async function pageRequest(
  client: PageRequester,
  path: string,
  query: QueryParams | undefined,
  pagination: Pagination<unknown>,
  cursor: string | undefined,
  trusted: boolean,
): Promise<{ url: string; query: QueryParams }> {
  switch (pagination.type) {
    case 'cursor':
      return { url: path, query: cursor === undefined ? { ...query } : { ...query, [pagination.param ?? 'cursor']: cursor } };
    case 'link': {
      if (cursor === undefined) return { url: path, query: { ...query } };
      if (!trusted) {
        // A cursor from the caller becomes a URL the connector requests with its credentials:
        // only a link on the API's own origin is taken (no requests to hosts a caller picks).
        let target: URL;
        try {
          target = new URL(cursor);
        } catch {
          throw badCursor(cursor, 'a URL');
        }
        const origin = new URL(await client.url(path)).origin;
        if (target.origin !== origin) throw badCursor(cursor, `a link of ${origin}`);
      }
      // The link is the whole next URL, query included.
      return { url: cursor, query: {} };
    }
    case 'offset': {
      const start = pagination.start ?? 0;
      let offset = start;
      if (cursor !== undefined) {
        if (!/^\d{1,15}$/.test(cursor)) throw badCursor(cursor, 'an offset (a whole number)');
        offset = Number(cursor);
      }
      return {
        url: path,
        query: { ...query, [pagination.offsetParam ?? 'offset']: offset, [pagination.limitParam ?? 'limit']: pagination.limit ?? 100 },
      };
    }
    default:
      return unknownType(pagination);
  }
}

/** The cursor of the page after `data`, or null on the last page. */
function nextCursor(
  pagination: Pagination<unknown>,
  data: unknown,
  headers: Headers,
  url: string,
  items: number,
  at: string | undefined,
): string | null {
  switch (pagination.type) {
    case 'cursor': {
      const next = pagination.next(data);
      return next === null || next === undefined || next === '' ? null : String(next);
    }
    case 'link':
      return nextLink(headers.get('link'), url) ?? null;
    case 'offset': {
      const limit = pagination.limit ?? 100;
      if (items < limit) return null;
      return String((at === undefined ? (pagination.start ?? 0) : Number(at)) + limit);
    }
    default:
      return unknownType(pagination);
  }
}

function unknownType(pagination: never): never {
  throw new ConnectorError(
    'DEFINITION_INVALID',
    `unknown pagination type ${JSON.stringify((pagination as { type?: unknown }).type)}: use cursor, link or offset`,
  );
}

/**
 * Fetches one page: GET `path` at `cursor` (the first page without one), and returns its items
 * and the cursor of the next. `trusted` cursors came from this walk, not from a caller.
 * @throws ConnectorError `CURSOR_INVALID` for a cursor this pagination cannot have produced, `HTTP_BAD_RESPONSE` when items are not an array
 */
export async function fetchPage<Item>(
  client: PageRequester,
  path: string,
  pagination: Pagination<Item>,
  options: Omit<PageOptions<Item>, 'pagination' | 'cursor'>,
  cursor: string | undefined,
  trusted = false,
): Promise<PageResult<Item>> {
  const target = await pageRequest(client, path, options.query, pagination, cursor, trusted);
  const res = await client.request<unknown>(target.url, { ...options, method: 'GET', query: target.query });
  const items = itemsOf(pagination, res.data);
  return { items, next: nextCursor(pagination, res.data, res.headers, res.url, items.length, cursor) };
}

/**
 * Walks the pages of `path` from `cursor` (or the first page). Stops on the last page, on a
 * repeated cursor or link, or after `maxPages`.
 */
export async function* paginate<Item>(
  client: PageRequester,
  path: string,
  pagination: Pagination<Item>,
  options: Omit<PaginateOptions<Item>, 'pagination'>,
): AsyncGenerator<Item, void, undefined> {
  const { maxPages = 1000, cursor: first, ...request } = options;
  const seen = new Set<string>();
  let cursor = first ?? undefined;
  for (let page = 0; page < maxPages; page++) {
    // Only the first cursor may come from the caller; the rest come from the API's own pages.
    const result = await fetchPage(client, path, pagination, request, cursor, page > 0);
    yield* result.items;
    if (result.next === null || seen.has(result.next)) return;
    seen.add(result.next);
    cursor = result.next;
  }
}
