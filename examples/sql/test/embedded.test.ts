/**
 * The connector in embedded mode (PGlite in memory), called through the SDK's test harness:
 * the same dispatch as the runtime, without a workspace. One database for the whole file,
 * since starting PGlite takes seconds.
 */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createTestHarness } from '@connector-kit/sdk/testing';
import { createSqlConnector } from '../src/index.js';

const connector = createSqlConnector({ waitMs: 1_000 });
const harness = createTestHarness(connector, { config: { type: 'embedded' } });

beforeAll(async () => {
  await harness.start();
  await harness.call('query', { sql: 'CREATE TABLE items (id int PRIMARY KEY, grp int NOT NULL, label text)' });
  await harness.call('query', {
    sql: "INSERT INTO items SELECT i, i % 3, 'item ' || i FROM generate_series(1, $1::int) AS i",
    values: [2_500],
  });
}, 180_000);

afterAll(() => harness.stop());

describe('sql connector, embedded', () => {
  it('queries the sample schema with bound values', async () => {
    const result = await harness.call('query', { sql: 'SELECT id, name FROM customers WHERE country = $1', values: ['GB'] });
    expectTypeOf(result.affectedRows).toEqualTypeOf<number>();
    expect(result).toEqual({ rows: [{ id: 1, name: 'Ada Lovelace' }], columns: ['id', 'name'], affectedRows: 0 });
  });

  it('treats a bound value as data, never as SQL', async () => {
    const evil = "GB' OR '1'='1";
    expect((await harness.call('query', { sql: 'SELECT id FROM customers WHERE country = $1', values: [evil] })).rows).toEqual([]);
  });

  it('returns JSON-safe values: int8 and numeric as strings, dates as text, bytea as base64', async () => {
    const { rows } = await harness.call('query', {
      sql: "SELECT 9007199254740993::int8 AS big, 1.10::numeric AS n, DATE '2024-02-29' AS d, '\\x0102ff'::bytea AS b, $1::jsonb AS j",
      values: [{ a: [1, 'x'] }],
    });
    expect(rows).toEqual([{ big: '9007199254740993', n: '1.10', d: '2024-02-29', b: 'AQL/', j: { a: [1, 'x'] } }]);
  });

  it('counts affected rows of writes', async () => {
    const result = await harness.call('query', { sql: 'UPDATE items SET label = label WHERE grp = $1', values: [0] });
    expect(result).toEqual({ rows: [], columns: [], affectedRows: 833 });
  });

  it('inserts, selects, updates and deletes without SQL', async () => {
    const inserted = await harness.call('insert', {
      table: 'customers',
      rows: [
        { name: 'Katherine Johnson', email: 'kj@example.com', country: 'US' },
        { name: 'Mary Jackson', email: 'mj@example.com' },
      ],
    });
    expect(inserted.affectedRows).toBe(2);
    const selected = await harness.call('select', {
      table: 'public.customers',
      columns: ['name', 'country'],
      where: { country: null },
      orderBy: ['id'],
    });
    expect(selected.rows).toEqual([{ name: 'Mary Jackson', country: null }]);
    expect(
      (await harness.call('update', { table: 'customers', set: { country: 'US' }, where: { email: 'mj@example.com' } })).affectedRows,
    ).toBe(1);
    expect((await harness.call('delete', { table: 'customers', where: { country: 'US', name: 'Mary Jackson' } })).affectedRows).toBe(1);
    expect((await harness.call('select', { table: 'customers', where: { email: 'mj@example.com' } })).rows).toEqual([]);
  });

  it('refuses update and delete without conditions', async () => {
    await expect(harness.call('delete', { table: 'orders', where: {} })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(harness.call('update', { table: 'orders', set: { total: 0 }, where: {} })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
  });

  it('commits a transaction as a whole', async () => {
    const { results } = await harness.call('transaction', {
      statements: [
        { sql: 'INSERT INTO orders (customer_id, total) VALUES ($1, $2)', values: [3, 12.5] },
        { sql: 'SELECT count(*)::int AS n FROM orders WHERE customer_id = $1', values: [3] },
      ],
    });
    expect(results.map((r) => r.affectedRows)).toEqual([1, 0]);
    expect(results[1]?.rows).toEqual([{ n: 1 }]);
  });

  it('rolls a transaction back when one statement fails, and says which', async () => {
    const before = await harness.call('query', { sql: 'SELECT count(*)::int AS n FROM orders' });
    const failure = harness.call('transaction', {
      statements: [
        { sql: 'INSERT INTO orders (customer_id, total) VALUES ($1, $2)', values: [1, 1] },
        { sql: 'INSERT INTO orders (customer_id, total) VALUES ($1, $2)', values: [1, -5] },
      ],
    });
    await expect(failure).rejects.toMatchObject({
      code: 'CONSTRAINT_VIOLATION',
      message: expect.stringMatching(
        /^statement 2 of 2 failed, the transaction was rolled back: new row for relation "orders" violates check constraint "orders_total_check" \(SQLSTATE 23514\)/,
      ),
      details: expect.objectContaining({ statement: 1, sqlstate: '23514', database: 'embedded' }),
    });
    expect(await harness.call('query', { sql: 'SELECT count(*)::int AS n FROM orders' })).toEqual(before);
  });

  it('walks every row in bounded pages, in key order', async () => {
    const seen: number[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page = await harness.call('selectPage', { sql: 'SELECT id, label FROM items', orderBy: ['id'], pageSize: 1000, cursor });
      expect(page.rows.length).toBeLessThanOrEqual(1000);
      expect(page.columns).toEqual(['id', 'label']);
      seen.push(...page.rows.map((r) => r.id as number));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 1));
  });

  it('pages descending on a composite key with bound values', async () => {
    const ids: number[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await harness.call('selectPage', {
        sql: 'SELECT grp, id FROM items WHERE id <= $1',
        values: [10],
        orderBy: ['grp', 'id'],
        descending: true,
        pageSize: 4,
        cursor,
      });
      ids.push(...page.rows.map((r) => r.id as number));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(ids).toEqual([8, 5, 2, 10, 7, 4, 1, 9, 6, 3]);
  });

  it('rejects a cursor from another query or no cursor at all', async () => {
    const first = await harness.call('selectPage', { sql: 'SELECT id FROM items', orderBy: ['id'], pageSize: 10 });
    await expect(
      harness.call('selectPage', { sql: 'SELECT id, grp FROM items', orderBy: ['id'], cursor: first.nextCursor }),
    ).rejects.toMatchObject({
      code: 'CURSOR_INVALID',
      message: expect.stringContaining('another query'),
    });
    await expect(harness.call('selectPage', { sql: 'SELECT id FROM items', orderBy: ['id'], cursor: 'garbage' })).rejects.toMatchObject({
      code: 'CURSOR_INVALID',
    });
  });

  it('lists tables and views and describes columns', async () => {
    const { tables } = await harness.call('tables', {});
    expect(tables).toEqual(
      expect.arrayContaining([
        { schema: 'public', name: 'customers', type: 'table' },
        { schema: 'public', name: 'order_totals', type: 'view' },
      ]),
    );
    const described = await harness.call('describe', { table: 'customers' });
    expect(described.schema).toBe('public');
    expect(described.columns.map((c) => [c.name, c.type, c.nullable, c.primaryKey])).toEqual([
      ['id', 'integer', false, true],
      ['name', 'text', false, false],
      ['email', 'text', false, false],
      ['country', 'text', true, false],
    ]);
    expect(described.columns[0]?.default).toMatch(/^nextval/);
  });

  it('answers describe of an unknown table with NOT_FOUND', async () => {
    await expect(harness.call('describe', { table: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("maps database errors to codes with the database's own words", async () => {
    await expect(harness.call('query', { sql: 'SELEC 1' })).rejects.toMatchObject({
      code: 'SQL_INVALID',
      message: 'syntax error at or near "SELEC" (SQLSTATE 42601)',
      details: { database: 'embedded', sqlstate: '42601', retryable: false },
    });
    await expect(harness.call('query', { sql: 'SELECT * FROM missing' })).rejects.toMatchObject({
      code: 'SQL_INVALID',
      message: expect.stringContaining('relation "missing" does not exist'),
    });
    await expect(harness.call('insert', { table: 'customers', rows: [{ name: 'x', email: 'ada@example.com' }] })).rejects.toMatchObject({
      code: 'CONSTRAINT_VIOLATION',
      details: expect.objectContaining({ sqlstate: '23505', constraint: 'customers_email_key' }),
    });
    await expect(harness.call('query', { sql: 'SELECT $1::int', values: ['abc'] })).rejects.toMatchObject({ code: 'DATA_INVALID' });
  });

  it('runs exactly one statement per call', async () => {
    await expect(harness.call('query', { sql: 'SELECT 1; DELETE FROM orders' })).rejects.toMatchObject({ code: 'SQL_INVALID' });
  });

  it('keeps one JSON shape for every result', async () => {
    const result = await harness.call('query', { sql: 'CREATE TEMP TABLE t (x int)' });
    expect(result).toEqual({ rows: [], columns: [], affectedRows: 0 });
  });

  // Last: the new config starts a fresh database.
  it('finishes a call in flight across a config change, then refuses writes when readOnly', async () => {
    // `items` exists only in the current database: the call fails if it runs on the next one.
    const slow = harness.call('query', { sql: 'SELECT count(*) AS n FROM items, generate_series(1, 800)' });
    // Input parsing is a chain of microtasks: after one macrotask the handler holds its driver.
    await new Promise((resolve) => setImmediate(resolve));
    let settled = false;
    void slow.finally(() => (settled = true));
    await harness.stop();
    // stop() retired the database without waiting for (or cutting off) the call.
    expect(settled).toBe(false);
    harness.setConfig({ type: 'embedded', readOnly: true });
    await harness.start();
    expect((await slow).rows).toEqual([{ n: '2000000' }]);

    await expect(harness.call('insert', { table: 'customers', rows: [{ name: 'x', email: 'x@example.com' }] })).rejects.toMatchObject({
      code: 'READ_ONLY',
      message: expect.stringContaining('read-only transaction (SQLSTATE 25006)'),
      details: { sqlstate: '25006', field: 'readOnly' },
    });
    expect((await harness.call('select', { table: 'customers', columns: ['id'], limit: 1 })).rows).toEqual([{ id: 1 }]);
  });
});

describe('sql connector config', () => {
  it('rejects an unknown type naming the field, and fails calls with the same error', async () => {
    const bad = createTestHarness(createSqlConnector({ waitMs: 100 }), { config: { type: 'oracle' } });
    await expect(bad.start()).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('"type"') });
    await expect(bad.call('query', { sql: 'SELECT 1' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('answers NOT_CONFIGURED when no config was started in time', async () => {
    const idle = createTestHarness(createSqlConnector({ waitMs: 50 }));
    await expect(idle.call('tables', {})).rejects.toMatchObject({ code: 'NOT_CONFIGURED', retryable: true });
  });
});
