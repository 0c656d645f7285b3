/**
 * Every method through the workspace, on one database: the rows, the shapes, the
 * transactions and the errors a caller sees. Registered by the per-database test files.
 */
import { expect, it } from 'vitest';
import type { SqlStack, Target } from './stack.js';
import { testSql } from './dialect.js';

/** Registers the method tests; `stack()` is the running stack (set up by the caller's beforeAll). */
export function methodTests(target: Target, stack: () => SqlStack, suffix: string): void {
  const sql = testSql(target.kind);
  const { p } = sql;
  const people = `people_${suffix}`;
  const count = async () => Number((await stack().ok('query', { sql: `SELECT COUNT(*) AS n FROM ${people}` })).rows[0].n);

  it('reports healthy after the config is applied, once the database has answered', async () => {
    expect(await stack().health()).toMatchObject({ ok: true, error: null });
    if (target.kind !== 'embedded') return;
    // Embedded boots on first use: healthy means the health check's round trip booted it,
    // before this first call was sent.
    const sent = new Date().toISOString();
    const { rows } = await stack().ok('query', {
      sql: 'SELECT pg_postmaster_start_time() < $1::timestamptz AS booted_before',
      values: [sent],
    });
    expect(rows).toEqual([{ booted_before: true }]);
  });

  it('query: creates a table, writes and reads with bound values', async () => {
    const created = await stack().ok('query', {
      sql: `CREATE TABLE ${people} (id int PRIMARY KEY, name varchar(100) NOT NULL, email varchar(200) NOT NULL UNIQUE, score int CHECK (score >= 0))`,
    });
    expect(created).toEqual({ rows: [], columns: [], affectedRows: 0 });
    const inserted = await stack().ok('query', {
      sql: `INSERT INTO ${people} (id, name, email, score) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})`,
      values: [1, "Ada'; DROP TABLE x; --", 'ada@example.com', 10],
    });
    expect(inserted.affectedRows).toBe(1);
    const read = await stack().ok('query', {
      sql: `SELECT id, name, score FROM ${people} WHERE email = ${p(1)}`,
      values: ['ada@example.com'],
    });
    expect(read).toEqual({
      rows: [{ id: 1, name: "Ada'; DROP TABLE x; --", score: 10 }],
      columns: ['id', 'name', 'score'],
      affectedRows: 0,
    });
  });

  it('select, insert, update and delete without SQL', async () => {
    const inserted = await stack().ok('insert', {
      table: people,
      rows: [
        { id: 2, name: 'Grace', email: 'grace@example.com', score: 5 },
        { id: 3, name: 'Hedy', email: 'hedy@example.com' },
      ],
    });
    expect(inserted.affectedRows).toBe(2);
    expect((await stack().ok('select', { table: people, columns: ['id', 'score'], where: { score: null } })).rows).toEqual([
      { id: 3, score: null },
    ]);
    expect((await stack().ok('update', { table: people, set: { score: 7 }, where: { id: 3 } })).affectedRows).toBe(1);
    const sorted = await stack().ok('select', { table: people, columns: ['id'], orderBy: ['score'], descending: true, limit: 2 });
    expect(sorted.rows).toEqual([{ id: 1 }, { id: 3 }]);
    expect((await stack().ok('delete', { table: people, where: { id: 3 } })).affectedRows).toBe(1);
    expect(await count()).toBe(2);
  });

  it('transaction: commits every statement together', async () => {
    const { results } = await stack().ok('transaction', {
      statements: [
        { sql: `INSERT INTO ${people} (id, name, email) VALUES (${p(1)}, ${p(2)}, ${p(3)})`, values: [10, 'Katherine', 'k@example.com'] },
        { sql: `UPDATE ${people} SET score = ${p(1)} WHERE id = ${p(2)}`, values: [3, 10] },
        { sql: `SELECT score FROM ${people} WHERE id = ${p(1)}`, values: [10] },
      ],
    });
    expect(results.map((r: any) => r.affectedRows)).toEqual([1, 1, 0]);
    expect(results[2].rows).toEqual([{ score: 3 }]);
  });

  it('transaction: rolls back everything when a statement fails, naming it', async () => {
    const before = await count();
    const { status, body } = await stack().call('transaction', {
      statements: [
        { sql: `INSERT INTO ${people} (id, name, email) VALUES (${p(1)}, ${p(2)}, ${p(3)})`, values: [20, 'Mary', 'mary@example.com'] },
        { sql: `INSERT INTO ${people} (id, name, email) VALUES (${p(1)}, ${p(2)}, ${p(3)})`, values: [21, 'Dup', 'ada@example.com'] },
      ],
    });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(body.error.code).toBe('CONSTRAINT_VIOLATION');
    expect(body.error.message).toMatch(/^statement 2 of 2 failed, the transaction was rolled back: /);
    expect(body.error.details).toMatchObject({ statement: 1, database: target.kind, ...sql.codes.unique });
    expect(await count()).toBe(before);
  });

  it('tables and describe: lists the table and its columns with the primary key', async () => {
    const { tables } = await stack().ok('tables');
    expect(tables).toContainEqual(expect.objectContaining({ name: people, type: 'table' }));
    const described = await stack().ok('describe', { table: people });
    expect(described.table).toBe(people);
    expect(described.columns.map((c: any) => [c.name, c.nullable, c.primaryKey])).toEqual([
      ['id', false, true],
      ['name', false, false],
      ['email', false, false],
      ['score', true, false],
    ]);
    const missing = await stack().call('describe', { table: `nope_${suffix}` });
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });

  it("errors: bad SQL, unknown table and constraint violations carry the database's words and code", async () => {
    const syntax = await stack().call('query', { sql: 'SELEC 1' });
    expect(syntax.body.error).toMatchObject({ code: 'SQL_INVALID', details: { ...sql.codes.syntax, retryable: false } });
    expect(syntax.body.error.message).toMatch(/syntax/i);

    const missing = await stack().call('query', { sql: `SELECT * FROM missing_${suffix}` });
    expect(missing.body.error).toMatchObject({ code: 'SQL_INVALID', details: sql.codes.missingTable });
    expect(missing.body.error.message).toContain(`missing_${suffix}`);

    const duplicate = await stack().call('insert', { table: people, rows: [{ id: 1, name: 'x', email: 'y@example.com' }] });
    expect(duplicate.body.error).toMatchObject({ code: 'CONSTRAINT_VIOLATION', details: sql.codes.unique });

    const input = await stack().call('query', { sql: 42 });
    expect(input.body.error.code).toBe('INPUT_INVALID');
  });

  it("selectPage: walks 100,000 rows in pages while the connector's memory stays flat", async () => {
    const big = `big_${suffix}`;
    // 1 KB rows: the whole result is ≈100 MB, so a connector that buffered it would hold it at
    // least twice (the rows, then the answer's text), while a page is 2 MB. Measured on embedded,
    // the worst case (its rows live in the connector process): paging grew RSS by ≈40 MB; the
    // same rows read by one `query` grew it by ≈420 MB (rows in the worker, their copy in the
    // connector, the answer). On PostgreSQL (2026-12-03): paging grew RSS by 78 MB, one `query`
    // of all rows by 282 MB (refused as RESULT_TOO_LARGE, after the rows were held). The bound
    // sits between, with room for a lazy collector: on a loaded CI machine paging on PostgreSQL
    // once grew RSS by 103 MB (pages V8 had not yet collected, not rows kept).
    const width = 1000;
    await stack().ok('query', { sql: `CREATE TABLE ${big} (id int PRIMARY KEY, payload varchar(${width}) NOT NULL)` });
    expect((await stack().ok('query', { sql: sql.fill(big, 100_000, width) })).affectedRows).toBe(100_000);

    let cursor: string | null = null;
    let rows = 0;
    let lastId = 0;
    const baseline = stack().rss();
    let peak = baseline;
    // Sampled while calls are in flight too: a result buffered and freed within one call shows up.
    const sampler = setInterval(() => (peak = Math.max(peak, stack().rss())), 10);
    try {
      do {
        const page: any = await stack().ok('selectPage', {
          sql: `SELECT id, payload FROM ${big}`,
          orderBy: ['id'],
          pageSize: 2000,
          cursor,
        });
        expect(page.rows.length).toBeLessThanOrEqual(2000);
        for (const row of page.rows) {
          expect(row.id).toBe(lastId + 1);
          lastId = row.id;
        }
        rows += page.rows.length;
        cursor = page.nextCursor;
        peak = Math.max(peak, stack().rss());
      } while (cursor !== null);
    } finally {
      clearInterval(sampler);
    }
    expect(rows).toBe(100_000);
    expect(peak - baseline, `RSS grew from ${baseline >> 20} MB to ${peak >> 20} MB`).toBeLessThan(200 * 1024 * 1024);
  });
}
