/**
 * ctx.http.paginate: cursor, Link header and offset styles against a real local server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, nextLink } from '../../src/index.js';
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
