/**
 * ctx.http.paginate and ctx.http.page: cursor, Link header and offset styles against a real
 * local server; pagination declared once per client with per-call changes; typed pages.
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { createHttpClient, nextLink, type PageResult, type Pagination } from '../../src/index.js';
import { startApi, type TestApi } from '../support/api-server.js';

const ALL = Array.from({ length: 7 }, (_, i) => ({ id: i + 1 }));
let server: TestApi | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('paginate', () => {
  it('follows a cursor until the API gives none', async () => {
    server = await startApi((req) => {
      const from = Number(req.query.get('cursor') ?? 0);
      const next = from + 3 < ALL.length ? String(from + 3) : null;
      return { body: { data: ALL.slice(from, from + 3), next } };
    });
    const http = createHttpClient({ baseUrl: server.url });
    const items = await collect(
      http.paginate('/items', { query: { q: 'x' }, pagination: { type: 'cursor', items: (p) => p.data, next: (p) => p.next } }),
    );
    expect(items).toEqual(ALL);
    expect(server.requests.map((r) => r.query.toString())).toEqual(['q=x', 'q=x&cursor=3', 'q=x&cursor=6']);
  });

  it('follows Link rel="next" headers', async () => {
    server = await startApi((req) => {
      const page = Number(req.query.get('page') ?? 1);
      const link =
        page < 3
          ? `<${server!.url}/items?page=${page + 1}>; rel="next", <${server!.url}/items?page=3>; rel="last"`
          : `<${server!.url}/items?page=1>; rel="first"`;
      return { headers: { link }, body: ALL.slice((page - 1) * 3, page * 3) };
    });
    const http = createHttpClient({ baseUrl: server.url });
    expect(await collect(http.paginate('/items', { pagination: { type: 'link' } }))).toEqual(ALL);
    expect(server.requests).toHaveLength(3);
  });

  it('pages by offset and stops at a short page', async () => {
    server = await startApi((req) => {
      const offset = Number(req.query.get('skip'));
      const limit = Number(req.query.get('top'));
      return { body: { rows: ALL.slice(offset, offset + limit) } };
    });
    const http = createHttpClient({ baseUrl: server.url });
    const items = await collect(
      http.paginate('/rows', { pagination: { type: 'offset', items: (p) => p.rows, limit: 3, offsetParam: 'skip', limitParam: 'top' } }),
    );
    expect(items).toEqual(ALL);
    expect(server.requests.map((r) => r.query.get('skip'))).toEqual(['0', '3', '6']);
  });

  it('stops requesting when the loop breaks', async () => {
    server = await startApi((req) => ({ body: { data: [1, 2, 3], next: String(Number(req.query.get('cursor') ?? 0) + 1) } }));
    const http = createHttpClient({ baseUrl: server.url });
    let seen = 0;
    for await (const _item of http.paginate('/endless', { pagination: { type: 'cursor', items: (p) => p.data, next: (p) => p.next } })) {
      if (++seen === 4) break;
    }
    expect(server.requests).toHaveLength(2);
  });

  it('stops on a cursor it has already followed and after maxPages', async () => {
    server = await startApi(() => ({ body: { data: [1], next: 'same' } }));
    const http = createHttpClient({ baseUrl: server.url });
    expect(await collect(http.paginate('/loop', { pagination: { type: 'cursor', items: (p) => p.data, next: (p) => p.next } }))).toEqual([
      1, 1,
    ]);
    server.handler = (req) => ({ body: { data: [1], next: `${Number(req.query.get('cursor') ?? 0) + 1}` } });
    expect(
      await collect(http.paginate('/many', { maxPages: 5, pagination: { type: 'cursor', items: (p) => p.data, next: (p) => p.next } })),
    ).toHaveLength(5);
  });

  it('fails clearly when items() does not return an array', async () => {
    server = await startApi(() => ({ body: { data: 'nope' } }));
    const http = createHttpClient({ baseUrl: server.url });
    await expect(collect(http.paginate('/x', { pagination: { type: 'link', items: (p) => p.data } }))).rejects.toMatchObject({
      code: 'HTTP_BAD_RESPONSE',
    });
  });
});

describe('nextLink', () => {
  it('finds rel=next among several links and rel values, quoted or not', () => {
    expect(nextLink('<https://a.test/x?p=2>; rel="next last"', 'https://a.test/')).toBe('https://a.test/x?p=2');
    expect(nextLink('</p/3>; rel=prev, </p/5>; rel=next', 'https://a.test/p/4')).toBe('https://a.test/p/5');
    expect(nextLink('<https://a.test/?a=1,2>; title="x, y"; rel="next"', 'https://a.test/')).toBe('https://a.test/?a=1,2');
    expect(nextLink('<https://a.test/1>; rel="prev"', 'https://a.test/')).toBeUndefined();
    expect(nextLink(null, 'https://a.test/')).toBeUndefined();
  });
});

interface ContactPage {
  data: Array<{ id: number }>;
  next: string | null;
}

/** Pages of ALL by a numeric cursor, three at a time. */
const cursorPages = (req: { query: URLSearchParams }) => {
  const from = Number(req.query.get('cursor') ?? 0);
  return { body: { data: ALL.slice(from, from + 3), next: from + 3 < ALL.length ? String(from + 3) : null } };
};

describe('page', () => {
  it('returns one page and the cursor of the next, and takes that cursor back', async () => {
    server = await startApi(cursorPages);
    const http = createHttpClient({ baseUrl: server.url });
    const pagination: Pagination<{ id: number }, ContactPage> = { type: 'cursor', items: (p) => p.data, next: (p) => p.next };
    const first = await http.page('/items', { pagination, query: { q: 'x' } });
    expectTypeOf(first).toEqualTypeOf<PageResult<{ id: number }>>();
    expect(first).toEqual({ items: ALL.slice(0, 3), next: '3' });
    const second = await http.page('/items', { pagination, query: { q: 'x' }, cursor: first.next });
    expect(second).toEqual({ items: ALL.slice(3, 6), next: '6' });
    const last = await http.page('/items', { pagination, query: { q: 'x' }, cursor: second.next });
    expect(last).toEqual({ items: ALL.slice(6), next: null });
    expect(server.requests.map((r) => r.query.toString())).toEqual(['q=x', 'q=x&cursor=3', 'q=x&cursor=6']);
  });

  it('walks the same pages as paginate, which can resume from a cursor', async () => {
    server = await startApi(cursorPages);
    const http = createHttpClient({ baseUrl: server.url });
    const pagination = { type: 'cursor', items: (p: ContactPage) => p.data, next: (p: ContactPage) => p.next } as const;
    const pages: Array<{ id: number }> = [];
    let cursor: string | null = null;
    do {
      const page: PageResult<{ id: number }> = await http.page('/items', { pagination, cursor });
      pages.push(...page.items);
      cursor = page.next;
    } while (cursor !== null);
    expect(pages).toEqual(await collect(http.paginate('/items', { pagination })));
    expect(await collect(http.paginate('/items', { pagination, cursor: '3' }))).toEqual(ALL.slice(3));
  });

  it('hands out Link pages as URLs and takes back only links to the API origin', async () => {
    server = await startApi((req) => {
      const page = Number(req.query.get('page') ?? 1);
      const headers: Record<string, string> = page < 3 ? { link: `<${server!.url}/items?page=${page + 1}>; rel="next"` } : {};
      return { headers, body: ALL.slice((page - 1) * 3, page * 3) };
    });
    const http = createHttpClient({ baseUrl: server.url });
    const first = await http.page('/items', { pagination: { type: 'link' } });
    expect(first).toEqual({ items: ALL.slice(0, 3), next: `${server.url}/items?page=2` });
    expect(await http.page('/items', { pagination: { type: 'link' }, cursor: first.next })).toMatchObject({ items: ALL.slice(3, 6) });
    // A caller's cursor is a URL the connector would request with its credentials: never another host.
    for (const cursor of [
      'http://169.254.169.254/latest/meta-data',
      'not a url',
      `${server.url.replace('127.0.0.1', 'localhost')}/items`,
    ]) {
      await expect(http.page('/items', { pagination: { type: 'link' }, cursor })).rejects.toMatchObject({ code: 'CURSOR_INVALID' });
    }
    expect(server.requests).toHaveLength(2);
  });

  it('hands out offsets as cursors and refuses a cursor that is not one', async () => {
    server = await startApi((req) => {
      const offset = Number(req.query.get('offset'));
      return { body: { rows: ALL.slice(offset, offset + Number(req.query.get('limit'))) } };
    });
    const http = createHttpClient({ baseUrl: server.url });
    const pagination = { type: 'offset', items: (p: { rows: unknown[] }) => p.rows, limit: 3 } as const;
    expect(await http.page('/rows', { pagination })).toEqual({ items: ALL.slice(0, 3), next: '3' });
    expect(await http.page('/rows', { pagination, cursor: '6' })).toEqual({ items: ALL.slice(6), next: null });
    await expect(http.page('/rows', { pagination, cursor: '-1' })).rejects.toMatchObject({
      code: 'CURSOR_INVALID',
      message: expect.stringContaining('an offset (a whole number)'),
    });
    expect(server.requests.map((r) => r.query.get('offset'))).toEqual(['0', '6']);
  });

  it('uses the pagination declared on the client, with per-call changes or a replacement', async () => {
    server = await startApi((req) => {
      if (req.path === '/people') {
        const from = Number(req.query.get('cursor') ?? 0);
        return { body: { people: ALL.slice(from, from + 3), next: from + 3 < ALL.length ? String(from + 3) : null } };
      }
      if (req.path === '/links') return { body: ALL.slice(0, 2) };
      return cursorPages(req);
    });
    const http = createHttpClient({
      baseUrl: server.url,
      pagination: { type: 'cursor', items: (p: ContactPage) => p.data, next: (p: ContactPage) => p.next },
    });
    expect(await collect(http.paginate<{ id: number }>('/items'))).toEqual(ALL);
    // Another envelope on one endpoint: only `items` changes; the cursor rule stays.
    expect(await collect(http.paginate('/people', { pagination: { items: (p: { people: Array<{ id: number }> }) => p.people } }))).toEqual(
      ALL,
    );
    // A value with a type is a whole pagination of its own.
    expect(await http.page('/links', { pagination: { type: 'link' } })).toEqual({ items: ALL.slice(0, 2), next: null });
  });

  it('fails clearly when neither the call nor the client says how to page', async () => {
    server = await startApi(cursorPages);
    const http = createHttpClient({ baseUrl: server.url });
    await expect(http.page('/items')).rejects.toMatchObject({
      code: 'DEFINITION_INVALID',
      message: expect.stringContaining('declare http.pagination in defineConnector()'),
    });
    await expect(collect(http.paginate('/items', { pagination: { items: (p: ContactPage) => p.data } }))).rejects.toMatchObject({
      code: 'DEFINITION_INVALID',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('types items and pages from an annotated items function', () => {
    const http = createHttpClient({ baseUrl: 'https://api.example.test' });
    const walk = http.paginate('/items', { pagination: { type: 'cursor', items: (p: ContactPage) => p.data, next: (p) => p.next } });
    expectTypeOf(walk).toEqualTypeOf<AsyncGenerator<{ id: number }, void, undefined>>();
    expectTypeOf(http.page<{ id: number }>).returns.toEqualTypeOf<Promise<PageResult<{ id: number }>>>();
    http.paginate<{ id: number }, ContactPage>('/items', {
      // @ts-expect-error: ContactPage has no member `nxt`
      pagination: { type: 'cursor', items: (p) => p.data, next: (p) => p.nxt },
    });
    void walk.return();
  });
});
